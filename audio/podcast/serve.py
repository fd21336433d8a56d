"""Serve the output folder over HTTP, with the byte-range requests podcast apps and browsers seek with.

One server stack for the public files and the API (audio.service): uvicorn with a guarded protocol,
and Starlette. uvicorn bounds neither the time a client may take to send a request's head (its
issue #157) nor the number of connections; `Guarded` adds both: a head must be whole within
`idle_timeout` seconds of the connection opening (or of the last answer), however slowly its bytes
trickle in, and beyond `max_connections` the connection idle the longest is dropped first.
"""

from __future__ import annotations

import asyncio
import email.utils
import mimetypes
import os
import re
import resource
import socket
import stat
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import h11
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from audio.errors import EditionError
from audio.podcast import sidecars
from audio.sound import formats

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# What a published edition consists of (audio, transcripts, chapters, page, feed, cover); manifests
# (they name the article's path on this computer), feed settings, locks and temporary files are not.
PUBLISHED = (*(ext for f in formats.FORMATS.values() for ext in f.extensions), *sidecars.SUFFIXES.values(), ".xml",
             ".jpg", ".jpeg", ".png")
IDLE_TIMEOUT = 20.0  # seconds a client may take to send a request's head, and stay idle between requests
MAX_CONNECTIONS = 1000  # at most; fewer when the process may open fewer files
LISTEN_QUEUE = 2048  # connections the system keeps waiting to be accepted
ACCEPT_BATCH = 16  # connections accepted in one go (a few goes pass before one beyond the bound is closed)
BLOCK = 256 * 1024
LINE_LIMIT = 8190  # bytes of a request line (method, path, version), as common servers allow
HEAD_LIMIT = 65536  # bytes of a request's head
MAX_HEADERS = 100
REASONS = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}
TYPES = {".vtt": "text/vtt", ".srt": "application/srt", ".xml": "application/rss+xml", ".json": "application/json",
         ".html": "text/html; charset=utf-8", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
         **{ext: f.mime for f in formats.FORMATS.values() for ext in f.extensions}}
BIGGEST = 10 ** 18  # a byte position no file reaches; longer numbers in a Range header stand for it


class Unsatisfiable(Exception):
    """A Range header that no byte of the file can satisfy (416)."""


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
    but no byte of the file lies in it (a position of thousands of digits too).
    """
    match = RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    first, last = (number(group) if group else None for group in match.groups())
    if first is None:  # the last N bytes
        if not last or not size:
            raise Unsatisfiable
        return max(0, size - last), size - 1
    if last is not None and last < first:
        return None  # an invalid range-spec: the header is ignored
    if first >= size:
        raise Unsatisfiable
    return first, min(last, size - 1) if last is not None else size - 1


def number(digits: str) -> int:
    """Return a position of a Range header; one beyond any file for more than 18 digits (int() refuses thousands)."""
    return int(digits) if len(digits.lstrip("0")) <= 18 else BIGGEST


def files_app(folder: Path, feed: Callable[[], bytes] | None = None,
              briefings: Callable[[], bytes] | None = None) -> ASGIApp:
    """Return the ASGI app that serves the published files of `folder`, /feed.xml made by `feed` and
    /briefings.xml (the folder's briefings alone) made by `briefings`."""
    return Files(Path(folder), feed, briefings)


class Files:
    """The published files of one folder, whole or by byte range, and the feed; every path goes through
    `malformed` and `published_file` (a router's pattern would not even see a path with a newline)."""

    def __init__(self, root: Path, feed: Callable[[], bytes] | None = None,
                 briefings: Callable[[], bytes] | None = None):
        self.root, self.made = root, {"/feed.xml": feed, "/briefings.xml": briefings}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Not Implemented", status_code=501)
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0]
        made = self.made.get(raw)
        if made is not None:
            try:
                body = await run_in_threadpool(made)
            except EditionError as exc:  # e.g. a manifest that cannot be read: say so, keep serving
                return PlainTextResponse(f"Internal Server Error: {exc}", status_code=500)
            return Response(body, media_type="application/rss+xml", headers={"Accept-Ranges": "bytes"})
        if malformed(raw):
            return PlainTextResponse("Bad Request: malformed path", status_code=400)
        return await run_in_threadpool(answer, self.root, raw, request.headers.get("range", ""),
                                       request.method == "HEAD")


def answer(root: Path, raw_path: str, range_header: str, head: bool) -> Response:
    """Return the answer for one published file (whole, a range, 404 or 416)."""
    path = published_file(root, raw_path)
    handle = None
    try:
        if path is not None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            handle = os.fdopen(fd, "rb")
    except OSError:
        handle = None
    info = os.fstat(handle.fileno()) if handle is not None else None
    if handle is None or info is None or not stat.S_ISREG(info.st_mode):
        if handle:
            handle.close()
        return PlainTextResponse("Not Found", status_code=404, headers={"Accept-Ranges": "bytes"})
    size = info.st_size
    try:
        span = byte_range(range_header, size)
    except Unsatisfiable:
        handle.close()
        return Response(b"", status_code=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
    first, last = span or (0, size - 1)
    length = last - first + 1 if size else 0
    headers = {"Content-Length": str(length), "Accept-Ranges": "bytes",
               "Content-Type": TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]  # type: ignore[union-attr]
               or "application/octet-stream",
               "Last-Modified": email.utils.formatdate(info.st_mtime, usegmt=True)}
    if span:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    status = 206 if span else 200
    if head or not length:
        handle.close()
        return Response(b"", status_code=status, headers=headers)
    handle.seek(first)
    return StreamingResponse(blocks(handle, length), status_code=status, headers=headers)


