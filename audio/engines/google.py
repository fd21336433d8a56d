"""Google's voice through the gTTS library, with a timeout, retries and backoff that gTTS lacks."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field

from audio import ffmpeg
from audio.engines.base import Speech
from audio.errors import EditionError
from audio.events import Events

log = logging.getLogger(__name__)

SUMMARY = "Google Translate's German voice, online"
ENDPOINT_VARIABLE = "AUDIO_EDITION_GOOGLE_URL"  # another endpoint that answers like Google's, e.g. a proxy
SAMPLE_RATE = 24000  # what Google's MP3s carry
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Settings:
    tld: str = field(default="de", metadata={"help": "Google domain to use (de, com, at, ch …)."})
    slow: bool = field(default=False, metadata={"help": "Google's slower reading speed."})
    jobs: int = field(default=8, metadata={"help": "Requests to Google at once.", "short": "-j", "range": (1, 16)})


@dataclass(frozen=True)
class GoogleSettings:
    lang: str = "de"
    tld: str = "de"
    slow: bool = False
    speed: float = 1.0  # a tempo change of the decoded audio that keeps the pitch


def available(settings: Settings) -> str | None:
    """Return None when Google's voice (or the configured endpoint) answers, else why it cannot speak."""
    return None if reachable(GoogleSettings(tld=settings.tld)) else "cannot be reached"


def load(settings: Settings, speed: float = 1.0, events: Events | None = None) -> GoogleEngine:
    """Return Google's voice with `settings`, its audio played `speed` times as fast."""
    return GoogleEngine(GoogleSettings(tld=settings.tld, slow=settings.slow, speed=speed), jobs=settings.jobs)


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

    def __init__(self, settings: GoogleSettings = GoogleSettings(), retry: RetryPolicy = RetryPolicy(),
                 jobs: int = 8):
        self.settings = settings
        self.retry = retry
        self.concurrency = jobs
        self.retries = 0  # retries made so far, for the build's report
        self._count_lock = threading.Lock()
        use_endpoint(os.environ.get(ENDPOINT_VARIABLE))

    def cache_key(self) -> str:
        s = self.settings
        speed = f" speed={s.speed:g}" if s.speed != 1.0 else ""  # keys made before speed existed stay valid
        return f"gtts lang={s.lang} tld={s.tld} slow={s.slow}{speed}"

    def describe(self) -> str:
        return f"gtts ({self.settings.lang}, translate.google.{self.settings.tld})"

    def synthesize(self, text: str) -> Speech:
        mp3 = self._fetch(text)
        tempo = ["-af", f"atempo={self.settings.speed:g}"] if self.settings.speed != 1.0 else []
        return Speech(ffmpeg.decode_to_pcm(mp3, SAMPLE_RATE, what="decoding Google's audio", filters=tempo),
                      SAMPLE_RATE)

    def report(self) -> str | None:
        return f"{self.retries} retries" if self.retries else None

    def _fetch(self, text: str) -> bytes:
        import requests
        from gtts import gTTS, gTTSError

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


def describe_failure(exc) -> tuple[str | None, float | None]:
    """Return what went wrong if a retry may help (with any Retry-After seconds), else (None, None)."""
    response = getattr(exc, "rsp", None)
    if response is None:
        return "no connection or a timeout", None
    if response.status_code in RETRY_STATUSES:
        retry_after = response.headers.get("Retry-After", "")
        return f"HTTP {response.status_code}", float(retry_after) if retry_after.isdigit() else None
    return None, None


_original_translate_url = None


def use_endpoint(url: str | None) -> None:
    """Send gTTS's requests to `url` instead of Google (None restores Google)."""
    global _original_translate_url
    import gtts.tts

    if _original_translate_url is None:
        _original_translate_url = gtts.tts._translate_url
    gtts.tts._translate_url = (lambda tld="com", path="": url) if url else _original_translate_url


def reachable(settings: GoogleSettings = GoogleSettings(), timeout: float = 2.0) -> bool:
    """Return True when Google's voice (or the configured endpoint) answers at all."""
    import requests

    url = os.environ.get(ENDPOINT_VARIABLE) or f"https://translate.google.{settings.tld}/"
    try:
        requests.head(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return False
    return True
