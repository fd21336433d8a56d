"""`audio-edition watch`: a rebuild after each save, errors shown without stopping."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def lines_of(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def next_line(lines: queue.Queue, starts: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line.startswith(starts):
            return line
    raise AssertionError(f"no line starting {starts!r} within {timeout} s")


@contextlib.contextmanager
def watching(article: Path, output: Path, cache: Path) -> Iterator[tuple[subprocess.Popen, queue.Queue]]:
    """Run `audio-edition watch` on `article` with the offline voice; yield the process and its output lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "audio", "watch", str(article), "-o", str(output), "--engine", "espeak",
         "--cache-dir", str(cache)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lines_of, args=(proc.stdout, lines), daemon=True).start()
    try:
        yield proc, lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_watch_rebuilds_on_save_and_survives_a_bad_save(tmp_path, articles):
    article = tmp_path / "notiz.txt"
    original = (articles / "questions-and-leftovers.txt").read_text(encoding="utf-8")
    article.write_text(original, encoding="utf-8")
    with watching(article, tmp_path / "e.mp3", tmp_path / "c") as (proc, lines):
        assert "3 chapters" in next_line(lines, "Wrote")
        article.write_text(original.replace("Das ist unklar.", "Das weiß niemand."), encoding="utf-8")
        assert next_line(lines, "changed") == "changed  Wie lange bleibt es so?"
        assert ", 1 chunks synthesised," in next_line(lines, "Wrote")
        article.write_text("", encoding="utf-8")
        assert next_line(lines, "Error") == "Error: notiz.txt: the file is empty"
        article.write_text(original, encoding="utf-8")
        assert ", 0 chunks synthesised," in next_line(lines, "Wrote")
        assert proc.poll() is None


def test_watch_goes_on_after_a_file_system_error(tmp_path, articles):
    """A file where the output folder should be is a one-line error; once it is gone, the next save builds."""
    article = tmp_path / "notiz.txt"
    original = (articles / "no-headings.txt").read_text(encoding="utf-8")
    article.write_text(original, encoding="utf-8")
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    with watching(article, blocker / "e.mp3", tmp_path / "c") as (proc, lines):
        error = next_line(lines, "Error")
        assert str(blocker) in error and "Traceback" not in error
        blocker.unlink()
        article.write_text(original + "\nEin neuer Satz.\n", encoding="utf-8")
        assert "1 chapters" in next_line(lines, "Wrote")
        assert proc.poll() is None


def test_watch_goes_on_after_a_save_with_a_charset_that_is_no_text_encoding(tmp_path, pages):
    article = tmp_path / "seite.html"
    original = (pages / "regional-freibad.html").read_text(encoding="utf-8")
    article.write_text(original, encoding="utf-8")
    with watching(article, tmp_path / "e.mp3", tmp_path / "c") as (proc, lines):
        next_line(lines, "Wrote", timeout=40)
        for charset in ("undefined", "punycode"):
            article.write_text(original.replace('<meta charset="utf-8">', f'<meta charset="{charset}">'),
                               encoding="utf-8")
            assert ", 0 chunks synthesised," in next_line(lines, "Wrote", timeout=40)
            assert proc.poll() is None
