"""Serve the output folder over HTTP, with the byte-range requests podcast apps and browsers seek with."""

from __future__ import annotations

import functools
import io
import os
import re
import stat
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from audio.errors import EditionError
from audio.podcast import sidecars
from audio.sound import formats

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# What a published edition consists of (audio, transcripts, chapters, page, feed, cover); manifests
# (they name the article's path on this computer), feed settings, locks and temporary files are not.
PUBLISHED = (*(ext for f in formats.FORMATS.values() for ext in f.extensions), *sidecars.SUFFIXES.values(), ".xml",
             ".jpg", ".jpeg", ".png")
IDLE_TIMEOUT = 20.0  # seconds a client may keep a connection without sending anything


class Unsatisfiable(Exception):
    """A Range header that no byte of the file can satisfy (416)."""


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Published files of one folder with single byte ranges (`Range: bytes=a-b`), and a feed made at
    each request so its URLs point at this server (the feed.xml on disk is left as it is).

    Only regular files inside the folder whose names say they belong to an edition are served; no
    listings, no hidden or temporary files, no links that lead out of the folder.
    """

    feed: Callable[[], bytes] | None = None
    briefings: Callable[[], bytes] | None = None  # /briefings.xml, the feed of the folder's briefings
    timeout = IDLE_TIMEOUT  # socketserver sets it on the connection: an idle client is dropped

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".vtt": "text/vtt", ".srt": "application/srt",
                      ".xml": "application/rss+xml",
                      **{ext: f.mime for f in formats.FORMATS.values() for ext in f.extensions}}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):
        self.range = None
        made = {"/feed.xml": self.feed, "/briefings.xml": self.briefings}.get(self.path.split("?")[0])
        if made is not None:
            try:
                body = made()
            except EditionError as exc:  # e.g. a manifest that cannot be read: say so, keep serving
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
                return None
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        if malformed(self.path):
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed path")
            return None
        path = published_file(Path(self.directory), self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        handle = open(path, "rb")
        size = os.fstat(handle.fileno()).st_size
        try:
            span = byte_range(self.headers.get("Range", ""), size)
        except Unsatisfiable:
            handle.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = span or (0, size - 1)
        handle.seek(start)
        self.range = end - start + 1 if span else None
        self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if span:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1 if span else size))
        self.send_header("Last-Modified", self.date_time_string(int(os.fstat(handle.fileno()).st_mtime)))
        self.end_headers()
        return handle

    def end_headers(self) -> None:
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


def malformed(request_path: str) -> bool:
    """Return True for a path no file can have: a NUL, a control character or percent-escapes that are not UTF-8."""
    try:
        name = unquote(urlsplit(request_path).path, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return True
    return any(ord(c) < 32 or ord(c) == 127 for c in name)


def published_file(root: Path, request_path: str) -> Path | None:
    """Return the file a request path names if it may be served: a regular file inside `root` (links
    resolved) that is part of an edition; else None."""
    try:
        name = unquote(urlsplit(request_path).path, errors="strict")
        parts = [part for part in name.split("/") if part]
        if not parts or any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None  # the folder itself, hidden and temporary files, `..`, NUL
        if not parts[-1].lower().endswith(PUBLISHED):
            return None
        base = os.path.realpath(root)
        real = os.path.realpath(os.path.join(base, *parts))
        if os.path.commonpath([base, real]) != base or not real.lower().endswith(PUBLISHED):
            return None
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None
    except (ValueError, OSError):  # undecodable or NUL in the path, a vanished file
        return None
    return Path(real)


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the (first, last) byte that a Range header asks of a file of `size` bytes.

    None means "send the whole file": no header, another unit, a malformed or reversed range, or
    several ranges (RFC 9110 lets a server ignore Range); raises Unsatisfiable when the range is valid
    but no byte of the file lies in it.
    """
    match = RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    if not match.group(1):  # the last N bytes
        length = int(match.group(2))
        if not length or not size:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(match.group(1))
    if match.group(2) and int(match.group(2)) < start:
        return None  # an invalid range-spec: the header is ignored
    if start >= size:
        raise Unsatisfiable
    return start, min(int(match.group(2)), size - 1) if match.group(2) else size - 1


def server(folder: Path, host: str = "127.0.0.1", port: int = 8000,
           feed: Callable[[], bytes] | None = None, idle_timeout: float = IDLE_TIMEOUT,
           briefings: Callable[[], bytes] | None = None) -> ThreadingHTTPServer:
    """Return an HTTP server (not yet serving) for the files in `folder`, with /feed.xml made by `feed` (and
    /briefings.xml by `briefings`)."""
    handler_class = type("Handler", (RangeRequestHandler,),
                         {"feed": staticmethod(feed) if feed else None,
                          "briefings": staticmethod(briefings) if briefings else None, "timeout": idle_timeout})
    handler = functools.partial(handler_class, directory=os.fspath(folder))
    httpd = Server((host, port), handler)
    httpd.daemon_threads = True
    return httpd


class Server(ThreadingHTTPServer):
    """A thread per connection, and a listen queue for many clients at once (the default of 5 makes
    the 6th simultaneous client wait a second for its connection to be retried)."""

    request_queue_size = 128
