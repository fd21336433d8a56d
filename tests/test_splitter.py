"""The sentence splitter: nothing read from the cache ever becomes its code or its compiled patterns."""

from __future__ import annotations

import os
import pickle
import platform
import subprocess
import sys

import pytest
from media import ffprobe

import audio
from audio.edition import cache as cache_mod
from audio.text import splitter

ARTICLE = """Ein Titel

Erster Absatz. Er hat zwei Sätze.

Zweiter Absatz mit z. B. einer Abkürzung am 3. Oktober. Dann kommt Dr. Müller.
"""


@pytest.fixture
def fresh_splitter():
    """The splitter as a new process has it: not started."""
    splitter.forget()
    yield
    splitter.forget()


def build(tmp_path, text):
    article = tmp_path / "a.txt"
    article.write_text(text, encoding="utf-8")
    return audio.build(article, engine="espeak", output=tmp_path / "e.mp3", cache_dir=tmp_path / "c", sidecars=())


def spoken(result):
    import json

    record = json.loads(result.output.with_suffix(".json").read_text(encoding="utf-8"))
    return [chunk["text"] for section in record["sections"] for chunk in section["chunks"]]


def test_an_edit_splits_as_a_fresh_build_does(tmp_path, fresh_splitter):
    build(tmp_path, ARTICLE)
    splitter.forget()  # the next run, a new process
    edited = build(tmp_path, ARTICLE.replace("Er hat zwei Sätze.", "Er hat nun drei. Wirklich? Ja."))
    assert edited.synthesised == 3
    said = spoken(edited)
    start = said.index("Erster Absatz.")
    assert said[start:start + 6] == ["Erster Absatz.", "Er hat nun drei.", "Wirklich?", "Ja.",
                                     "Zweiter Absatz mit z. B. einer Abkürzung am 3. Oktober.", "Dann kommt Dr. Müller."]
    assert not list((tmp_path / "c").rglob("*.pickle"))  # the cache keeps data (text, audio), never objects


class Segfault:
    """What a hostile cache entry held: a pickle that makes a compiled pattern of code the regex engine trusts."""

    def __reduce__(self):
        import regex._regex

        return regex._regex.compile, ("a", 0, b"", {}, {}, {}, [], 0, (), 0, 0)


class Command:
    """And one that runs a command when it is loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def old_splitter_key() -> str:
    """The key under which versions before 0.x kept the compiled splitter (a pickle) and loaded it on every edit."""
    import regex
    import somajo

    name = (f"{splitter.SPLITTER}; somajo {somajo.__version__}; regex {regex.__version__}; {sys.version}; "
            f"{platform.machine()}")
    return cache_mod.key("splitter", name)


@pytest.mark.parametrize("payload", ["segfault", "command"])
def test_no_file_in_the_cache_becomes_code_whatever_it_holds(payload, tmp_path):
    article, out, cache = tmp_path / "a.txt", tmp_path / "e.mp3", tmp_path / "c"
    article.write_text(ARTICLE, encoding="utf-8")
    command = [sys.executable, "-m", "audio", "build", str(article), "-o", str(out), "--engine", "espeak",
               "--cache-dir", str(cache), "--quiet"]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    marker = tmp_path / "ran"
    hostile = pickle.dumps(Segfault() if payload == "segfault" else Command(marker), protocol=4)
    store = cache_mod.Cache(cache)
    store.put_bytes(old_splitter_key(), ".pickle", hostile)  # where the compiled splitter was kept
    for entry in store.entries():  # and every other entry too
        entry.write_bytes(hostile)
    article.write_text(ARTICLE.replace("Er hat zwei Sätze.", "Er hat nun drei. Wirklich?"), encoding="utf-8")
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert not marker.exists()
    assert float(ffprobe(out)["format"]["duration"]) > 3


def test_a_prune_removes_the_splitter_older_versions_kept(cli, tmp_path):
    store = cache_mod.Cache(tmp_path / "c")
    store.put_bytes(old_splitter_key(), ".pickle", pickle.dumps(Segfault(), protocol=4))
    (tmp_path / "out").mkdir()
    result = cli("cache", "prune", "--keep-for", tmp_path / "out", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "c").rglob("*.pickle"))
