"""Shared fixtures: the Slack stand-in, started per test on a random local port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeslack import FakeSlack


@pytest.fixture(autouse=True)
def private_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default parse caches go under the test's own folder, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


# Store fixtures (db, store, postgres_server) parametrised over SQLite and PostgreSQL.
pytest_plugins = ["tests.store_fixtures"]
