"""Fetch a web page from a link: bounded in time and size, retried on passing faults, one-line errors."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import requests

from audio.errors import EditionError
from audio.http import PrivateAddress, TooLarge, backoff, body_within, deadline_session
from audio.version import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"audio-edition/{__version__} (+https://pypi.org/project/audio-edition/; reads articles aloud)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Limits:
    timeout: float = 15.0  # seconds to connect, and between bytes of the answer
    deadline: float = 15.0  # seconds for the whole fetch, retries included, however slowly the answer trickles in
    max_bytes: int = 5_000_000  # news pages are a few hundred kB; more is not an article
    attempts: int = 3  # connection faults, timeouts and HTTP 5xx are tried again, with backoff, within the deadline
    backoff: float = 0.5  # seconds before the second attempt, doubled for each further one (jittered)
    private_addresses: bool = True  # False: refuse links (and redirects) to this machine or a private network
    accept: tuple[str, ...] = HTML_TYPES  # the content types taken (an image, for a cover)
    what: str = ""  # what is fetched, as an error names it ("a feed"); else said from `accept`


@dataclass(frozen=True)
class Page:
    url: str  # where the page was found, after redirects
    data: bytes
    charset: str | None  # as the HTTP header declares it, else None


def get_page(url: str, limits: Limits = Limits()) -> Page:
    """Return the web page at `url`, following redirects; raise EditionError naming the URL and the reason.

    The whole fetch, every attempt and the waits between them, ends at `limits.deadline`.
    """
    ends = time.monotonic() + limits.deadline
    for attempt in range(1, limits.attempts + 1):
        try:
            return fetch_once(url, limits, ends - time.monotonic())
        except PassingFault as fault:
            delay = backoff(attempt, limits.backoff, limits.deadline)
            if attempt == limits.attempts or time.monotonic() + delay >= ends:
                tried = f" (tried {attempt} times)" if attempt > 1 else ""
                raise EditionError(f"{url}: {fault}{tried}") from None
            log.info("%s: %s; trying again in %.1f s", url, fault, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


class PassingFault(Exception):
    """A failure that may go away on its own: a dropped connection, a timeout, a server error."""


def fetch_once(url: str, limits: Limits, seconds: float) -> Page:
    """Return the page at `url` from one request cut off after `seconds`; raise PassingFault for what a retry
    may mend."""
    with deadline_session(seconds, limits.private_addresses) as (session, expired):
        try:
            page = read_answer(session, url, limits, max(0.01, min(limits.timeout, seconds)))
        except (PassingFault, EditionError):
            if not expired.is_set():
                raise
            page = None
        if expired.is_set():  # cut off: what arrived (even an answer that looks whole) is not the page
            raise PassingFault(f"no whole answer within {limits.deadline:g} s")
        assert page is not None
        return page


REDIRECTS = {301, 302, 303, 307, 308}


def read_answer(session: requests.Session, url: str, limits: Limits, timeout: float) -> Page:
    """Return the page at `url` as `session` gets it; raise PassingFault for what a retry may mend."""
    try:
        with session.get(url, timeout=timeout, stream=True, allow_redirects=True,
                         headers={"User-Agent": USER_AGENT, "Accept": ",".join(limits.accept)}) as answer:
            status = f"HTTP {answer.status_code} {answer.reason or ''}".rstrip()
            if answer.status_code >= 500:
                raise PassingFault(f"the server answered {status}")
            if answer.status_code >= 400:
                raise EditionError(f"{url}: the server answered {status}")
            if answer.status_code in REDIRECTS:
                raise EditionError(f"{url}: the server answered {status} without saying where the page went "
                                   "(no Location header)")
            if not 200 <= answer.status_code < 300:
                raise EditionError(f"{url}: the server answered {status}, not a page")
            content_type = answer.headers.get("Content-Type", "")
            kind = content_type.split(";")[0].strip().lower()
            if kind and kind not in limits.accept:
                wanted = limits.what or ("a web page" if limits.accept == HTML_TYPES else " or ".join(limits.accept))
                raise EditionError(f"{url}: not {wanted} but {kind}")
            length = answer.headers.get("Content-Length") or "0"
            if not length.strip().isascii() or not length.strip().isdigit():
                raise EditionError(f"{url}: the server sent a Content-Length that is not a number ({length[:20]!r})")
            declared = int(length)
            if declared > limits.max_bytes:
                raise EditionError(f"{url}: the page is too large ({declared / 1e6:.1f} MB; "
                                   f"at most {limits.max_bytes / 1e6:.0f} MB is read)")
            data = read_limited(answer, url, limits.max_bytes)
            if not data:
                raise EditionError(f"{url}: the server sent an empty page ({status})")
            return Page(answer.url, data, declared_charset(content_type))
    except requests.exceptions.InvalidSchema as exc:  # a redirect to file:, ftp:, data:, javascript: …
        target = re.search(r"'([a-zA-Z][a-zA-Z0-9+.-]{0,20}):", str(exc))
        scheme = f" ({target.group(1).lower()}:)" if target else ""
        raise EditionError(f"{url}: the server redirected to a link that is not a web page{scheme}; "
                           "only http and https links are read") from None
    except PrivateAddress as exc:
        raise EditionError(f"{url}: refused: {exc}") from None
    except requests.exceptions.InvalidURL as exc:
        raise EditionError(f"{url}: not a valid link ({exc})") from None
    except requests.exceptions.TooManyRedirects:
        raise EditionError(f"{url}: too many redirects") from None
    except requests.exceptions.Timeout:
        if timeout < limits.timeout:  # what was left of the whole fetch's time ran out
            raise PassingFault(f"no whole answer within {limits.deadline:g} s") from None
        raise PassingFault(f"no answer within {timeout:g} s") from None
    except requests.exceptions.ContentDecodingError:
        raise EditionError(f"{url}: the page arrived compressed but does not decompress (a damaged "
                           f"Content-Encoding)") from None
    except requests.exceptions.ChunkedEncodingError as exc:
        if "InvalidChunkLength" in str(exc) or "Invalid chunk" in str(exc):
            raise EditionError(f"{url}: the page arrived in malformed chunks (Transfer-Encoding)") from None
        raise PassingFault("the connection broke off before the whole page arrived") from None
    except requests.exceptions.InvalidHeader:
        raise EditionError(f"{url}: the server sent a malformed header") from None
    except requests.exceptions.ConnectionError as exc:
        reason = connection_reason(exc)
        if reason == "the host could not be found":  # a name that does not resolve will not resolve in a second
            raise EditionError(f"{url}: {reason}") from None
        raise PassingFault(reason) from None
    except requests.exceptions.RequestException as exc:
        raise EditionError(f"{url}: the request failed ({exc.__class__.__name__})") from None
    except ValueError as exc:  # a link (or a redirect's Location) that urllib's or urllib3's parser refuses
        raise EditionError(f"{url}: not a valid link, or it redirects to one ({str(exc).splitlines()[0][:200]})") from None


def declared_charset(content_type: str) -> str | None:
    """Return the charset a Content-Type header names (`text/html; charset=utf-8` → utf-8), or None when it names
    none or leaves it empty (`text/html; charset`)."""
    found = re.search(r";\s*charset\s*=\s*\"?\s*([^\";\s]+)", content_type, re.IGNORECASE)
    return found.group(1) if found else None


def read_limited(answer: requests.Response, url: str, max_bytes: int) -> bytes:
    """Return the body of an answer, refusing one larger than `max_bytes` before reading it all."""
    try:
        return body_within(answer, max_bytes)
    except TooLarge:
        raise EditionError(f"{url}: the page is too large (more than {max_bytes / 1e6:.0f} MB)") from None


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
