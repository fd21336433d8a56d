"""Google's voice through the gTTS library, with a timeout, retries and backoff that gTTS lacks."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from dataclasses import dataclass

import requests
from gtts import gTTS, gTTSError
import gtts.tts

from audio import ffmpeg
from audio.engines.base import Speech
from audio.errors import EditionError

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "AUDIO_EDITION_GOOGLE_URL"  # another endpoint that answers like Google's, e.g. a proxy
SAMPLE_RATE = 24000  # what Google's MP3s carry
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class GoogleSettings:
    lang: str = "de"
    tld: str = "de"
    slow: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0
    timeout: float = 15.0  # per request; gTTS alone would wait forever


class GoogleEngine:
    """German speech from Google Translate's voice; needs the network."""

    name = "gtts"
    max_chars = 100  # gTTS sends at most 100 characters per request

    def __init__(self, settings: GoogleSettings = GoogleSettings(), retry: RetryPolicy = RetryPolicy()):
        self.settings = settings
        self.retry = retry
        self.retries = 0  # retries made so far, for the build's report
        self._count_lock = threading.Lock()
        use_endpoint(os.environ.get(ENDPOINT_VARIABLE))

    def cache_key(self) -> str:
        s = self.settings
        return f"gtts lang={s.lang} tld={s.tld} slow={s.slow}"

    def describe(self) -> str:
        return f"gtts ({self.settings.lang}, translate.google.{self.settings.tld})"

    def synthesize(self, text: str) -> Speech:
        mp3 = self._fetch(text)
        return Speech(ffmpeg.decode_to_pcm(mp3, SAMPLE_RATE, what="decoding Google's audio"), SAMPLE_RATE)

    def _fetch(self, text: str) -> bytes:
        s = self.settings
        for attempt in range(1, self.retry.attempts + 1):
            tts = gTTS(text, lang=s.lang, tld=s.tld, slow=s.slow, lang_check=False,
                       pre_processor_funcs=[], timeout=self.retry.timeout)
            try:
                data = b"".join(tts.stream())
                if data:
                    return data
                problem, retry_after = "an empty answer", None
            except gTTSError as exc:
                problem, retry_after = describe_failure(exc)
                if problem is None:
                    raise EditionError(f"Google's voice refused the text: {exc}") from None
            except requests.RequestException as exc:  # a connection dropped while reading the answer
                problem, retry_after = f"a broken connection ({type(exc).__name__})", None
            if attempt == self.retry.attempts:
                raise EditionError(f"Google's voice failed {attempt} times ({problem})")
            delay = backoff_delay(attempt, self.retry, retry_after)
            log.info("Google's voice gave %s; retrying in %.1f s", problem, delay)
            with self._count_lock:
                self.retries += 1
            time.sleep(delay)
        raise AssertionError("unreachable")


def backoff_delay(attempt: int, policy: RetryPolicy, retry_after: float | None = None) -> float:
    """Return the seconds to wait after failed attempt number `attempt` (1 = the first)."""
    if retry_after is not None:
        return min(policy.max_backoff, retry_after)
    return min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2))


def describe_failure(exc: gTTSError) -> tuple[str | None, float | None]:
    """Return what went wrong if a retry may help (with any Retry-After seconds), else (None, None)."""
    response = getattr(exc, "rsp", None)
    if response is None:
        return "no connection or a timeout", None
    if response.status_code in RETRY_STATUSES:
        retry_after = response.headers.get("Retry-After", "")
        return f"HTTP {response.status_code}", float(retry_after) if retry_after.isdigit() else None
    return None, None


_original_translate_url = gtts.tts._translate_url


def use_endpoint(url: str | None) -> None:
    """Send gTTS's requests to `url` instead of Google (None restores Google)."""
    gtts.tts._translate_url = (lambda tld="com", path="": url) if url else _original_translate_url


def reachable(settings: GoogleSettings = GoogleSettings(), timeout: float = 2.0) -> bool:
    """Return True when Google's voice (or the configured endpoint) answers at all."""
    url = os.environ.get(ENDPOINT_VARIABLE) or f"https://translate.google.{settings.tld}/"
    try:
        requests.head(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return False
    return True
