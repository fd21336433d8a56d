"""Fetch a web page from a link: bounded in time and size, retried on passing faults, one-line errors."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests

from audio.errors import EditionError
from audio.http import deadline_session
from audio.version import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"audio-edition/{__version__} (+https://pypi.org/project/audio-edition/; reads articles aloud)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Limits:
    timeout: float = 15.0  # seconds to connect, and between bytes of the answer
    deadline: float = 60.0  # seconds for the whole of one request, however slowly the answer trickles in
    max_bytes: int = 5_000_000  # news pages are a few hundred kB; more is not an article
    attempts: int = 3  # connection faults, timeouts and HTTP 5xx are tried again, with backoff
    backoff: float = 0.5  # seconds before the second attempt, doubled for each further one
    types: tuple[str, ...] = HTML_TYPES  # the content types taken (others are refused)
    what: str = "web page"  # what is fetched, as an error names it


@dataclass(frozen=True)
class Page:
    url: str  # where the page was found, after redirects
    data: bytes
    charset: str | None  # as the HTTP header declares it, else None


def get_page(url: str, limits: Limits = Limits()) -> Page:
    """Return the web page at `url`, following redirects; raise EditionError naming the URL and the reason."""
    for attempt in range(1, limits.attempts + 1):
        try:
            return fetch_once(url, limits)
        except PassingFault as fault:
            if attempt == limits.attempts:
                raise EditionError(f"{url}: {fault} (tried {limits.attempts} times)") from None
            delay = limits.backoff * 2 ** (attempt - 1)
            log.info("%s: %s; trying again in %.1f s", url, fault, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


class PassingFault(Exception):
    """A failure that may go away on its own: a dropped connection, a timeout, a server error."""


def fetch_once(url: str, limits: Limits) -> Page:
    """Return the page at `url` from one request; raise PassingFault for what a retry may mend."""
    with deadline_session(limits.deadline) as (session, expired):
        try:
            return read_answer(session, url, limits)
        except (PassingFault, EditionError):
            if not expired.is_set():
                raise
            raise PassingFault(f"no whole answer within {limits.deadline:g} s") from None


def read_answer(session: requests.Session, url: str, limits: Limits) -> Page:
    """Return the page at `url` as `session` gets it; raise PassingFault for what a retry may mend."""
    try:
        with session.get(url, timeout=limits.timeout, stream=True, allow_redirects=True,
                         headers={"User-Agent": USER_AGENT, "Accept": ",".join(limits.types)}) as answer:
            if answer.status_code >= 500:
                raise PassingFault(f"the server answered HTTP {answer.status_code} {answer.reason}")
            if answer.status_code >= 400:
                raise EditionError(f"{url}: the server answered HTTP {answer.status_code} {answer.reason}")
            kind = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind and kind not in limits.types:
                raise EditionError(f"{url}: not a {limits.what} but {kind}")
            declared = int(answer.headers.get("Content-Length") or 0)
            if declared > limits.max_bytes:
                raise EditionError(f"{url}: the page is too large ({declared / 1e6:.1f} MB; "
                                   f"at most {limits.max_bytes / 1e6:.0f} MB is read)")
            data = read_limited(answer, url, limits.max_bytes)
            return Page(answer.url, data, requests.utils.get_encoding_from_headers(answer.headers)
                        if "charset" in answer.headers.get("Content-Type", "").lower() else None)
    except requests.exceptions.InvalidURL as exc:
        raise EditionError(f"{url}: not a valid link ({exc})") from None
    except requests.exceptions.TooManyRedirects:
        raise EditionError(f"{url}: too many redirects") from None
    except requests.exceptions.Timeout:
        raise PassingFault(f"no answer within {limits.timeout:g} s") from None
    except requests.exceptions.ConnectionError as exc:
        reason = connection_reason(exc)
        if reason == "the host could not be found":  # a name that does not resolve will not resolve in a second
            raise EditionError(f"{url}: {reason}") from None
        raise PassingFault(reason) from None
    except requests.exceptions.RequestException as exc:
        raise EditionError(f"{url}: {exc.__class__.__name__}") from None


def read_limited(answer: requests.Response, url: str, max_bytes: int) -> bytes:
    """Return the body of an answer, refusing one larger than `max_bytes` before reading it all."""
    parts, size = [], 0
    for part in answer.iter_content(64 * 1024):
        size += len(part)
        if size > max_bytes:
            raise EditionError(f"{url}: the page is too large (more than {max_bytes / 1e6:.0f} MB)")
        parts.append(part)
    return b"".join(parts)


def connection_reason(exc: Exception) -> str:
    """Return a connection failure in the user's words: host not found, refused, or dropped."""
    text = str(exc)
    if any(word in text for word in ("NameResolutionError", "Name or service not known", "getaddrinfo failed",
                                     "nodename nor servname", "Temporary failure in name resolution")):
        return "the host could not be found"
    if "refused" in text.lower():
        return "the connection was refused"
    if "timed out" in text.lower():
        return "no answer in time"
    return "the connection failed"
