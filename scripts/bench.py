#!/usr/bin/env python3
"""Benchmark audio-edition against the simplest alternatives, in one run, on this machine.

Prints a table with PASS/FAIL against each target and writes it as JSON (default
output/bench.json). Every figure is the median of --runs runs; every build runs as its own
process (`python -m audio build ...`), as a user would run it, with a fresh cache for full builds.

    .venv/bin/python scripts/bench.py            # about 10 minutes on 2 cores
    .venv/bin/python scripts/bench.py --runs 1   # a quicker look
    .venv/bin/python scripts/bench.py --only floor,batch --runs 1   # only these rows
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "article" / "twitter-microsoft.txt"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_google import FakeGoogle  # noqa: E402

from audio.read.source import read_article  # noqa: E402
from audio.sound import ffmpeg  # noqa: E402
from audio.text.speech import script  # noqa: E402

# Edited without its full stop: in the 4× and 16× articles a "(Teil n)" stands before it.
EDITED_SENTENCE = "In einigen Fällen habe Microsoft mehr Twitter-Daten genutzt, als es sollte."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--delay", type=float, default=0.3, help="seconds the fake Google takes per request")
    parser.add_argument("--json", type=Path, default=ROOT / "output" / "bench.json")
    parser.add_argument("--only", type=lambda v: set(v.split(",")), default=set(GROUPS),
                        help=f"run only these benchmarks, comma-separated: {','.join(GROUPS)}")
    args = parser.parse_args()
    if args.only - set(GROUPS):
        parser.error(f"--only: no benchmark {', '.join(sorted(args.only - set(GROUPS)))}")

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        articles = {n: make_article(work, n) for n in (1, 4, 16)}
        if "floor" in args.only:
            bench_floor(rows, work, articles[1], args.runs)
        if "piper" in args.only:
            bench_piper(rows, work, articles[1], args.runs)
        if "google" in args.only:
            bench_google(rows, work, args.runs, args.delay)
        if "rebuild" in args.only:
            full = bench_scale(rows, work, articles, args.runs)
            bench_rebuild(rows, work, articles, full, args.runs)
            bench_normalise(rows, articles[16], full[16])
        if "watch" in args.only:
            bench_watch(rows, work, articles[1], args.runs)
        if "reading" in args.only:
            bench_reading(rows, work, args.runs)
        if "serve" in args.only:
            bench_serve(rows, work, articles[1])
        if "batch" in args.only:
            bench_batch(rows, work, args.runs)
        if "service" in args.only:
            bench_service(rows, work, args.runs)
        if "digest" in args.only:
            bench_digest(rows, work, args.runs)
        if "check" in args.only:
            bench_check(rows, work, articles[1], args.runs)
    print_table(rows)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json}")


# rebuild: full builds too
GROUPS = ("floor", "piper", "google", "rebuild", "watch", "reading", "serve", "batch", "service", "digest",
          "check")


# --- the benchmarks -----------------------------------------------------------------


def bench_floor(rows: list[dict], work: Path, article: Path, runs: int) -> None:
    """1. Full offline build of the seed vs espeak-ng speaking all of it at once plus one MP3 encode."""
    ours = median(lambda i: timed_build(article, work / f"floor{i}", "espeak")[0], runs)
    floor = median(lambda i: timed([sys.executable, __file__, "--floor", str(article), str(work / f"floor{i}.mp3")]),
                   runs)
    rows.append(row("offline build of the seed, s", ours, f"floor {floor:.2f} s"))
    rows.append(row("offline build / floor", ours / floor, "target ≤ 1.2", ours / floor <= 1.2))


def bench_piper(rows: list[dict], work: Path, article: Path, runs: int) -> None:
    """1b. Piper build of the seed vs piper-tts speaking all of it in one call plus one MP3 encode.

    Both use the tests' tiny voice, so what is measured is our overhead, not the weight of a real model.
    """
    from fake_voices import write_voice

    voice = write_voice(work / "voice" / "de_DE-bench-medium.onnx")
    ours = median(lambda i: timed_build(article, work / f"piper{i}", "piper", extra=("--voice", str(voice)))[0], runs)
    floor = median(lambda i: timed([sys.executable, __file__, "--piper-floor", str(voice), str(article),
                                    str(work / f"piper-floor{i}.mp3")]), runs)
    rows.append(row("piper build of the seed (test voice), s", ours, f"floor {floor:.2f} s"))
    rows.append(row("piper build / floor", ours / floor, "target ≤ 1.3", ours / floor <= 1.3))


def bench_google(rows: list[dict], work: Path, runs: int, delay: float) -> None:
    """2. gTTS against a fake Google with a delay per request: our build vs gTTS saving sequentially."""
    text = spoken_text(SEED)
    with FakeGoogle() as google:
        google.behaviour.canned = canned_mp3()
        google.behaviour.delay = delay
        env = {**user_env(), "AUDIO_EDITION_GOOGLE_URL": google.url}
        ours = median(lambda i: timed_build(SEED, work / f"g{i}", "gtts", env=env)[0], runs)
        limit = google.log.max_concurrent
        ours_requests = len(google.log.statuses) // runs
        google.log.statuses.clear()
        plain = median(lambda i: timed([sys.executable, __file__, "--gtts", google.url, str(work / f"plain{i}.mp3")],
                                       stdin=text), runs)
        plain_requests = len(google.log.statuses) // runs
        google.behaviour.fail_fraction, google.behaviour.fail_status = 0.2, 429
        google.behaviour.retry_after = None
        google.log.statuses.clear()
        _, out, _ = timed_build(SEED, work / "g429", "gtts", env=env)
        retried = re.search(r"(\d+) retries", out)
        throttled = google.log.statuses.count(429)
    rows.append(row("gtts build (fake Google), s", ours, f"{ours_requests} requests, ≤{limit} at once"))
    rows.append(row("plain gTTS, sequential, s", plain, f"{plain_requests} requests, 1 at once"))
    rows.append(row("speed-up over plain gTTS", plain / ours, "target ≥ 5, default --jobs", plain / ours >= 5))
    rows.append(row("gtts build with 20% HTTP 429", float(retried.group(1)) if retried else 0,
                    f"retries; server sent {throttled} × 429; build finished", bool(retried)))


def bench_scale(rows: list[dict], work: Path, articles: dict[int, Path], runs: int) -> dict[int, float]:
    """3. Full offline builds of 1×, 4× and 16× the seed: time and peak memory."""
    full = {}
    for n, article in articles.items():
        results = [timed_build(article, work / f"s{n}-{i}", "espeak", keep=f"s{n}") for i in range(runs)]
        full[n] = statistics.median(r[0] for r in results)
        rss = max(r[2] for r in results)
        minutes = audio_minutes(work / f"s{n}.mp3")
        rows.append(row(f"full build {n}×, s", full[n], f"{minutes:.0f} min of audio, peak RSS {rss:.0f} MB"))
        if n == 16:
            rows.append(row("peak RSS 16×, MB", rss, "target < 300", rss < 300))
    rows.append(row("time 16× / time 1×", full[16] / full[1], "target ≤ 17", full[16] / full[1] <= 17))
    return full


def bench_normalise(rows: list[dict], article: Path, full: float) -> None:
    """4b. German normalisation (lexicon and rules) of every sentence of the 16× article, and its share of a build."""
    from audio.text import lexicon, speech

    sentences = [s for section in read_article(article).sections for paragraph in section.paragraphs
                 for s in speech.split_sentences(paragraph)]
    say = speech.spoken_form(lexicon.for_article(article).for_voice("espeak"))
    start = time.perf_counter()
    for sentence in sentences:
        say(sentence)
    seconds = time.perf_counter() - start
    rows.append(row("normalisation, sentences/s (16×)", len(sentences) / seconds,
                    f"{len(sentences)} sentences in {seconds:.2f} s"))
    rows.append(row("normalisation / full build 16×", seconds / full, "target < 0.10", seconds / full < 0.10))


def bench_rebuild(rows: list[dict], work: Path, articles: dict[int, Path], full: dict[int, float], runs: int) -> None:
    """4. Rebuilds of 1× and 16×: nothing changed, and one sentence of one paragraph edited."""
    for n in (1, 16):
        article, out, cache = articles[n], work / f"s{n}.mp3", work / f"s{n}-cache"
        same = median(lambda i, article=article, out=out, cache=cache: timed(build_command(article, out, "espeak", cache)),
                      runs)
        original = article.read_text(encoding="utf-8")
        assert EDITED_SENTENCE[:-1] in original, "the benchmark's edit must change the article"

        def edit_and_build(i: int, article=article, out=out, cache=cache, original=original) -> float:
            changed = original.replace(EDITED_SENTENCE[:-1], f"Bei Durchlauf {i + 1} änderte sich dieser Satz", 1)
            article.write_text(changed, encoding="utf-8")
            return timed(build_command(article, out, "espeak", cache))

        edited = median(edit_and_build, runs)
        article.write_text(original, encoding="utf-8")
        ratio = edited / full[n]
        if n == 1:
            rows.append(row("no-change rebuild 1×, s", same, "target ≤ 0.25", same <= 0.25))
            rows.append(row("one-sentence edit rebuild 1×, s", edited, f"{ratio:.3f} of a full build; target ≤ 0.6",
                            edited <= 0.6))
        else:
            rows.append(row(f"no-change rebuild {n}×, s", same, ""))
            rows.append(row(f"one-sentence edit rebuild {n}×, s", edited, f"{ratio:.3f} of a full build"))
        if n == 16:
            rows.append(row("edit rebuild / full build, 16×", ratio, "target < 0.15", ratio < 0.15))


def bench_watch(rows: list[dict], work: Path, article: Path, runs: int) -> None:
    """5. `watch`: from saving a one-sentence edit to the edition written (the "Wrote" line)."""
    out, cache = work / "w.mp3", work / "w-cache"
    command = [sys.executable, "-m", "audio", "watch", str(article), "-o", str(out), "--engine", "espeak",
               "--cache-dir", str(cache), "--quiet"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=user_env())
    original = article.read_text(encoding="utf-8")
    try:
        wait_for_line(proc, "Wrote")

        def save_and_wait(i: int) -> float:
            time.sleep(1.2)  # a pause between saves, as when a person edits
            changed = original.replace(EDITED_SENTENCE[:-1], f"Beim Speichern {i + 1} änderte sich dieser Satz", 1)
            start = time.perf_counter()
            article.write_text(changed, encoding="utf-8")
            wait_for_line(proc, "Wrote")
            return time.perf_counter() - start

        seconds = median(save_and_wait, max(runs, 3))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        article.write_text(original, encoding="utf-8")
    rows.append(row("watch: save to written, one sentence, s", seconds, "target ≤ 0.8", seconds <= 0.8))


def bench_reading(rows: list[dict], work: Path, runs: int) -> None:
    """6. `sections` of a 20 MB article, as its own process: time and peak memory."""
    article = make_large_article(work, 20_000_000)
    results = [run_child([sys.executable, "-m", "audio", "sections", str(article)]) for _ in range(runs)]
    seconds = median(lambda i: results[i][0], runs)
    rss = max(r[2] for r in results)
    rows.append(row("sections of a 20 MB article, s", seconds, "target < 30", seconds < 30))
    rows.append(row("sections of a 20 MB article, peak RSS MB", rss, "target < 300", rss < 300))


def bench_serve(rows: list[dict], work: Path, article: Path, requests: int = 500, clients: int = 50,
                idle: int = 100) -> None:
    """7. `serve` (its own process, 127.0.0.1): range requests from many clients while others hold idle connections."""
    import socket
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    folder = work / "served"
    timed_build(article, folder, "espeak")
    proc = subprocess.Popen([sys.executable, "-m", "audio", "serve", "--dir", str(folder), "--host", "127.0.0.1",
                             "--port", "0"], env={**user_env(), "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            text=True)
    held: list[socket.socket] = []
    try:
        url = wait_for_line(proc, "Serving ").split(" at ")[1].split(";")[0]
        host, port = url.split("//")[1].rstrip("/").split(":")
        held = [socket.create_connection((host, int(port)), timeout=10) for _ in range(idle)]

        def fetch(_: int) -> tuple[int, float]:
            start = time.perf_counter()
            request = urllib.request.Request(url + "e.mp3", headers={"Range": "bytes=0-65535"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    return response.status, time.perf_counter() - start
            except OSError:
                return 0, time.perf_counter() - start

        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(fetch, range(requests)))
    finally:
        for connection in held:
            connection.close()
        proc.terminate()
        proc.wait(timeout=10)
    answered = sum(1 for status, _ in answers if status == 206)
    p99 = statistics.quantiles([seconds for _, seconds in answers], n=100)[98] * 1000
    note = f"{requests} range requests, {clients} clients, {idle} idle connections held"
    rows.append(row("serve: requests answered", answered, f"{note}; target all {requests}", answered == requests))
    rows.append(row("serve: p99 answer time, ms", p99, "target < 200", p99 < 200))


def wait_for_line(proc: subprocess.Popen, starts: str) -> str:
    for line in proc.stdout:
        if line.startswith(starts):
            return line
    raise SystemExit(f"watch ended before printing {starts!r}")


def user_env() -> dict:
    """Return this environment as a user's shell has it: Python may write its bytecode cache."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def bench_batch(rows: list[dict], work: Path, runs: int) -> None:
    """8. Sixteen seed-sized articles in one `build`: does it keep the machine's cores busy, and never run more builds
    at once than there are cores?

    A batch can only save each command's start over builds one after the other, since one build already keeps
    most of two cores busy; what a user wants of it is that the machine works at full power without being
    swamped. Busy = CPU time of the batch and its ffmpegs ÷ (wall time × cores).
    """
    folder = work / "batch"
    folder.mkdir()
    for k in range(1, 17):
        text = SEED.read_text(encoding="utf-8")
        (folder / f"artikel-{k}.txt").write_text(re.sub(r"([.!?])(\s)", rf" (Ausgabe {k})\1\2", text), encoding="utf-8")
    cores = os.cpu_count() or 1

    def together(i: int) -> tuple[float, float, float, int]:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
            done = subprocess.run([sys.executable, "-c", BATCH_LAUNCHER, report.name, sys.executable, "-c", BATCH_CHILD,
                                   str(folder), str(work / f"batch-{i}"), str(work / f"batch-cache-{i}")],
                                  env=user_env(), stdout=subprocess.PIPE, text=True)
            seconds, peak, code, cpu = json.load(report)
        if code or done.returncode:
            raise SystemExit("failed: the batch of 16")
        return seconds, cpu, peak, json.loads(done.stdout)["most"]

    results = [together(i) for i in range(runs)]
    seconds = statistics.median(r[0] for r in results)
    busy = statistics.median(r[1] / (r[0] * cores) for r in results)
    most, peak = max(r[3] for r in results), max(r[2] for r in results)
    rows.append(row("16 articles, one build, s", seconds, f"{cores} cores, peak RSS {peak:.0f} MB"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")  # others' work takes cores too
    rows.append(row("cores kept busy by a batch of 16", busy,
                    f"target ≥ 0.85 (CPU time ÷ (wall × cores)); load average {load:.1f} at the end", busy >= 0.85))
    rows.append(row("most builds at once in the batch", most, f"target ≤ {cores} (the cores)", most <= cores))
    rows.append(row("peak RSS one build of 16, MB", peak, "target < 400", peak < 400))


# Runs the batch through the library with `build` counted: how many run at once.
BATCH_CHILD = """
import json, sys, threading
from audio import batch
running, most, lock, build = [0], [0], threading.Lock(), batch.build
def counted(*args, **kwargs):
    with lock:
        running[0] += 1
        most[0] = max(most[0], running[0])
    try:
        return build(*args, **kwargs)
    finally:
        with lock:
            running[0] -= 1
batch.build = counted
items = batch.build_many([sys.argv[1]], output_dir=sys.argv[2], cache_dir=sys.argv[3], engine="espeak")
failed = [item.error for item in items if item.error]
print(json.dumps({"most": most[0], "built": len(items) - len(failed)}))
sys.exit(1 if failed else 0)
"""
# LAUNCHER's measurement with the CPU time (user + system) of the child and every process it waited for.
BATCH_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump([time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),
               usage.ru_utime + usage.ru_stime], report)
"""


# --- the newsroom's API (issue 22): serve --api as its own process ---------------------------------------------


def bench_service(rows: list[dict], work: Path, runs: int, idle: float = 60.0, many: int = 100) -> None:
    """8. `serve --api`: a one-sentence edit from PUT to ready against the command line's (warm, and after sitting
    idle); 100 seed-sized articles submitted at once against one `build` of the same files; status requests while
    it builds."""
    import json as json_module
    import threading
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    seed_text = SEED.read_text(encoding="utf-8")
    token = "bench-token-0123456789abcdef"

    def edited(i: int) -> str:
        return seed_text.replace(EDITED_SENTENCE[:-1], f"Bei Fassung {i + 1} änderte sich dieser Satz", 1)

    # the command line's one-sentence edit, in this run
    cli_article, cli_out, cli_cache = work / "svc-cli.txt", work / "svc-cli.mp3", work / "svc-cli-cache"
    cli_article.write_text(seed_text, encoding="utf-8")
    timed(build_command(cli_article, cli_out, "espeak", cli_cache))

    def cli_edit(i: int) -> float:
        cli_article.write_text(edited(i), encoding="utf-8")
        return timed(build_command(cli_article, cli_out, "espeak", cli_cache))

    cli_seconds = median(cli_edit, 10)

    def start(folder: Path, cache: Path) -> tuple[subprocess.Popen, str]:
        proc = subprocess.Popen([sys.executable, "-m", "audio", "serve", "--api", "-d", str(folder), "--port", "0",
                                 "--engine", "espeak", "--cache-dir", str(cache)],
                                env={**user_env(), "AUDIO_EDITION_API_TOKEN": token, "PYTHONUNBUFFERED": "1"},
                                stdout=subprocess.PIPE, text=True)
        url = wait_for_line(proc, "Serving ").split(" at ")[1].split(";")[0]
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # its build lines
        return proc, url

    def call(url: str, method: str = "GET", body: dict | None = None) -> dict:
        data = json_module.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json_module.loads(answer.read())

    def until_ready(url: str, revision: int) -> None:
        while True:
            state = call(url)
            if state["revision"] >= revision and state["status"] in ("ready", "failed"):
                assert state["status"] == "ready", state
                return
            time.sleep(0.005)

    proc, base = start(work / "svc-out", work / "svc-cache")
    try:
        article = base + "api/articles/seed"
        until_ready(article, call(article, "PUT", {"text": seed_text})["revision"])

        def api_edit(i: int) -> float:
            time.sleep(0.3)
            begin = time.perf_counter()
            until_ready(article, call(article, "PUT", {"text": edited(i)})["revision"])
            return time.perf_counter() - begin

        warm = median(api_edit, 10)
        time.sleep(idle)
        rested = api_edit(10)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    rows.append(row("service: one-sentence edit, PUT to ready, s", warm,
                    f"median of 10; the command line's {cli_seconds:.2f} s; target ≤ it", warm <= cli_seconds))
    rows.append(row(f"service: the same after {idle:.0f} s idle, s", rested, f"target ≤ {cli_seconds:.2f}",
                    rested <= cli_seconds))

    folder = work / "svc-many"
    folder.mkdir()
    texts = {f"artikel-{k}": re.sub(r"([.!?])(\s)", rf" (Ausgabe {k})\1\2", seed_text) for k in range(1, many + 1)}
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    build_seconds, _, _ = run_child([sys.executable, "-m", "audio", "build", str(folder), "--output-dir",
                                     str(work / "svc-many-out"), "--engine", "espeak", "--cache-dir",
                                     str(work / "svc-many-cache"), "--quiet"])
    proc, base = start(work / "svc-many-api", work / "svc-many-api-cache")
    try:
        begin = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda item: call(base + f"api/articles/{item[0]}", "PUT", {"text": item[1]}), texts.items()))

        def status(_: int) -> float:
            start_one = time.perf_counter()
            call(base + "api/articles/artikel-1")
            return time.perf_counter() - start_one

        with ThreadPoolExecutor(50) as pool:  # while it builds
            answers = list(pool.map(status, range(200)))
        while True:
            states = call(base + "api/articles")["articles"]
            if all(s["status"] in ("ready", "failed") for s in states) and len(states) == many:
                break
            time.sleep(0.5)
        service_seconds = time.perf_counter() - begin
        ready = sum(1 for s in states if s["status"] == "ready")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    p99 = statistics.quantiles(answers, n=100)[98] * 1000
    rows.append(row(f"service: {many} articles submitted at once, all ready", ready, f"target {many}", ready == many))
    rows.append(row(f"service: {many} articles, s", service_seconds,
                    f"one build of the same files {build_seconds:.1f} s; target ≤ 1.15 × it",
                    service_seconds <= 1.15 * build_seconds))
    rows.append(row("service: status p99 while building, ms", p99, f"{len(answers)} requests from 50 clients, all "
                    "answered; target < 100", p99 < 100))


# --- the briefing (issue 24): digest of articles already built, after an edit, and of two hours ------------------


def bench_digest(rows: list[dict], work: Path, runs: int) -> None:
    """9. A briefing of eight seed-sized articles already built, and after a one-sentence edit of one of them,
    against building the eight from scratch in one run; peak memory of a briefing of 30 (about two hours)."""
    def articles(folder: Path, count: int) -> Path:
        folder.mkdir(parents=True)
        for k in range(1, count + 1):
            text = SEED.read_text(encoding="utf-8")
            (folder / f"artikel-{k:02d}.txt").write_text(re.sub(r"([.!?])(\s)", rf" (Folge {k})\1\2", text),
                                                         encoding="utf-8")
        return folder

    def command(verb: str, folder: Path, out: Path, cache: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "audio", verb, str(folder), "--output-dir", str(out), "--engine", "espeak",
                "--cache-dir", str(cache), "--quiet", *extra]

    def one_run(i: int) -> tuple[float, float, float, float]:
        folder, out, cache = articles(work / f"digest-{i}", 8), work / f"digest-out-{i}", work / f"digest-cache-{i}"
        full = run_child(command("build", folder, out, cache))[0]
        briefing = run_child(command("digest", folder, out, cache, "--date", "2026-12-02"))[0]
        again = run_child(command("digest", folder, out, cache, "--date", "2026-12-02"))[0]
        edited = folder / "artikel-03.txt"
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text.replace(EDITED_SENTENCE[:-1], EDITED_SENTENCE[:-1].replace("einigen", "manchen"), 1),
                          encoding="utf-8")
        edit = run_child(command("digest", folder, out, cache, "--date", "2026-12-02"))[0]
        return full, briefing, again, edit

    results = [one_run(i) for i in range(runs)]
    full, briefing, again, edit = (median(lambda i, n=n: results[i][n], runs) for n in range(4))
    rows.append(row("8 articles built from scratch, one build, s", full, "the baseline of the two ratios below"))
    rows.append(row("briefing of the 8 already built, s", briefing, "a new briefing: its intro is new"))
    rows.append(row("briefing of the 8 / their build from scratch", briefing / full, "target ≤ 0.15",
                    briefing / full <= 0.15))
    rows.append(row("the same briefing again, nothing changed, s", again, ""))
    rows.append(row("briefing after a one-sentence edit, s", edit, ""))
    rows.append(row("briefing after the edit / build from scratch", edit / full, "target ≤ 0.2", edit / full <= 0.2))
    many, out, cache = articles(work / "digest-30", 30), work / "digest-30-out", work / "digest-30-cache"
    run_child(command("build", many, out, cache))
    seconds, _, peak = run_child(command("digest", many, out, cache, "--date", "2026-12-02"))
    hours = audio_minutes(out / "briefing-2026-12-02.mp3") / 60
    rows.append(row("peak RSS, MP3 briefing of 30 built articles, MB", peak,
                    f"{hours:.2f} h of audio in {seconds:.1f} s; target ≤ 300", peak <= 300))
    seconds, _, peak = run_child(command("digest", many, work / "digest-30-fresh", work / "digest-30-fresh-cache",
                                         "--date", "2026-12-02"))
    rows.append(row("peak RSS, the same briefing from scratch, MB", peak, f"synthesised and encoded in {seconds:.1f} s"))


def bench_check(rows: list[dict], work: Path, article: Path, runs: int) -> None:
    """9. `check` of the seed's espeak edition with Whisper base, start-up and model loading included: from
    nothing heard yet, and after a one-sentence edit and rebuild (the hearings cached); its word error rate."""
    model = subprocess.run([sys.executable, str(ROOT / "scripts" / "test-model")], check=True, capture_output=True,
                           text=True).stdout.strip()
    original = article.read_text(encoding="utf-8")
    cold, edited, peaks, report, cpu_cold, cpu_edited = [], [], [], {}, [], []
    for i in range(runs):
        folder, cache = work / f"check-{i}", work / f"check-{i}" / "cache"
        out = folder / "seed.mp3"
        article.write_text(original, encoding="utf-8")
        run_child(build_command(article, out, "espeak", cache))
        command = [sys.executable, "-m", "audio", "check", str(out), "--model", model, "--cache-dir", str(cache), "-q"]
        before = cpu_of_children()
        seconds, stdout, peak = run_child([*command, "--json"], capture=True)
        cpu_cold.append(cpu_of_children() - before)
        cold.append(seconds)
        peaks.append(peak)
        report = json.loads(stdout)
        article.write_text(original.replace(EDITED_SENTENCE[:-1], f"Bei Durchlauf {i + 1} änderte sich dieser Satz", 1),
                           encoding="utf-8")
        run_child(build_command(article, out, "espeak", cache))
        before = cpu_of_children()
        edited.append(run_child(command)[0])
        cpu_edited.append(cpu_of_children() - before)
    article.write_text(original, encoding="utf-8")
    duration = report["duration"]
    SPREADS[statistics.median(cold) / duration] = (min(cold) / duration, max(cold) / duration)
    SPREADS[statistics.median(edited)] = (min(edited), max(edited))
    ratio = statistics.median(cold) / duration
    rows.append(row("check of the seed / its duration", ratio,
                    f"{statistics.median(cold):.1f} s for {duration:.0f} s of audio, CPU {statistics.median(cpu_cold):.1f} s, "
                    f"peak RSS {max(peaks):.0f} MB; target ≤ 0.3", ratio <= 0.3))
    rows.append(row("check after a one-sentence edit, s", statistics.median(edited),
                    f"CPU {statistics.median(cpu_edited):.1f} s; target ≤ 5", statistics.median(edited) <= 5))
    rows.append(row("word error rate of the seed, espeak", report["wer"],
                    f"Whisper base; {len(report['words'])} words heard wrong at most of their occurrences"))
    heard = {}
    for name, line in (("plain", ""), ("respelled", "[espeak] Microsoft = Maikrosoft\n")):
        folder = work / f"check-{name}"
        folder.mkdir()
        (folder / "seed.txt").write_text(original, encoding="utf-8")
        (folder / "lexicon.txt").write_text(line, encoding="utf-8")
        run_child(build_command(folder / "seed.txt", folder / "seed.mp3", "espeak", folder / "cache"))
        _, stdout, _ = run_child([sys.executable, "-m", "audio", "check", str(folder / "seed.mp3"), "--model", model,
                                  "--cache-dir", str(folder / "cache"), "-q", "--json", "--words", "Microsoft"],
                                 capture=True)
        sentences = json.loads(stdout)["sentences"]
        said = sum(s["text"].count("Microsoft") for s in sentences)
        heard[name] = (sum(min(s["text"].count("Microsoft"), s["heard"].casefold().count("microsoft"))
                           for s in sentences), said)
    (plain, said), (respelled, _) = heard["plain"], heard["respelled"]
    rows.append(row("'Microsoft' heard, as espeak says it", plain, f"of {said}; respelled `Maikrosoft`: {respelled} "
                    f"of {said}; target: as said ≥ {said - 1}, respelled ≤ {said // 2}",
                    plain >= said - 1 and respelled <= said // 2))


def cpu_of_children() -> float:
    """Return the CPU seconds (user and system) of every finished child process and its waited-for children."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump([time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)], report)
