"""A local stand-in for Google Translate's speech endpoint, on 127.0.0.1.

It answers gTTS's batchexecute POST the way Google does, with real MP3 speech of the requested
text (made with espeak-ng and ffmpeg), and can be told to fail, throttle or slow down.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from local_server import LocalServer

from audio.engines.espeak import EspeakEngine
from audio.sound import ffmpeg

CONSENT_PAGE = (b"<!DOCTYPE html>\n<html lang=\"de\"><head><title>Bevor Sie zu Google weitergehen</title></head>\n"
                b"<body><form action=\"https://consent.google.com/save\"></form></body></html>\n")


@dataclass
class Behaviour:
    """What the server does with the next requests."""

    fail_first: int = 0  # answer this many requests with `fail_status` before succeeding
    fail_status: int = 429
    fail_always: bool = False
    fail_after: int | None = None  # succeed this many times, then fail every request
    delay: float = 0.0  # seconds before each answer
    retry_after: str | None = "0"
    fail_fraction: float = 0.0  # answer this share of requests, at random, with `fail_status`
    canned: bytes | None = None  # answer every text with this MP3 instead of speaking it
    damaged_first: int = 0  # answer this many requests with the MP3 cut off in the middle of a frame
    html_first: int = 0  # answer this many requests with 200 and an HTML page (a consent page or captcha)


@dataclass
class Log:
    texts: list[str] = field(default_factory=list)  # texts answered with audio, in order
    statuses: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    max_concurrent: int = 0


class FakeGoogle(LocalServer):
    def __init__(self):
        self.behaviour = Behaviour()
        self.log = Log()
        self._lock = threading.Lock()
        self._active = 0
        self._audio: dict[str, bytes] = {}
        self._random = random.Random(7)
        self._voice = EspeakEngine()
        super().__init__(self._handler())
        self.url = self.origin + "/_/TranslateWebserverUi/data/batchexecute"

    def speech_mp3(self, text: str) -> bytes:
        if self.behaviour.canned is not None:
            return self.behaviour.canned
        with self._lock:
            if text not in self._audio:
                speech = self._voice.synthesize(text)
                self._audio[text] = ffmpeg.run(
                    ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0",
                     "-ar", "24000", "-b:a", "32k", "-f", "mp3", "pipe:1"], speech.pcm)
            return self._audio[text]

    def _decide(self) -> int:
        with self._lock:
            b = self.behaviour
            if b.fail_always or (b.fail_after is not None and len(self.log.texts) >= b.fail_after):
                status = b.fail_status
            elif b.fail_first > 0:
                b.fail_first -= 1
                status = b.fail_status
            elif b.fail_fraction and self._random.random() < b.fail_fraction:
                status = b.fail_status
            else:
                status = 200
            self.log.statuses.append(status)
            self.log.times.append(time.monotonic())
            return status

    def _answer(self, body: str) -> tuple[int, dict, bytes]:
        """Return the status, headers and body that Google would send for one request."""
        status = self._decide()
        if status != 200:
            retry = self.behaviour.retry_after
            return status, ({"Retry-After": retry} if retry is not None else {}), b""
        with self._lock:
            if self.behaviour.html_first > 0:
                self.behaviour.html_first -= 1
                return 200, {"Content-Type": "text/html; charset=UTF-8"}, CONSENT_PAGE
        request = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
        text, lang = json.loads(request[0][0][1])[:2]
        assert lang == "de", lang
        mp3 = self.speech_mp3(text)
        with self._lock:
            if self.behaviour.damaged_first > 0:
                self.behaviour.damaged_first -= 1
                mp3 = mp3[:len(mp3) // 2 + 7]
        audio = base64.b64encode(mp3).decode()
        with self._lock:
            self.log.texts.append(text)
        rpc = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None, "generic"]],
                         separators=(",", ":"))
        return 200, {"Content-Type": "application/json; charset=utf-8"}, f")]}}'\n\n{len(rpc)}\n{rpc}\n".encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self.send_response(200)
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with fake._lock:
                    fake._active += 1
                    fake.log.max_concurrent = max(fake.log.max_concurrent, fake._active)
                try:
                    time.sleep(fake.behaviour.delay)
                    status, headers, payload = fake._answer(body)
                finally:
                    with fake._lock:  # before replying, so the client's next request cannot overlap
                        fake._active -= 1
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
