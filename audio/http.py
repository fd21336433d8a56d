"""HTTP at the edge: a session whose requests end at a deadline, however slowly an answer trickles in,
that may refuse to reach private addresses, and how long to wait before asking again. requests and
urllib3 load only when a session is made."""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import ipaddress
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


class PrivateAddress(Exception):
    """A connection that would reach this machine or a private network, which the session was told to refuse."""


def private(address: str) -> bool:
    """Return True for an address a link from outside must not reach: loopback, private, link-local,
    multicast, reserved or unspecified (an IPv4 address inside IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_private \
        or ip.is_reserved or ip.is_unspecified


def vetted(host: str, port: int) -> str:
    """Return the address to connect to for `host`, resolved once; raise PrivateAddress when any address it
    resolves to is private (a name pointing both outside and inside is refused)."""
    found = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    for address in found:
        if private(str(address)):
            raise PrivateAddress(f"the link leads to {address}, an address on this machine or a private network")
    return str(found[0])


class TooLarge(Exception):
    """An answer's body went past the bytes its reader takes."""


def body_within(response: requests.Response, most: int) -> bytes:
    """Return the body of `response`; raise TooLarge, having read no more than `most` bytes (and a block), when
    it is larger, however little its headers declared."""
    parts, size = [], 0
    for part in response.iter_content(64 * 1024):
        size += len(part)
        if size > most:
            raise TooLarge
        parts.append(part)
    return b"".join(parts)


@contextlib.contextmanager
def deadline_session(seconds: float, private_addresses: bool = True) -> Iterator[tuple[requests.Session, threading.Event]]:
    """Yield a requests session whose connections are cut `seconds` from now, and an event set when they were.

    requests' timeout bounds each read, so an answer trickling in a byte at a time would never end;
    shutting the sockets down ends whatever is waiting on them: connecting, headers or body.
    Without `private_addresses`, every connection (the first, and each redirect's) resolves its host
    once, refuses it with PrivateAddress if it leads to a private address, and connects to the very
    address checked (so a name that resolves differently the second time cannot slip through).
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

    class Watching:
        """Mixed into urllib3's connections, plain and TLS alike: the address vetted, the socket watched."""

        _dns_host: str
        port: int
        sock: socket.socket

        def _new_conn(self) -> socket.socket:  # connect to an address vetted before a packet is sent
            if private_addresses:
                return super()._new_conn()  # type: ignore[misc]
            name = self._dns_host
            self._dns_host = vetted(name, self.port)
            try:
                return super()._new_conn()  # type: ignore[misc]
            finally:
                self._dns_host = name

        def connect(self) -> None:
            super().connect()  # type: ignore[misc]
            watch(self.sock)

    class Watched(Watching, urllib3.connection.HTTPConnection):
        pass

    class WatchedTLS(Watching, urllib3.connection.HTTPSConnection):
        pass

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
