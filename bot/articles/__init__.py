"""Article files → Article records: front matter, YAML, records, parse cache, loader, bundled sample."""

from __future__ import annotations

from bot.articles.loader import ArticleLibrary, LoadResult, Progress, Skipped, load_articles
from bot.articles.paths import default_cache_path, display_path, sample_dir

__all__ = [
    "ArticleLibrary",
    "LoadResult",
    "Progress",
    "Skipped",
    "default_cache_path",
    "display_path",
    "load_articles",
    "sample_dir",
]
