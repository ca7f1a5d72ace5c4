"""`newsbot preview` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("preview", help="not available yet")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("newsbot preview: not available yet")
    return 1
