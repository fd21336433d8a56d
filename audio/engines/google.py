"""Google's voice through the gTTS library, with a timeout, retries and backoff that gTTS lacks."""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from audio.errors import EditionError
from audio.events import Events
from audio.http import backoff, retry_after
from audio.sound import ffmpeg
from audio.sound.clip import Speech
from audio.sound.render import mp3_frame_length

if TYPE_CHECKING:  # gTTS and requests load only when Google's voice is used
    import requests
    from gtts import gTTS, gTTSError

log = logging.getLogger(__name__)

SUMMARY = "Google Translate's German voice, online"
OFFLINE = False
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
    timeout: float = 15.0  # for the whole of each request, however slowly the answer trickles in


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
        speech = self._fetch(text)
        if self.settings.speed == 1.0:
            return speech
        tempo = ffmpeg.run(["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
                            "-af", f"atempo={self.settings.speed:g}", "-f", "s16le", "pipe:1"], speech.pcm,
                           what="changing the tempo of Google's audio")
        return Speech(tempo, SAMPLE_RATE)

    def report(self) -> str | None:
        return f"{self.retries} retries" if self.retries else None

    def _fetch(self, text: str) -> Speech:
        import requests
        from gtts import gTTS, gTTSError

        from audio.http import deadline_session

        s = self.settings
        for attempt in range(1, self.retry.attempts + 1):
            tts = gTTS(text, lang=s.lang, tld=s.tld, slow=s.slow, lang_check=False,
                       pre_processor_funcs=[], timeout=self.retry.timeout)
            with deadline_session(self.retry.timeout) as (session, expired):
                try:
                    data = b"".join(stream(tts, session))
                    if data:
                        return checked_speech(data, text, s.slow)
                    problem, retry_after = "an empty answer", None  # type: str | None, float | None
                except NoAudio as exc:  # a consent or error page sent with 200: asking again may get speech
                    problem, retry_after = f"an answer without audio ({exc})", None
                except DamagedAudio as exc:  # never cached: asking again usually gives whole audio
                    problem, retry_after = f"damaged audio: {exc}", None
                except gTTSError as exc:
                    problem, retry_after = describe_failure(exc)
                    if problem is None and not expired.is_set():
                        raise EditionError(f"Google's voice refused the text: {exc}") from None
                except requests.RequestException as exc:  # a connection dropped while reading the answer
                    problem, retry_after = f"a broken connection ({type(exc).__name__})", None
                if expired.is_set():
                    problem, retry_after = f"no whole answer within {self.retry.timeout:g} s", None
            if attempt == self.retry.attempts:
                raise EditionError(f"Google's voice failed {attempt} times ({problem})")
            delay = backoff(attempt, self.retry.backoff, self.retry.max_backoff, retry_after)
            log.info("Google's voice gave %s; retrying in %.1f s", problem, delay)
            with self._count_lock:
                self.retries += 1
            time.sleep(delay)
        raise AssertionError("unreachable")


def stream(tts: gTTS, session: requests.Session) -> Iterator[bytes]:
    """Yield the MP3 parts of gTTS's answer, its requests sent through `session` (gTTS.stream() makes its own)."""
    import urllib.request

    import requests
    from gtts import gTTSError

    for request in tts._prepare_requests():  # noqa: SLF001 - gTTS builds Google's request; we only send it
        try:
            response = session.send(request, proxies=urllib.request.getproxies(), timeout=tts.timeout)
            response.raise_for_status()
        except requests.exceptions.HTTPError:
            raise gTTSError(tts=tts, response=response) from None
        except requests.RequestException:
            raise gTTSError(tts=tts) from None
        start, spoken = b"", False
        for line in response.iter_lines(chunk_size=1024):
            start = start or line.strip()[:200]
            if b"jQ1olc" in line:
                audio = re.search(rb'jQ1olc","\[\\"(.*)\\"]', line)
                if not audio:
                    raise gTTSError(tts=tts, response=response)
                spoken = True
                yield base64.b64decode(audio.group(1))
        if start and not spoken:
            raise NoAudio(kind_of_answer(response.headers.get("Content-Type", ""), start))


class NoAudio(Exception):
    """An answer with content but no speech in it (a consent page, a captcha, an error in JSON)."""


def kind_of_answer(content_type: str, start: bytes) -> str:
    """Return what an answer without audio was, in a user's words: 'HTML page', 'text/plain', ..."""
    if b"<html" in start.lower() or start.lower().startswith(b"<!doctype") or "html" in content_type.lower():
        return "HTML page"
    return content_type.split(";")[0].strip() or "no content type"


class DamagedAudio(Exception):
    """Audio that arrived whole as an answer but is not whole audio (cut short, undecodable)."""


CHARS_PER_SECOND = {False: 40.0, True: 25.0}  # far faster than Google speaks (about 14, slow about 9)


def checked_speech(mp3: bytes, text: str, slow: bool) -> Speech:
    """Return Google's MP3 decoded; raise DamagedAudio when it is cut off, undecodable or far too short for `text`."""
    if mp3_cut_off(mp3):
        raise DamagedAudio("the MP3 ends in the middle of a frame")
    try:
        pcm = ffmpeg.decode_to_pcm(mp3, SAMPLE_RATE, what="decoding Google's audio", strict=True)
    except EditionError as exc:
        raise DamagedAudio(str(exc)) from None
    seconds, least = len(pcm) / 2 / SAMPLE_RATE, len(text) / CHARS_PER_SECOND[slow]
    if seconds < least:
        raise DamagedAudio(f"{seconds:.1f} s of speech for {len(text)} characters")
    return Speech(pcm, SAMPLE_RATE)


def mp3_cut_off(data: bytes) -> bool:
    """Return True when an MP3's last frame is longer than the bytes left: the file was cut short.

    Walks the Layer III frame headers after any ID3v2 tag; stops (saying nothing) at bytes that are
    not a frame header, which ffmpeg's own checks then judge.
    """
    position = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        position = 10 + int.from_bytes(bytes(b & 0x7F for b in data[6:10]), "big")
    while position + 4 <= len(data):
        length = mp3_frame_length(int.from_bytes(data[position:position + 4], "big"))
        if length is None:
            return False
        position += length
    return position > len(data)


def describe_failure(exc: gTTSError) -> tuple[str | None, float | None]:
    """Return what went wrong if a retry may help (with any Retry-After seconds), else (None, None)."""
    response = getattr(exc, "rsp", None)
    if response is None:
        return "no connection or a timeout", None
    if response.status_code in RETRY_STATUSES:
        return f"HTTP {response.status_code}", retry_after(response.headers.get("Retry-After"))
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

    from audio.http import deadline_session

    url = os.environ.get(ENDPOINT_VARIABLE) or f"https://translate.google.{settings.tld}/"
    with deadline_session(timeout) as (session, expired):
        try:
            session.head(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException:
            return False
    return not expired.is_set()
