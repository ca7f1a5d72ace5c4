"""A local stand-in for feed publishers: http.server on 127.0.0.1 in a thread, one route per path.

Routes answer with a body (honouring If-None-Match / If-Modified-Since with a 304), redirect,
stream a huge body without announcing its length, or cut the connection. Every request is recorded
with its headers, so a test can see the conditional GET it sent.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections when the reader's 8 threads connect at once


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    stream_bytes: int = 0  # > 0: stream this many bytes after ``body``, with no Content-Length
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                    route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                # The client may stop reading (the size cap): expected.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server._answer(self, route)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def _answer(self, handler: BaseHTTPRequestHandler, route: Route) -> None:
        if route.location is not None:
            handler.send_response(route.status if route.status in (301, 302, 307, 308) else 302)
            handler.send_header("Location", route.location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        fresh = (route.etag is not None and handler.headers.get("If-None-Match") == route.etag) or (
            route.last_modified is not None
            and handler.headers.get("If-Modified-Since") == route.last_modified
        )
        if fresh:
            handler.send_response(304)
            if route.etag:
                handler.send_header("ETag", route.etag)
            handler.end_headers()
            return
        body = gzip.compress(route.body) if route.gzip else route.body
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.last_modified:
            handler.send_header("Last-Modified", route.last_modified)
        if route.gzip:
            handler.send_header("Content-Encoding", "gzip")
        for name, value in route.headers.items():
            handler.send_header(name, value)
        if not route.stream_bytes:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        sent, block = 0, b"<!-- filler -->" * 4096
        while sent < route.stream_bytes:
            handler.wfile.write(block)
            sent += len(block)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.requests if seen.path == path]


def serving() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
