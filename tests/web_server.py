"""A local web server on 127.0.0.1 for the link tests: pages, redirects, errors, slow and oversized answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from local_server import LocalServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    fail_first: int = 0  # answer this many requests with HTTP 503 before answering as above
    chunked: bool = False  # send no Content-Length, so only reading tells the size
    drip: float = 0.0  # send the body a byte at a time, this many seconds apart
    raw: bytes | None = None  # sent as the whole answer, status line and headers included (dripped too)


class WebServer(LocalServer):
    """Serves `routes` by path; records each request's path and User-Agent."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        super().__init__(self._handler())
        self.server.handle_error = lambda request, address: None  # a client that hangs up (too large) is expected

    def url(self, path: str) -> str:
        return self.origin + path

    def page(self, path: str, body: bytes | str, **route) -> str:
        """Serve `body` at `path`; return its URL."""
        self.routes[path] = Route(body.encode("utf-8") if isinstance(body, str) else body, **route)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
                route = server.routes.get(self.path)
                if route is None:
                    return self._answer(404, b"<h1>Nicht gefunden</h1>", "text/html")
                if route.fail_first:
                    route.fail_first -= 1
                    return self._answer(503, b"busy", "text/plain")
                time.sleep(route.delay)
                if route.raw is not None:
                    return self._raw(route.raw, route.drip)
                self._answer(route.status, route.body, route.content_type, route.headers, route.chunked, route.drip)

            def _raw(self, data, drip):
                self.close_connection = True
                self._write(data, drip)

            def _write(self, data, drip):
                """Send `data` whole, or with `drip` a byte at a time, `drip` seconds apart; a client gone is fine."""
                try:
                    for start in range(0, len(data), 1 if drip else len(data) or 1):
                        self.wfile.write(data[start:start + (1 if drip else len(data))])
                        self.wfile.flush()
                        time.sleep(drip)
                except OSError:
                    pass

            def _answer(self, status, body, content_type, headers=None, chunked=False, drip=0.0):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if chunked:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        self.wfile.write(body)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._write(body, drip)

        return Handler
