"""Cut the YAML front matter out of an article file's bytes."""

from __future__ import annotations

import re

from bot.articles.limits import front_matter_too_large
from bot.errors import ArticleError

_BOM = b"\xef\xbb\xbf"
# The closing fence is a whole line of its own; a "---" inside a value never is one.
_FENCE_REST = re.compile(rb"[ \t]*\r?(?:\n|\Z)")


def split_front_matter(data: bytes, *, complete: bool = True) -> str:
    """Return the decoded YAML between a first line ``---`` and the next line that is exactly ``---``.

    Accepts LF or CRLF and an optional UTF-8 BOM. Raises ArticleError (one line, without the
    file name: the caller adds it) when the file is empty, has no front matter or is not UTF-8.
    ``complete=False`` says ``data`` is only the start of a longer file (see MAX_FRONT_MATTER_BYTES):
    front matter that does not close within it is too large.
    """
    bom = len(_BOM) if data.startswith(_BOM) else 0
    if bom:
        data = data[bom:]
    if complete and not data.strip():
        raise ArticleError("empty file")
    first_end = data.find(b"\n")
    if first_end < 0 or data[:first_end].rstrip(b" \t\r") != b"---":
        raise ArticleError("no front matter (the first line is not ---)")
    closing = _closing_fence(data, first_end, complete)
    if closing < 0:
        if not complete:
            raise front_matter_too_large()
        raise ArticleError("front matter is not closed by a --- line")
    body = data[first_end + 1 : closing]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        offset = bom + first_end + 1 + err.start
        raise ArticleError(f"not valid UTF-8 (byte {offset})") from None


def _closing_fence(data: bytes, first_end: int, complete: bool) -> int:
    """Offset of the line that closes the front matter (bytes.find keeps this at C speed), or -1."""
    start = first_end
    while True:
        found = data.find(b"\n---", start)
        if found < 0:
            return -1
        rest = _FENCE_REST.match(data, found + 4)
        if rest and (complete or rest.group().endswith(b"\n")):  # a cut-off "---" may go on in the file
            return found + 1
        start = found + 4
