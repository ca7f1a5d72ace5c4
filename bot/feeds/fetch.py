"""HTTP for feeds: one conditional GET with a timeout, a size cap enforced while streaming, and a
bounded number of redirects (urllib from the standard library, with every limit explicit).

A 304 answer is a result ("not modified"), not an error. Every failure is a FeedError whose reason
says what happened in words a person can act on (refused, timed out, too large, redirect loop, …).
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from http.client import HTTPException, HTTPMessage, HTTPResponse
from typing import IO, Any
from urllib.parse import urlsplit

from bot import __version__
from bot.errors import FeedError

USER_AGENT = f"newsbot/{__version__} (feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.8, */*;q=0.1"
)
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """``timeout``: seconds for connecting and for the whole body; ``max_bytes``: of the decoded body."""

    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A feed's answer. ``body`` is None for 304 Not Modified; ``url`` is the URL after redirects."""

    url: str
    status: int
    body: bytes | None
    content_type: str
    etag: str | None
    modified: str | None
    retry_after: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most ``limit`` redirects, to http(s) only, and names a loop as a loop."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__()
        self.url = url
        self.limit = limit

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        visited: dict[str, int] = getattr(req, "redirect_dict", {})
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FeedError(self.url, f"redirected to a non-http(s) address: {newurl[:120]}")
        if newurl in visited or newurl == self.url:
            raise FeedError(self.url, f"redirect loop (redirected back to {newurl[:120]})")
        if len(visited) >= self.limit:
            raise FeedError(self.url, f"more than {self.limit} redirects (the last to {newurl[:120]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> Fetched:
    """GET ``url`` (If-None-Match / If-Modified-Since when known). Raises FeedError naming the reason."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    opener = urllib.request.build_opener(_Redirects(url, limits.max_redirects))
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked in config
    deadline = time.monotonic() + limits.timeout
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            body = _read_capped(response, url, limits, deadline)
            return _fetched(response, response.status, body)
    except urllib.error.HTTPError as err:
        if err.code == 304:
            return _fetched(err, 304, None)
        retry = _retry_after(err.headers.get("Retry-After")) if err.headers else None
        reason = _http_reason(err)
        err.close()
        raise FeedError(url, reason, retry_after=retry) from None
    except FeedError:
        raise
    except urllib.error.URLError as err:
        raise FeedError(url, _network_reason(err.reason)) from None
    except TimeoutError:
        raise FeedError(url, f"timed out after {limits.timeout:g} s") from None
    except (HTTPException, OSError) as err:
        raise FeedError(url, f"the connection failed ({type(err).__name__}: {err})") from None


def _fetched(response: Any, status: int, body: bytes | None) -> Fetched:
    headers = response.headers
    return Fetched(
        url=response.geturl() if hasattr(response, "geturl") else response.url,
        status=status,
        body=body,
        content_type=(headers.get("Content-Type") or "").split(";")[0].strip().lower(),
        etag=headers.get("ETag"),
        modified=headers.get("Last-Modified"),
    )


def _read_capped(response: HTTPResponse, url: str, limits: FetchLimits, deadline: float) -> bytes:
    """The body, decompressed, never more than ``max_bytes``: reading stops as soon as it would pass."""
    cap = limits.max_bytes
    declared = response.headers.get("Content-Length")
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding == "identity" and declared and declared.isdigit() and int(declared) > cap:
        raise FeedError(
            url, f"too large: the server announced {_size(int(declared))}, the limit is {_size(cap)}"
        )
    if encoding in ("gzip", "x-gzip"):
        inflate: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflate = zlib.decompressobj()
    elif encoding == "identity":
        inflate = None
    else:
        raise FeedError(url, f"unsupported Content-Encoding {encoding!r}")
    parts: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FeedError(url, f"timed out after {limits.timeout:g} s (the body was still arriving)")
        chunk = response.read(CHUNK)
        if not chunk:
            break
        if inflate is not None:
            try:
                # max_length bounds what one chunk may expand to, so a compression bomb stops here too.
                chunk = inflate.decompress(chunk, cap + 1 - size)
            except zlib.error as err:
                raise FeedError(url, f"the compressed body is corrupt ({err})") from None
        size += len(chunk)
        if size > cap:
            raise FeedError(url, f"too large: more than {_size(cap)} (stopped reading)")
        parts.append(chunk)
    return b"".join(parts)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def _http_reason(err: urllib.error.HTTPError) -> str:
    text = str(err.reason or "")
    if err.code in (301, 302, 303, 307, 308):
        return f"redirect loop or too many redirects (HTTP {err.code})"
    return f"HTTP {err.code} {text}".strip()


def _network_reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing is listening at that address)"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out while connecting"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror or reason})"
    if isinstance(reason, OSError):
        return f"network error ({reason.strerror or reason})"
    return f"network error ({reason})"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (the HTTP-date form is ignored)."""
    text = (value or "").strip()
    return float(text) if text.isdigit() else None
