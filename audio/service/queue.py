"""The build queue (Huey): a doorbell that says "this article has work", embedded in SQLite or shared in Redis.

Huey does not acknowledge tasks: one a killed worker held is gone. That is fine here, because the
store's accepted revisions are the truth and a reconcile rings again for whatever is not built.
Also here: the lock that keeps two workers off one article (in-process, or a Redis lock that
expires unless its holder renews it), and the workers' heartbeats for /api/health.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from audio.errors import EditionError

log = logging.getLogger(__name__)

NAME = "audio_edition"  # with the folder's own name after it, so folders can share one Redis
LOCK_SECONDS = 10.0  # a Redis lock lives this long unless renewed (every third of it) by a live worker
HEARTBEAT_SECONDS = 30.0  # a worker not heard from for this long is no longer listed


class Queue:
    """Articles waiting to be built, by id; `take_and_run` waits for one without polling with a growing back-off."""

    def __init__(self, state: Path, url: str | None = None, name: str = NAME):
        import huey

        self.url, self.name = url, name
        if url:
            if not url.startswith(("redis://", "rediss://", "unix://")):
                raise EditionError(f"{url}: give the queue as redis://HOST:PORT/N")
            self.huey = huey.RedisHuey(name, url=url, blocking=True, read_timeout=1, results=False)
            self.redis = self.huey.storage.conn
        else:
            self.huey = huey.SqliteHuey(NAME, filename=str(Path(state) / "queue.sqlite3"), results=False)
            self.redis = None
        self.bell = threading.Semaphore(0)  # one ring per task enqueued in this process
        self.handler: Callable[[str], None] = lambda article_id: None
        self.task = self.huey.task(name="build_article")(self._run)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._seen: dict[str, float] = {}

    def _run(self, article_id: str) -> None:
        self.handler(article_id)

    def put(self, article_id: str) -> None:
        """Ring for an article: some worker will look at its newest revision."""
        self.huey.enqueue(self.task.s(article_id))
        self.bell.release()

    def take_and_run(self, wait: float = 1.0) -> bool:
        """Take one task and run it (the handler); return False when none came within about `wait` seconds."""
        task = self.huey.dequeue()  # Redis: a blocking pop that wakes at once when something is put
        if task is None:
            if self.redis is None:
                self.bell.acquire(timeout=wait)
            return False
        self.huey.execute(task)
        return True

    def waiting(self) -> set[str]:
        """Return the ids that have a task in the queue."""
        return {task.args[0] for task in self.huey.pending() if task.args}

    def length(self) -> int:
        return self.huey.pending_count()

    def answers(self) -> bool:
        """Return True when the queue's store answers."""
        try:
            self.huey.pending_count()
            if self.redis is not None:
                self.redis.ping()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of the store means "does not answer"
            log.info("the queue does not answer: %s", exc)  # the caller says so (health: 503)
            return False

    @contextlib.contextmanager
    def lock(self, article_id: str) -> Iterator[bool]:
        """Hold the article's lock if it is free (yield True), else yield False at once.

        In Redis the lock expires LOCK_SECONDS after its holder stops renewing it, so a worker killed
        on another machine blocks the article for at most that long.
        """
        if self.redis is None:
            with self._guard:
                lock = self._locks.setdefault(article_id, threading.Lock())
            got = lock.acquire(blocking=False)
            try:
                yield got
            finally:
                if got:
                    lock.release()
            return
        lock = self.redis.lock(f"{self.name}:lock:{article_id}", timeout=LOCK_SECONDS, thread_local=False)
        got = lock.acquire(blocking=False)
        stop = threading.Event()
        renewer = threading.Thread(target=renew, args=(lock, stop), daemon=True) if got else None
        if renewer:
            renewer.start()
        try:
            yield got
        finally:
            stop.set()
            if got:
                with contextlib.suppress(Exception):
                    lock.release()

    def locked(self, article_id: str) -> bool:
        """Return True when some worker holds the article's lock."""
        if self.redis is None:
            lock = self._locks.get(article_id)
            return lock is not None and lock.locked()
        try:
            return bool(self.redis.exists(f"{self.name}:lock:{article_id}"))
        except Exception:  # noqa: BLE001 - Redis away: nobody can be said to hold it
            return False

    def beat(self, worker: str) -> None:
        """Say that `worker` is alive."""
        if self.redis is None:
            self._seen[worker] = time.time()
        else:
            self.redis.set(f"{self.name}:worker:{worker}", str(time.time()), ex=int(HEARTBEAT_SECONDS))

    def workers(self) -> list[str]:
        """Return the workers heard from recently."""
        if self.redis is None:
            cutoff = time.time() - HEARTBEAT_SECONDS
            return sorted(name for name, seen in self._seen.items() if seen > cutoff)
        prefix = f"{self.name}:worker:"
        return sorted(key.decode()[len(prefix):] for key in self.redis.scan_iter(f"{prefix}*", count=1000))


def renew(lock: Any, stop: threading.Event) -> None:
    """Extend a Redis lock every third of its life until `stop` is set."""
    while not stop.wait(LOCK_SECONDS / 3):
        try:
            lock.reacquire()
        except Exception as exc:  # noqa: BLE001 - lost or unreachable: the build goes on, the lock lapses
            log.warning("could not renew the lock %s: %s", lock.name, exc)
            return


def worker_name() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
