"""The pronunciation lexicon: the user's file, whole words, and what a change re-synthesises."""

from __future__ import annotations

import shutil

import pytest
from media import summary_of

from audio import lexicon
from audio.article import read_article
from audio.errors import EditionError
from audio.speech import script


def test_whole_words_case_sensitive_longest_first():
    lex = lexicon.parse("Musk = Mask\nNew York Times = Nju Jork Taims\nNew = Nju\n~ki = Ka I\n")
    assert lex.apply("Musks Musk-Fans: Musk.") == "Musks Mask-Fans: Mask."
    assert lex.apply("Die New York Times und New Balance") == "Die Nju Jork Taims und Nju Balance"
    assert lex.apply("musk KI Ki ki") == "musk Ka I Ka I Ka I"


def test_comments_blank_lines_and_errors():
    assert lexicon.parse("# nur ein Kommentar\n\nA = B  # mit Kommentar\n").entries == {"A": "B"}
    with pytest.raises(EditionError, match=r"mine.txt, line 2: write entries as `written = spoken`"):
        lexicon.parse("A = B\nkein Gleichheitszeichen\n", "mine.txt")


def test_files_apply_weakest_first(tmp_path):
    article = tmp_path / "a.txt"
    (tmp_path / "lexicon.txt").write_text("OpenAI = Oupen Ai\nYaccarino = Jakkarino\n", encoding="utf-8")
    extra = tmp_path / "mine.txt"
    extra.write_text("Yaccarino = Jaka Rino\n", encoding="utf-8")
    merged = lexicon.for_article(article, (extra,))
    assert merged.apply("OpenAI, ChatGPT, Yaccarino") == "Oupen Ai, Tschätt Ge Pe Te, Jaka Rino"


def test_seed_spoken_text_expands_numbers_and_acronyms_and_loses_nothing(seed):
    article = read_article(seed)
    chunks = [c for s in script(article, 10**6, lexicon.for_article(seed)) for c in s.chunks]
    spoken = " ".join(c.spoken for c in chunks)
    for said in ("vierundvierzig Milliarden Dollar", "einhundert Millionen Dollar", "fünfzig Prozent",
                 "Ze En Be Ze", "Jakkarino", "Ka I-Technologie"):
        assert said in spoken
    for written in ("44", "100", "50%", "CNBC", "Yaccarino"):
        assert written not in spoken
    # every sentence of the article is spoken exactly once, in order
    written = [c.text for c in chunks if c.text]
    sentences = [s for sec in article.sections for p in sec.paragraphs for s in p.replace("?", "?|").replace(". ", ".|").replace(".“ ", ".“|").split("|") if s.strip()]
    body = [t for t in written if t not in {article.title, *(s.title for s in article.sections)}]
    assert [t.strip() for t in body] == [s.strip() for s in sentences]


def test_changing_the_lexicon_resynthesises_only_affected_chunks(cli, seed, tmp_path):
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)
    args = ("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    first = cli(*args)
    assert first.exit_code == 0
    (tmp_path / "lexicon.txt").write_text("Yaccarino = Jakkarino\n", encoding="utf-8")
    second = cli(*args)
    summary = summary_of(second.stdout)
    assert second.stdout.splitlines()[0] == "changed  Der Geldaspekt ist für Elon Musk nicht die Priorität"
    assert (summary["changed"], summary["synthesised"]) == ("1", "1")
    third = cli(*args, "--lexicon", tmp_path / "lexicon.txt")
    assert summary_of(third.stdout)["synthesised"] == "0"
