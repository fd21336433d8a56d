"""The speech stage: sentences and request-sized chunks, on German news text."""

from __future__ import annotations

import pytest

from audio.read.article import Article, Section
from audio.text.speech import fit, script, split_sentences

SENTENCES = [
    ("Er kam am 1. Januar 2023 nach Berlin. Dann ging er.", ["Er kam am 1. Januar 2023 nach Berlin.", "Dann ging er."]),
    ("Das ist z. B. so. Oder d. h. anders.", ["Das ist z. B. so.", "Oder d. h. anders."]),
    ("Dr. Müller und Prof. Schmidt kamen. Sie redeten.", ["Dr. Müller und Prof. Schmidt kamen.", "Sie redeten."]),
    ("Das kostet ca. 5 Mio. Euro. Zu viel?", ["Das kostet ca. 5 Mio. Euro.", "Zu viel?"]),
    ("Der 3. Oktober ist ein Feiertag! Alle feiern.", ["Der 3. Oktober ist ein Feiertag!", "Alle feiern."]),
    ("Sie sagte: „Ich gehe.“ Dann ging sie.", ["Sie sagte: „Ich gehe.“", "Dann ging sie."]),
    ("Die Nr. 5 gewann.", ["Die Nr. 5 gewann."]),
    ("Ohne Punkt am Ende", ["Ohne Punkt am Ende"]),
    ("Die Zahl stieg auf 23. Die Polizei ermittelt.", ["Die Zahl stieg auf 23.", "Die Polizei ermittelt."]),
    ("Das sagte Papst Leo XIV. Er kommt aus Chicago.", ["Das sagte Papst Leo XIV.", "Er kommt aus Chicago."]),
    ("Unter Ludwig XIV. wuchs Frankreich.", ["Unter Ludwig XIV. wuchs Frankreich."]),
    ("Hinweise unter Tel. 030 123456-78. Die Polizei ermittelt.",
     ["Hinweise unter Tel. 030 123456-78.", "Die Polizei ermittelt."]),
    ("Am 2. Mai kam die 2. Mannschaft.", ["Am 2. Mai kam die 2. Mannschaft."]),
    ("Bis zum 30.6. Danach ging er.", ["Bis zum 30.6.", "Danach ging er."]),
]


@pytest.mark.parametrize("paragraph, expected", SENTENCES)
def test_sentences(paragraph, expected):
    assert split_sentences(paragraph) == expected


LONG = ("Musk hat wiederholt betont, dass er trotz des Kaufpreises von 44 Milliarden Dollar für die App kein "
        "besonderes Augenmerk auf die finanzielle Seite legt und diese Entscheidungen auch nicht beeinflussen lassen wird.")


@pytest.mark.parametrize("limit", [40, 60, 100])
def test_fit_keeps_every_word_and_the_limit(limit):
    pieces = fit(LONG, limit)
    assert all(len(p) <= limit for p in pieces)
    assert " ".join(pieces) == LONG


def test_fit_cuts_at_the_clause_before_words():
    assert fit("Er sagte, dass er komme, und ging dann nach Hause zu seiner Familie.", 30) == [
        "Er sagte, dass er komme,", "und ging dann nach Hause zu", "seiner Familie.",
    ]


def test_fit_leaves_short_sentences_whole_and_cuts_a_huge_word():
    assert fit("Kurz.", 100) == ["Kurz."]
    assert fit("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_script_opens_with_title_and_author_then_heading_and_marks_pauses():
    article = Article(
        "Titel", (Section("Erster Teil", ("Satz eins. Satz zwei.", "Absatz zwei.")), Section("Zweiter", ("Ende.",))),
        meta={"author": "Erika Muster"},
    )
    first, second = script(article, 100)
    assert [(c.text, c.spoken, c.pause_after) for c in first.chunks] == [
        ("Titel", "Titel.", "sentence"),
        ("Von Erika Muster", "Von Erika Muster.", "sentence"),
        ("Erster Teil", "Erster Teil.", "paragraph"),
        ("Satz eins.", "Satz eins.", "sentence"),
        ("Satz zwei.", "Satz zwei.", "paragraph"),
        ("Absatz zwei.", "Absatz zwei.", "section"),
    ]
    assert [(c.text, c.pause_after) for c in second.chunks] == [("Zweiter", "paragraph"), ("Ende.", "section")]


def test_an_intro_section_named_after_the_article_does_not_repeat_the_title():
    article = Article("Titel", (Section("Titel", ("Einleitung.",)),))
    assert [c.text for c in script(article, 100)[0].chunks] == ["Titel", "Einleitung."]


def test_clause_pieces_of_one_sentence_get_short_pauses():
    article = Article("T", (Section("T", (LONG,)),))
    chunks = script(article, 60)[0].chunks[1:]
    assert [c.pause_after for c in chunks] == ["clause"] * (len(chunks) - 1) + ["section"]


def test_sentences_with_nothing_to_say_are_not_sent_to_a_voice():
    article = Article("Titel", (Section("Titel", ("Hier endet es. (AFP/red)", "🔥🔥🔥 …")),
                                Section("1. Einleitung", ("Text.",))))
    first, second = script(article, 100)
    assert [c.spoken for c in first.chunks] == ["Titel.", "Hier endet es."]
    assert [c.spoken for c in second.chunks] == ["eins: Einleitung.", "Text."]


def test_a_date_heading_keeps_its_ordinal():
    article = Article("Titel", (Section("Titel", ("Text.",)), Section("9. November 1989", ("Die Mauer fiel.",))))
    assert script(article, 100)[1].chunks[0].spoken == "neunten November neunzehnhundertneunundachtzig."