"""


def run_child(command: list[str], env: dict | None = None, capture: bool = False) -> tuple[float, str, float]:
    """Run a command; return its seconds, its stdout (when `capture`) and its peak RSS in MB; raise if it failed.

    It runs as the child of a small launcher: a child's peak RSS counts the memory of the process
    it was forked from, which for this benchmark can be hundreds of MB.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, report.name, *command], env=env or user_env(),
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)
        try:
            seconds, peak, code = json.load(report)
        except ValueError:  # the launcher died before its report
            raise SystemExit(f"failed: {' '.join(command)}") from None
    if code or done.returncode:
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, done.stdout or "", peak


# --- helpers -----------------------------------------------------------------------


def make_article(work: Path, times: int) -> Path:
    """Return an article of `times` × the seed's sections, every sentence made unique (no cache hits)."""
    blocks = SEED.read_text(encoding="utf-8").split("\n\n")
    title, body = blocks[1], blocks[2:-1]
    out = [title]
    for k in range(1, times + 1):
        for block in body:
            heading = len(block) < 100 and not block.endswith(".")
            suffix = f" (Teil {k})" if times > 1 else ""
            out.append(block + suffix if heading else re.sub(r"([.!?])(\s|$)", rf"{suffix}\1\2", block))
    path = work / f"article-{times}x.txt"
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return path