async def blocks(handle, length: int) -> AsyncIterator[bytes]:
    """Yield `length` bytes of an open file in blocks, read in a thread; close it however the sending ends."""
    try:
        remaining = length
        while remaining > 0:
            block = await run_in_threadpool(handle.read, min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


class Hinted(h11.Connection):
    """h11's connection, remembering the status it suggests for a request it cannot parse (431 for a huge head)."""

    hint = 400

    def next_event(self):
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.hint = exc.error_status_hint
            raise


class Guarded(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's head and a bound on connections."""

    head_timeout = IDLE_TIMEOUT
    max_connections = MAX_CONNECTIONS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conn = Hinted(h11.SERVER, self.conn._max_incomplete_event_size)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_since = 0.0
        self._head = b""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()
        live = [c for c in self.connections if isinstance(c, Guarded) and not c.transport.is_closing()]
        if len(live) > self.max_connections:  # (a closed one is counted until the loop has let it go)
            idle = [c for c in live if c is not self and c._deadline is not None]
            victim = min(idle, key=lambda c: c._waiting_since, default=self)
            victim._head_arrived()
            victim.transport.close()  # the one idle longest; this one if none is idle

    def _await_head(self) -> None:
        self._waiting_since = time.monotonic()
        self._head = b""
        self._deadline = self.loop.call_later(self.head_timeout, self._head_too_late)

    def _head_too_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _head_arrived(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        if self._deadline is not None:  # waiting for a head: refuse one too long before h11 takes it whole
            self._head = (self._head + data)[:HEAD_LIMIT + 4]
            refusal = too_long(self._head)
            if refusal:
                self.refuse(refusal)
                return
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # a request's head is whole (uvicorn starts a cycle for each)
            self._head_arrived()

    def on_response_complete(self) -> None:
        before = self.cycle
        super().on_response_complete()  # may start the next, pipelined, request
        if not self.transport.is_closing() and self.cycle is before:
            self._head_arrived()
            self._await_head()  # keep-alive: the next head has the same deadline (a body nobody reads too)

    def connection_lost(self, exc) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        hint = getattr(self.conn, "hint", 400)
        self.refuse(hint if hint in REASONS else 400)

    def refuse(self, status: int) -> None:
        """Answer a request that cannot be taken with `status` alone, and close the connection."""
        self._head_arrived()
        reason = REASONS[status]
        text = reason.decode()
        event = h11.Response(status_code=status, reason=reason,
                             headers=[(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                                      (b"content-length", str(len(text)).encode())])
        try:
            self.transport.write(self.conn.send(event) + self.conn.send(h11.Data(data=text.encode())) +
                                 self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:
            pass
        self.transport.close()


def too_long(head: bytes) -> int | None:
    """Return 414 or 431 for a request head (or its start) that is too long to take, else None."""
    end = head.find(b"\r\n\r\n")
    head = head if end < 0 else head[:end]
    line_end = head.find(b"\n")
    if line_end > LINE_LIMIT or line_end < 0 and len(head) > LINE_LIMIT:
        return 414
    if len(head) > HEAD_LIMIT or head.count(b"\n") > MAX_HEADERS:
        return 431
    return None


def connection_limit() -> int:
    """Return how many connections to keep at most: MAX_CONNECTIONS, or half the files the process may open."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, (soft - 64 - 4 * ACCEPT_BATCH) // 2))


def listening_class():
    import uvicorn

    class Listening(uvicorn.Server):
        """uvicorn's server, whose socket keeps a long queue of connections waiting to be accepted (asyncio sets the
        socket's queue to the size of the batch it accepts at once)."""

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            for sock in sockets or []:
                sock.listen(LISTEN_QUEUE)

    return Listening


class Server:
    """An HTTP server for an ASGI app on a socket bound at once (so its port is known before it serves)."""

    def __init__(self, app: ASGIApp, host: str, port: int, idle_timeout: float = IDLE_TIMEOUT,
                 max_connections: int | None = None):
        import uvicorn

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=LISTEN_QUEUE)
        self.server_address = self.socket.getsockname()[:2]
        protocol = type("Protocol", (Guarded,), {"head_timeout": idle_timeout,
                                                 "max_connections": max_connections or connection_limit()})
        # backlog: how many waiting connections the loop accepts in one go; beyond the connection bound they
        # are closed when they start, and a smaller batch keeps the process under its limit of open files
        config = uvicorn.Config(app, http=protocol, lifespan="off", log_config=None, access_log=False,  # type: ignore[arg-type]
                                backlog=ACCEPT_BATCH, loop="asyncio",
                                timeout_keep_alive=int(max(1, idle_timeout)), h11_max_incomplete_event_size=HEAD_LIMIT + 1024,
                                ws="none", server_header=False,
                                proxy_headers=False, timeout_graceful_shutdown=2)
        self.uvicorn = listening_class()(config)
        self.stopped = threading.Event()

    def use(self, app: ASGIApp) -> None:
        """Serve `app` instead (before serving starts): one made once the server's address was known."""
        self.uvicorn.config.app = app

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until `shutdown` (or, in the main thread, Ctrl-C / SIGTERM)."""
        try:
            self.uvicorn.run(sockets=[self.socket])
        finally:
            self.stopped.set()

    def shutdown(self) -> None:
        self.uvicorn.should_exit = True
        self.stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()


def server(folder: Path, host: str = "127.0.0.1", port: int = 8000, feed: Callable[[], bytes] | None = None,
           idle_timeout: float = IDLE_TIMEOUT, app: ASGIApp | None = None,
           max_connections: int | None = None) -> Server:
    """Return an HTTP server (not yet serving) for the files in `folder`, with /feed.xml made by `feed`
    (or for `app`, which serves those files among other things)."""
    return Server(app or files_app(folder, feed), host, port, idle_timeout, max_connections)
