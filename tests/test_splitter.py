"""The sentence splitter's compiled form: kept in the cache, loaded by an edit, never trusted blindly."""

from __future__ import annotations

import os
import pickle

import pytest
from test_speech import SENTENCES

import audio
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


def compiled_entries(tmp_path):
    return list((tmp_path / "c").rglob("*.pickle"))


def refuse_to_compile(monkeypatch):
    """Make compiling SoMaJo's patterns fail, so a test sees that the stored splitter was used."""
    from somajo import tokenizer

    def compile_patterns(*args, **kwargs):
        raise AssertionError("the splitter was compiled, not loaded")

    monkeypatch.setattr(tokenizer.Tokenizer, "__init__", compile_patterns)


def test_an_edit_splits_with_the_stored_splitter_instead_of_compiling_it(tmp_path, monkeypatch, fresh_splitter):
    build(tmp_path, ARTICLE)
    assert len(compiled_entries(tmp_path)) == 1
    splitter.forget()  # the next run, a new process
    refuse_to_compile(monkeypatch)
    edited = build(tmp_path, ARTICLE.replace("Er hat zwei Sätze.", "Er hat nun drei. Wirklich? Ja."))
    assert edited.synthesised == 3
    said = spoken(edited)
    start = said.index("Erster Absatz.")
    assert said[start:start + 6] == ["Erster Absatz.", "Er hat nun drei.", "Wirklich?", "Ja.",
                                     "Zweiter Absatz mit z. B. einer Abkürzung am 3. Oktober.", "Dann kommt Dr. Müller."]


@pytest.mark.parametrize("paragraph, expected", SENTENCES)
def test_the_stored_splitter_splits_like_a_new_one(paragraph, expected, fresh_splitter):
    stored = splitter.compiled()
    splitter.forget()
    assert splitter.load_compiled(stored)
    assert splitter.split_sentences(paragraph) == expected


class Payload:
    """What a hostile cache entry might hold: a pickle that runs a command when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


# A pickle that sets SoMaJo.tokenize_text = None on the class itself, as its BUILD step allows
CLASS_CHANGE = b"csomajo.somajo\nSoMaJo\n(N}S'tokenize_text'\nNstb."


@pytest.mark.parametrize("stored", ["garbage", "hostile", "other object", "class change", "empty tokenizer"])
def test_a_damaged_or_foreign_stored_splitter_is_not_used_and_is_made_again(stored, tmp_path, fresh_splitter):
    from somajo import SoMaJo

    first = build(tmp_path, ARTICLE)
    [entry] = compiled_entries(tmp_path)
    marker = tmp_path / "ran"
    entry.write_bytes({"garbage": b"\x80\x05not a pickle",
                       "hostile": pickle.dumps(Payload(marker)),
                       "other object": pickle.dumps({"a": 1}),
                       "class change": CLASS_CHANGE,
                       "empty tokenizer": pickle.dumps(SoMaJo.__new__(SoMaJo))}[stored])
    splitter.forget()
    edited = build(tmp_path, ARTICLE.replace("Er hat zwei Sätze.", "Er hat nun drei. Wirklich?"))
    assert not marker.exists() and callable(SoMaJo.tokenize_text)
    assert edited.synthesised == 2 and "Wirklich?" in spoken(edited) and edited.duration > first.duration - 2
    splitter.forget()
    assert splitter.load_compiled(entry.read_bytes())  # made again, whole
