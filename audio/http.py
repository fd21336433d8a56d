"""HTTP at the edge: a session whose requests end at a deadline, however slowly an answer trickles in,
and how long to wait before asking again. requests and urllib3 load only when a session is made."""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import random
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


def backoff(attempt: int, first: float, most: float, retry_after: float | None = None) -> float:
    """Return the seconds to wait after failed attempt number `attempt` (1 = the first): `first`, doubled for
    each further attempt with a little jitter (so clients that failed together do not retry together), at
    most `most`; a server's Retry-After, when it sent one, instead."""
    if retry_after is not None:
        return min(most, retry_after)
    return min(most, first * 2 ** (attempt - 1) * random.uniform(0.8, 1.2))


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the seconds a server's Retry-After asks to wait, or None when it says nothing usable.

    RFC 9110 allows whole seconds in ASCII digits (`120`) or an HTTP date; anything else (`²`, `1.5`, `-3`)
    is ignored, as is a date in the past (which means: now).
    """
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@contextlib.contextmanager
def deadline_session(seconds: float) -> Iterator[tuple[requests.Session, threading.Event]]:
    """Yield a requests session whose connections are cut `seconds` from now, and an event set when they were.

    requests' timeout bounds each read, so an answer trickling in a byte at a time would never end;
    shutting the sockets down ends whatever is waiting on them: connecting, headers or body.
    """
    import requests
    import requests.adapters
    import urllib3
    import urllib3.connection

    sockets: list[socket.socket] = []
    expired = threading.Event()
    lock = threading.Lock()

    def watch(sock: socket.socket) -> None:
        with lock:
            sockets.append(sock)
        if expired.is_set():
            cut()

    def cut() -> None:
        expired.set()
        with lock:
            for sock in sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    class Watched(urllib3.connection.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watch(self.sock)

    class WatchedTLS(urllib3.connection.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watch(self.sock)

    pools = {"http": type("Pool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": Watched}),
             "https": type("TLSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": WatchedTLS})}

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy, **kwargs):
            manager = super().proxy_manager_for(proxy, **kwargs)
            manager.pool_classes_by_scheme = pools
            return manager

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    with requests.Session() as session:
        session.mount("http://", Adapter())
        session.mount("https://", Adapter())
        timer.start()
        try:
            yield session, expired
        finally:
            timer.cancel()
