"""Webhooks as the Standard Webhooks specification says, from an outbox on disk that a restart does not lose.

A finished build (or a delete) adds a message to the outbox; one deliverer (the `serve --api` process)
posts each to the operator's URL, signed with `webhook-id`, `webhook-timestamp` and `webhook-signature`
by the `standardwebhooks` package. A failed delivery is tried again with a growing, jittered wait,
carrying the same `webhook-id` (freshly signed with the time of the attempt), for at most `give_up_after`
seconds; delivering never holds up a build.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from audio import http
from audio.atomic import write_atomically
from audio.service.store import now, read

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds for one delivery, whole
FIRST_RETRY = 1.0  # seconds before the first retry, doubled (with jitter) up to LONGEST_WAIT
LONGEST_WAIT = 300.0
GIVE_UP_AFTER = 24 * 3600.0  # a message not delivered within a day is dropped, with a warning


class Outbox:
    """Messages waiting for delivery: one JSON file each in the state folder's `outbox/`."""

    def __init__(self, state: Path):
        self.root = Path(state) / "outbox"
        self.root.mkdir(parents=True, exist_ok=True)
        self.bell = threading.Event()

    def add(self, kind: str, data: dict[str, Any]) -> str:
        """Keep a message for delivery; return its webhook-id."""
        message_id = f"msg_{time.time_ns():020d}{uuid.uuid4().hex[:8]}"  # sorts in the order of adding
        body = {"type": kind, "timestamp": now(), "data": data}
        write_atomically(self.root / f"{message_id}.json",
                         json.dumps({"id": message_id, "body": body, "attempts": 0, "due": time.time(),
                                     "added": time.time()}).encode(), sync=True)
        self.bell.set()
        return message_id

    def due(self) -> list[tuple[Path, dict[str, Any]]]:
        """Return the messages whose time to be sent has come, oldest first; one of an article waiting for
        a retry holds back the later ones of the same article, so a CMS hears of each article in order."""
        found, waiting = [], set()
        for name in sorted(os.listdir(self.root)):
            if name.startswith("msg_") and name.endswith(".json"):
                message = read(self.root / name)
                if message is None:
                    continue
                article = str(((message.get("body") or {}).get("data") or {}).get("id"))
                if message.get("due", 0) > time.time() or article in waiting:
                    waiting.add(article)
                else:
                    found.append((self.root / name, message))
        return found

    def next_due(self) -> float | None:
        times = [m.get("due", 0) for name in os.listdir(self.root) if name.endswith(".json")
                 for m in [read(self.root / name)] if m]
        return min(times) if times else None


class Deliverer:
    """Posts the outbox's messages to `url`, signed with `secret`; without a URL, empties the outbox."""

    def __init__(self, outbox: Outbox, url: str | None, secret: str | None,
                 first_retry: float = FIRST_RETRY, give_up_after: float = GIVE_UP_AFTER):
        from standardwebhooks import Webhook

        from audio.errors import EditionError

        self.outbox, self.url = outbox, url
        try:
            if secret:
                base64.b64decode(secret.removeprefix("whsec_"), validate=True)
            self.signer = Webhook(secret) if url and secret else None
        except Exception:  # noqa: BLE001 - binascii.Error, and whatever the library raises for a malformed secret
            raise EditionError("the webhook secret must be base64 (whsec_… as Standard Webhooks gives it)") from None
        self.first_retry, self.give_up_after = first_retry, give_up_after
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.run, name="webhooks", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.outbox.bell.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                held: set[str] = set()
                for path, message in self.outbox.due():
                    if self.stopping.is_set():
                        return
                    article = str(((message.get("body") or {}).get("data") or {}).get("id"))
                    if article not in held and not self.attempt(path, message):
                        held.add(article)  # failed now: its later messages wait for it
                upcoming = self.outbox.next_due()
            except OSError as exc:
                log.warning("the webhook outbox cannot be read: %s", exc)
                upcoming = None
            wait = 5.0 if upcoming is None else max(0.0, min(5.0, upcoming - time.time()))
            self.outbox.bell.wait(wait)
            self.outbox.bell.clear()

    def attempt(self, path: Path, message: dict[str, Any]) -> bool:
        """Deliver one message; return False when it must be tried again later."""
        if self.url is None or self.signer is None:
            path.unlink(missing_ok=True)  # no webhook configured: nobody to tell
            return True
        problem = self.post(self.url, self.signer, message["id"], message["body"])
        if problem is None:
            path.unlink(missing_ok=True)
            return True
        attempts = int(message.get("attempts", 0)) + 1
        if time.time() - float(message.get("added", 0)) > self.give_up_after:
            log.warning("webhook %s not delivered after %d attempts (%s); given up", message["id"], attempts, problem)
            path.unlink(missing_ok=True)
            return True
        wait = http.backoff(attempts, self.first_retry, LONGEST_WAIT)
        log.info("webhook %s: %s; trying again in %.1f s", message["id"], problem, wait)
        write_atomically(path, json.dumps({**message, "attempts": attempts, "due": time.time() + wait}).encode())
        return False

    @staticmethod
    def post(url: str, signer: Any, message_id: str, body: dict[str, Any]) -> str | None:
        """Send one message; return None when the receiver took it (2xx), else what went wrong."""
        import requests

        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        moment = datetime.datetime.now(datetime.timezone.utc)
        headers = {"webhook-id": message_id, "webhook-timestamp": str(int(moment.timestamp())),
                   "webhook-signature": signer.sign(message_id, moment, payload),
                   "content-type": "application/json", "user-agent": "audio-edition webhooks"}
        with http.deadline_session(TIMEOUT) as (session, _):
            try:
                answer = session.post(url, data=payload.encode("utf-8"), headers=headers, timeout=TIMEOUT,
                                      allow_redirects=False)
            except requests.RequestException as exc:
                return f"{type(exc).__name__}"
            answer.close()
        return None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
