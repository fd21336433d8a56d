"""`audio-edition worker`: more workers on a queue in a real redis-server, sharing the folder with `serve --api`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from service_server import TOKEN, Service, free_port


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of its own on a free port (Debian's package, installed by scripts/setup --test)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run scripts/setup --test"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.terminate()
    process.wait(10)


class Worker:
    def __init__(self, folder, queue):
        self.lines: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "audio", "worker", "-d", str(folder), "--queue", queue],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def builds(self) -> list[tuple[float, float, str, str]]:
        """Return (start, end, id, revision) of each build this worker finished."""
        started, done = {}, []
        for line in self.lines:
            words = line.split()
            if not words or not words[0][0].isdigit():
                continue  # the line the worker starts with
            if len(words) >= 6 and words[2] == "building":
                started[(words[3], words[5])] = float(words[0])
            elif len(words) >= 6 and words[3] == "revision" and words[5] == "ready":
                done.append((started.pop((words[2], words[4])), float(words[0]), words[2], words[4]))
        return done

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def test_two_workers_share_the_work_and_never_build_one_edition_at_once(tmp_path, redis_url, seed):
    redis_url, redis_server = redis_url
    with Service(tmp_path / "out", tmp_path / "cache", "--workers", "0", "--queue", redis_url,
                 "--reconcile-every", "1") as service:
        workers = [Worker(service.folder, redis_url) for _ in range(2)]
        try:
            for number in range(6):
                assert service.put(f"r{number}", {"text": f"Meldung {number}. Die Lage ist ruhig."})[0] == 202
            for number in range(1, 4):  # updates of one article while it may be building
                assert service.put("same", {"text": f"Fassung {number}. Es gibt Neues."})[0] == 202
            for number in range(6):
                assert service.wait(f"r{number}", 1)["status"] == "ready"
            assert service.wait("same", 3)["status"] == "ready"
            health = service.call("GET", "api/health", token=None)[2]
            assert len(health["workers"]) == 2 and health["store"] is True

            builds = [b for w in workers for b in w.builds()]
            assert all(w.builds() for w in workers), [w.lines for w in workers]  # each took work
            for first in builds:  # one edition is never built by two workers at once
                for second in builds:
                    if first is not second and first[2] == second[2]:
                        assert first[1] <= second[0] or second[1] <= first[0], (first, second)

            # kill -9 a worker in the middle of a build: the other builds it once the lock lapses
            assert service.put("lang", {"text": seed.read_text(encoding="utf-8")})[0] == 202
            deadline = time.monotonic() + 30
            while not any(" building lang " in line for w in workers for line in w.lines):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            busy = next(w for w in workers if any(" building lang " in line for line in w.lines))
            busy.process.send_signal(signal.SIGKILL)
            busy.process.wait(10)
            assert service.wait("lang", 1, timeout=60)["status"] == "ready"

            redis_server.terminate()  # the queue's store is gone: health says so, and nothing is accepted
            redis_server.wait(10)
            code, _, health = service.call("GET", "api/health", token=None)
            assert code == 503 and health["store"] is False
            code, headers, answer = service.put("spaet", {"text": "Zu spät."})
            assert code == 503 and "Retry-After" in headers and "queue" in answer["error"]
            assert service.status("lang")["status"] == "ready"  # what is on disk is still told
        finally:
            for worker in workers:
                worker.stop()


def test_a_worker_needs_a_redis_queue_and_a_service(tmp_path, cli):
    result = cli("worker", "-d", tmp_path, "--queue", "sqlite:///x")
    assert result.exit_code == 1 and "redis://" in result.stderr
    result = cli("worker", "-d", tmp_path, "--queue", "redis://127.0.0.1:1/0")
    assert result.exit_code == 1 and "serve --api" in result.stderr
    assert TOKEN  # the same token as the service tests
