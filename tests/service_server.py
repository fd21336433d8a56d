"""A real `audio-edition serve --api` process on 127.0.0.1 for the tests, and a client that speaks HTTP to it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

TOKEN = "test-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """`serve --api` on `folder` (espeak, the given cache) as its own process; `restart` keeps the port and folder."""

    def __init__(self, folder: Path, cache: Path, *extra: str, port: int | None = None):
        self.folder, self.cache, self.extra = folder, cache, extra
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: list[str] = []
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "audio", "serve", "--api", "-d", str(self.folder), "--port", str(self.port),
                "--engine", "espeak", "--cache-dir", str(self.cache), *self.extra]

    def start(self) -> Service:
        env = {**os.environ, "AUDIO_EDITION_API_TOKEN": TOKEN}
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env=env)
        started = threading.Event()

        def read(process: subprocess.Popen) -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                self.lines.append(line.rstrip("\n"))
                if line.startswith("Serving "):
                    started.set()
            started.set()

        threading.Thread(target=read, args=(self.process,), daemon=True).start()
        assert started.wait(30), "the server did not start"
        assert self.process.poll() is None, "\n".join(self.lines)
        return self

    def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, *extra: str) -> Service:
        self.kill()
        if extra:
            self.extra = extra
        return self.start()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def call(self, method: str, path: str, body: bytes | str | dict | None = None, token: str | None = TOKEN,
             content_type: str | None = None, headers: dict | None = None) -> tuple[int, dict, object]:
        """Make one request; return the status, the headers and the JSON answer (or the raw bytes)."""
        data = body
        if isinstance(body, dict):
            data, content_type = json.dumps(body).encode(), content_type or "application/json"
        elif isinstance(body, str):
            data = body.encode()
        request = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method)  # type: ignore[arg-type]
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, answer_headers, raw = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, error.headers, error.read()
        try:
            return status, answer_headers, json.loads(raw) if raw else None
        except ValueError:
            return status, answer_headers, raw

    def put(self, article_id: str, body, **kwargs):
        return self.call("PUT", f"api/articles/{article_id}", body, **kwargs)

    def status(self, article_id: str) -> dict:
        code, _, answer = self.call("GET", f"api/articles/{article_id}")
        assert code == 200, (code, answer)
        return answer  # type: ignore[return-value]

    def wait(self, article_id: str, revision: int, timeout: float = 60) -> dict:
        """Return the article's status once `revision` is ready or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status(article_id)
            if state["revision"] >= revision and state["status"] in ("ready", "failed"):
                return state
            time.sleep(0.05)
        raise AssertionError(f"{article_id} revision {revision} not done within {timeout} s: {state}\n"
                             + "\n".join(self.lines[-20:]))


def article(title: str, *sentences: str) -> str:
    """Return a small Markdown article: a title and one section per sentence."""
    parts = [f"# {title}", ""]
    for number, sentence in enumerate(sentences, 1):
        parts += [f"## Teil {number}", "", sentence, ""]
    return "\n".join(parts)
