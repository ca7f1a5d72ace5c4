"""newsbot: ranked daily news digests for Slack from a folder of article files."""

from __future__ import annotations

__version__ = "0.1.0"
