"""Serve the output folder over HTTP, with the byte-range requests podcast apps and browsers seek with."""

from __future__ import annotations

import functools
import io
import os
import re
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audio import formats
from audio.errors import EditionError

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """The standard library's file handler plus single byte ranges (`Range: bytes=a-b`), and a feed
    made at each request so its URLs point at this server (the feed.xml on disk is left as it is)."""

    feed: Callable[[], bytes] | None = None

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".vtt": "text/vtt", ".srt": "application/srt",
                      ".xml": "application/rss+xml",
                      **{ext: f.mime for f in formats.FORMATS.values() for ext in f.extensions}}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):
        self.range = None
        if self.feed and self.path.split("?")[0] == "/feed.xml":
            try:
                body = self.feed()
            except EditionError as exc:  # e.g. a manifest that cannot be read: say so, keep serving
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
                return None
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if header is None or "," in header or not path.is_file():  # several ranges: send the whole file (RFC 9110)
            return super().send_head()
        size = path.stat().st_size
        span = byte_range(header, size)
        if span is None:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = span
        handle = open(path, "rb")
        handle.seek(start)
        self.range = end - start + 1
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(self.range))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return handle

    def end_headers(self) -> None:
        if not getattr(self, "range", None):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def copyfile(self, source, outputfile) -> None:
        if not getattr(self, "range", None):
            return super().copyfile(source, outputfile)
        remaining = self.range
        while remaining > 0:
            block = source.read(min(64 * 1024, remaining))
            if not block:
                break
            outputfile.write(block)
            remaining -= len(block)


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the (first, last) byte that a Range header asks of a file of `size` bytes, or None if unsatisfiable."""
    match = RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    if not match.group(1):  # the last N bytes
        length = int(match.group(2))
        return (max(0, size - length), size - 1) if length and size else None
    start = int(match.group(1))
    end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    return (start, end) if start <= end and start < size else None


def server(folder: Path, host: str = "127.0.0.1", port: int = 8000,
           feed: Callable[[], bytes] | None = None) -> ThreadingHTTPServer:
    """Return an HTTP server (not yet serving) for the files in `folder`, with /feed.xml made by `feed`."""
    handler_class = type("Handler", (RangeRequestHandler,), {"feed": staticmethod(feed)}) if feed else RangeRequestHandler
    handler = functools.partial(handler_class, directory=os.fspath(folder))
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    return httpd