def make_large_article(work: Path, size: int) -> Path:
    """Return a Markdown article of about `size` bytes: news paragraphs, a heading every twenty."""
    paragraph = ("Der Stadtrat hat am 3. März 2025 nach langer Debatte den Haushalt für das kommende Jahr "
                 "beschlossen. Die Kosten steigen um 12,5 Prozent auf 3,4 Mio. Euro, sagte Bürgermeisterin "
                 "Dr. Anna Berg (SPD). Kritiker sprechen von einem „Fehler“; die Grünen stimmten zu.")
    blocks, written, i = ["# Haushalt der Stadt"], 0, 0
    while written < size:
        block = f"## Abschnitt {i // 20 + 1}" if i % 20 == 0 else f"{paragraph} Punkt {i}."
        blocks.append(block)
        written, i = written + len(block.encode()) + 2, i + 1
    path = work / "large.md"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def build_command(article: Path, out: Path, engine: str, cache: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "audio", "build", str(article), "-o", str(out), "--engine", engine,
            "--cache-dir", str(cache), "--quiet", *extra]


def timed_build(article: Path, folder: Path, engine: str, env: dict | None = None,
                keep: str | None = None, extra: tuple[str, ...] = ()) -> tuple[float, str, float]:
    """Return (seconds, stdout, peak RSS in MB) of a full build with a fresh cache."""
    out = folder.parent / f"{keep}.mp3" if keep else folder / "e.mp3"
    cache = folder.parent / f"{keep}-cache" if keep else folder / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    manifest = out.with_suffix(".json")
    manifest.unlink(missing_ok=True)
    try:
        return run_child(build_command(article, out, engine, cache, extra), env=env, capture=True)
    except SystemExit:
        raise SystemExit(f"build failed: {article}") from None


