"""Turn a composed Digest or QueryAnswer into a chat.postMessage payload via Jinja2 templates.

Templates produce text pieces (one macro each); this module places them in Block Kit blocks,
runs every mrkdwn piece through `sanitize`, then `enforce`s Slack's limits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError

from bot.compose import blocks as bk
from bot.compose.block_checks import check_payload
from bot.compose.fitting import enforce, story_count, without_images
from bot.compose.model import Digest, QueryAnswer, Story
from bot.compose.mrkdwn import clean_url, clip, escape, link, one_line, sanitize, slack_date
from bot.compose.payload_texts import payload_urls
from bot.compose.slack_limits import MAX_ALT_TEXT, MAX_BLOCKS
from bot.errors import ConfigError

# Re-exported: callers that post a rendered payload need these beside the renderers.
__all__ = [
    "Template",
    "Templates",
    "check_payload",
    "payload_urls",
    "render_digest",
    "render_query",
    "without_images",
]

DEFAULT_TEMPLATE = "default"
RELATED_SHOWN = 5  # outlets linked in a story's "Related:" line; the rest are counted as "+N more"


def _environment(loader: Any) -> Environment:
    # autoescape is for HTML; mrkdwn needs its own escape, applied by the `mrkdwn` filter.
    env = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701
    env.filters["mrkdwn"] = lambda value: escape(one_line(str(value)))
    env.filters["clip"] = lambda value, limit: clip(one_line(str(value)), int(limit))
    env.globals["link"] = link
    env.globals["slack_date"] = slack_date
    return env


class Template:
    """One named template: its macros, with any it does not define taken from the packaged default."""

    def __init__(self, name: str, module: Any, fallback: Any) -> None:
        self.name = name
        self._module = module
        self._fallback = fallback

    def text(self, macro: str, *args: Any) -> str:
        render: Callable[..., str] = getattr(self._module, macro, None) or getattr(self._fallback, macro)
        try:
            raw = str(render(*args))
        except TemplateError as err:
            raise ConfigError(f"template {self.name!r}, macro {macro!r}: {err}") from err
        return "\n".join(line.strip() for line in raw.splitlines() if line.strip())


class Templates:
    """The packaged templates (bot/templates/*.j2) plus optional overrides from digests/templates/."""

    def __init__(self, env: Environment, package_default: Any, names: tuple[str, ...]) -> None:
        self._env = env
        self._package_default = package_default
        self._names = names
        self._cache: dict[str, Template] = {}

    @classmethod
    def load(cls, override_dir: Path | None = None) -> Templates:
        """Load and compile every template now, so a broken override is a ConfigError at start-up."""
        package = PackageLoader("bot", "templates")
        base = _environment(package)
        package_default = base.get_template(f"{DEFAULT_TEMPLATE}.j2").module
        loaders: list[Any] = [package]
        if override_dir is not None and override_dir.is_dir():
            loaders.insert(0, FileSystemLoader(str(override_dir)))
        env = _environment(ChoiceLoader(loaders))
        names = tuple(sorted(n.removesuffix(".j2") for n in env.list_templates(extensions=["j2"])))
        templates = cls(env, package_default, names)
        for name in names:
            templates.get(name)
        return templates

    def names(self) -> tuple[str, ...]:
        return self._names

    def get(self, name: str) -> Template:
        if name not in self._cache:
            if name not in self._names:
                raise ConfigError(f"unknown template {name!r}; available: {', '.join(self._names)}")
            try:
                module = self._env.get_template(f"{name}.j2").module
            except TemplateError as err:
                raise ConfigError(f"template {name}.j2: {err}") from err
            self._cache[name] = Template(name, module, self._package_default)
        return self._cache[name]


def render_digest(digest: Digest, templates: Templates) -> dict[str, Any]:
    """The chat.postMessage payload of a digest: header, one section per story with its related
    coverage, a footer; within Slack's limits whatever the articles contain. When the limits drop
    the lowest-ranked stories, the footer and notification text count only the stories left."""
    payload = _render_digest(digest, templates)
    shown = story_count(payload)
    if 0 < shown < len(digest.stories):
        payload = _render_digest(dataclasses.replace(digest, stories=digest.stories[:shown]), templates)
    return payload


def _render_digest(digest: Digest, templates: Templates) -> dict[str, Any]:
    tpl = templates.get(digest.template)
    blocks = [bk.header(tpl.text("header", digest, _local_date(digest.now, digest.timezone)), "header")]
    if digest.stories:
        blocks += _stories_blocks(tpl, digest.stories, reserved=3)
        blocks.append(bk.divider("footer-divider"))
    else:
        blocks.append(bk.section(sanitize(tpl.text("empty", digest)), block_id="empty"))
    blocks.append(bk.context([sanitize(tpl.text("footer", digest))], "footer"))
    return enforce(bk.message(sanitize(tpl.text("fallback", digest)), blocks))


def render_query(
    answer: QueryAnswer, templates: Templates, template: str = DEFAULT_TEMPLATE
) -> dict[str, Any]:
    """The payload answering `/news TEXT`: what matched, the top stories, or the closest topics
    ("showing N" counts the stories left within Slack's limits)."""
    payload = _render_query(answer, templates, template)
    shown = story_count(payload)
    if 0 < shown < len(answer.stories):
        payload = _render_query(
            dataclasses.replace(answer, stories=answer.stories[:shown]), templates, template
        )
    return payload


def _render_query(answer: QueryAnswer, templates: Templates, template: str) -> dict[str, Any]:
    tpl = templates.get(template)
    if not answer.stories:
        blocks = [bk.section(sanitize(tpl.text("no_match", answer)), block_id="no-match")]
    else:
        blocks = [bk.section(sanitize(tpl.text("query_intro", answer)), block_id="intro")]
        blocks += _stories_blocks(tpl, answer.stories, reserved=3)
        blocks.append(bk.divider("footer-divider"))
        blocks.append(bk.context([sanitize(tpl.text("query_footer", answer))], "footer"))
    return enforce(bk.message(sanitize(tpl.text("query_fallback", answer)), blocks))


def _stories_blocks(tpl: Template, stories: tuple[Story, ...], *, reserved: int) -> list[bk.Block]:
    # Dividers only while they cost no story: 3 blocks per story must leave room for the rest.
    dividers = len(stories) * 3 + reserved <= MAX_BLOCKS
    out: list[bk.Block] = []
    for rank, story in enumerate(stories, start=1):
        out += _story_blocks(tpl, story, rank, divider=dividers and rank > 1)
    return out


def _story_blocks(tpl: Template, story: Story, rank: int, *, divider: bool) -> list[bk.Block]:
    # Every block of a story carries its rank, so `enforce` can drop the story whole (divider included).
    block_id = f"story-{rank}"
    out = [bk.divider(f"{block_id}-divider")] if divider else []
    image = clean_url(story.lead.image)
    accessory = None
    if image is not None:
        accessory = bk.image_accessory(
            image, clip(one_line(story.lead.title), MAX_ALT_TEXT) or "article image"
        )
    out.append(bk.section(sanitize(tpl.text("story", story)), accessory=accessory, block_id=block_id))
    if story.coverage:
        shown = story.coverage[:RELATED_SHOWN]
        more = len(story.coverage) - len(shown)
        out.append(bk.context([sanitize(tpl.text("related", story, shown, more))], f"{block_id}-related"))
    return out


def _local_date(now: datetime, timezone: str) -> str:
    """The digest's date as its readers expect it: in the digest's own time zone (UTC if unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}"
