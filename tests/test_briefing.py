"""The briefing's pure parts: where chapters lie, the spoken lines' placeholders, days and their order."""

from __future__ import annotations

import datetime

import pytest

from audio.briefing.options import BriefingOptions, check, episode_title, fill, german_day
from audio.briefing.pick import Candidate, moment, newest_first
from audio.briefing.timeline import Block, Piece, flat_title, lay_out
from audio.edition.plan import SectionPlan
from audio.errors import EditionError
from audio.text.speech import Chunk, SectionScript


def plan(title: str, *sentences: str) -> SectionPlan:
    chunks = tuple(Chunk(s, s) for s in sentences)
    made = SectionPlan(SectionScript(title, chunks), [f"{title}-{n}" for n in range(len(chunks))], f"k-{title}",
                       f"b-{title}")
    made.cues = [(0.1 + n, 0.9 + n) for n in range(len(chunks))]
    return made


def briefing() -> tuple[list[Block], list[Piece]]:
    intro, a1, a2, b1 = plan("Nachrichten", "Die Themen."), plan("A", "A.", "Eins."), plan("Mehr", "Zwei."), \
        plan("B", "B.")
    blocks = [Block("Nachrichten", [intro]), Block("A", [a1, a2], "a.md"), Block("B", [b1], "b.md")]
    pieces = [Piece(1.5), Piece(3.0, intro), Piece(0.4), Piece(5.0, a1), Piece(2.0, a2), Piece(0.4), Piece(4.0, b1),
              Piece(1.0)]  # intro audio, intro, gap, article A's two sections, gap, article B, outro audio
    return blocks, pieces


def test_a_chapter_per_article_from_its_first_section_to_the_next():
    blocks, pieces = briefing()
    layout = lay_out(blocks, pieces, "articles")
    assert [(c.title, c.start, c.end) for c in layout.chapters] == [
        ("Nachrichten", 0.0, 4.9), ("A", 4.9, 12.3), ("B", 12.3, 17.3)]
    assert layout.groups == []
    assert [round(c.start, 3) for c in layout.sections[1].chunks] == [5.0, 6.0, 10.0]  # section start + cue
    assert layout.sections[0].key == "k-Nachrichten" and layout.sections[1].key not in ("k-A", "k-Mehr")


def test_sections_are_chapters_grouped_under_their_article():
    blocks, pieces = briefing()
    layout = lay_out(blocks, pieces, "sections")
    assert [(c.title, c.start, c.end) for c in layout.chapters] == [
        ("Nachrichten", 0.0, 4.9), ("A", 4.9, 9.9), ("A – Mehr", 9.9, 12.3), ("B", 12.3, 17.3)]
    assert [(g.title, g.first, g.count) for g in layout.groups] == [("A", 1, 2), ("B", 3, 1)]
    assert [s.key for s in layout.sections] == ["k-Nachrichten", "k-A", "k-Mehr", "k-B"]


def test_flat_titles():
    assert flat_title("Freibad", "Freibad") == "Freibad"
    assert flat_title("Freibad", "Die Preise") == "Freibad – Die Preise"


@pytest.mark.parametrize(("template", "expected"), [
    ("{title} vom {date}.", "Morgen vom Mittwoch, dem 2. Dezember 2026."),
    ("Themen: {topics}", "Themen: A. (B)."),
    ("Ohne Platzhalter.", "Ohne Platzhalter."),
])
def test_spoken_lines_fill_their_placeholders(template, expected):
    values = {"title": "Morgen", "date": "Mittwoch, dem 2. Dezember 2026", "topics": "A. {B}.", "author": "",
              "publication": ""}
    assert fill(template, values, "intro_line") == expected


@pytest.mark.parametrize("template", ["{name}", "{title:>99}", "Hallo {", "{title.__class__}"])
def test_other_placeholders_are_refused(template):
    with pytest.raises(EditionError, match="may only name"):
        check(BriefingOptions(intro_line=template))


def test_days_are_german_and_episodes_carry_theirs():
    assert german_day(datetime.date(2026, 12, 2)) == "Mittwoch, 2. Dezember 2026"
    assert german_day(datetime.date(2027, 3, 1)) == "Montag, 1. März 2027"
    assert episode_title(BriefingOptions(title="Morgen", date="2026-12-02")) == "Morgen – Mittwoch, 2. Dezember 2026"


@pytest.mark.parametrize(("options", "message"), [
    (BriefingOptions(date="2.12.2026"), "date='2.12.2026': give a day as YYYY-MM-DD"),
    (BriefingOptions(gap=31), "gap='31'"),
    (BriefingOptions(chapters="kapitel"), "chapters='kapitel'"),
    (BriefingOptions(newest=0), "newest='0'"),
    (BriefingOptions(title="  "), "title is empty"),
])
def test_bad_options_are_refused_before_anything_is_read(options, message):
    with pytest.raises(EditionError, match=message):
        check(options)


def test_newest_first_with_days_unknown_last():
    utc = datetime.timezone.utc
    items = [Candidate("alt", "alt", moment("2026-11-30")), Candidate("ohne", "ohne"),
             Candidate("neu", "neu", moment("2026-12-02T06:00:00+01:00")),
             Candidate("mittag", "mittag", datetime.datetime(2026, 12, 2, 12, tzinfo=utc))]
    assert [c.label for c in sorted(items, key=newest_first)] == ["mittag", "neu", "alt", "ohne"]
    assert moment("") is None and moment("gestern") is None
    assert moment("2026-12-02Z") == datetime.datetime(2026, 12, 2, tzinfo=utc)