def timed(command: list[str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, env=user_env())
    return time.perf_counter() - start


SPREADS: dict[float, tuple[float, float]] = {}  # median → (fastest, slowest) of its runs, for the table


def median(run, runs: int) -> float:
    """Return the median of `runs` calls of run(i), remembering the spread of the runs."""
    values = [run(i) for i in range(runs)]
    middle = statistics.median(values)
    SPREADS[middle] = (min(values), max(values))
    return middle


def spoken_text(article: Path) -> str:
    """Return everything an edition of `article` says, as one text."""
    return "\n".join(c.spoken for s in script(read_article(article), 600) for c in s.chunks)


def canned_mp3() -> bytes:
    """Return three seconds of MP3 tone (enough for 100 characters), what the fake Google answers in the gTTS comparison."""
    return ffmpeg.run(["-f", "lavfi", "-i", "sine=frequency=300:duration=3:sample_rate=24000", "-ac", "1",
                       "-b:a", "32k", "-f", "mp3", "pipe:1"])


def audio_minutes(path: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(path).info.length / 60


def row(name: str, value: float, note: str, passed: bool | None = None) -> dict:
    low, high = SPREADS.get(value, (value, value))
    spread = f"runs {low:.2f}–{high:.2f}; " if high > low else ""
    return {"figure": name, "value": round(value, 3), "note": spread + note, "low": round(low, 3),
            "high": round(high, 3), "result": None if passed is None else ("PASS" if passed else "FAIL")}


def print_table(rows: list[dict]) -> None:
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>9}  result  note")
    for r in rows:
        print(f"{r['figure']:<{width}}  {r['value']:>9.3f}  {r['result'] or '':<6}  {r['note']}")


# --- the alternatives, each run as its own process --------------------------------------


def floor(article: Path, out: Path) -> None:
    """espeak-ng speaks the article's whole text in one call, ffmpeg encodes it once."""
    from audio.engines.espeak import EspeakEngine

    speech = EspeakEngine().synthesize(spoken_text(article))
    ffmpeg.run(["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0", "-ar", "44100",
                "-c:a", "libmp3lame", "-b:a", "64k", "-y", str(out)], speech.pcm)


def piper_floor(voice: Path, article: Path, out: Path) -> None:
    """piper-tts loads the voice and speaks the article's whole text in one call, ffmpeg encodes it once."""
    from piper import PiperVoice

    loaded = PiperVoice.load(voice)
    pcm = b"".join(chunk.audio_int16_bytes for chunk in loaded.synthesize(spoken_text(article)))
    ffmpeg.run(["-f", "s16le", "-ar", str(loaded.config.sample_rate), "-ac", "1", "-i", "pipe:0", "-ar", "44100",
                "-c:a", "libmp3lame", "-b:a", "64k", "-y", str(out)], pcm)


def plain_gtts(url: str, out: Path) -> None:
    """What gtts-cli does: one gTTS object for the whole text, its requests one after another."""
    import gtts.tts
    from gtts import gTTS

    gtts.tts._translate_url = lambda tld="com", path="": url
    gTTS(sys.stdin.read(), lang="de", tld="de").save(str(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--floor"]:
        floor(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["--piper-floor"]:
        piper_floor(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif sys.argv[1:2] == ["--gtts"]:
        plain_gtts(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
