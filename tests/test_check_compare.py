"""Comparing what was heard with what was written: the same German normalisation on both sides, word by word."""

from __future__ import annotations

import pytest

from audio.check.compare import compare
from audio.check.report import SentenceResult, findings


@pytest.mark.parametrize("written, heard", [
    ("Der Kaufpreis lag bei 44 Milliarden Dollar.", "Der Kaufpreis lag bei vierundvierzig Milliarden Dollar"),
    ("Das Interview gab er CNBC.", "das interview gab er CNBC"),
    ("Die KI-Technologie kam am 3. Mai.", "Die Ka-I-Technologie kam am dritten Mai!"),
    ("Er sagte: „Ich will.“", "Er sagte, ich will."),
    ("Die Twitter-Daten gehören Twitter.", "Die Twitterdaten gehören Twitter."),
    ("Die Straße ist nass.", "Die Strasse ist nass."),
    ("Es kostet 5 €.", "Es kostet fünf Euro."),
])
def test_what_is_said_the_same_way_is_no_error(written, heard):
    result = compare(written, heard)
    assert result.errors == 0 and not any(result.wrong), result


@pytest.mark.parametrize("written, heard, wrong, errors", [
    ("Elon Musk betont seine Haltung.", "Elon Musk betont meine Haltung.", [("seine", "meine")], 1),
    ("Er fährt nach Hamburg.", "Er fährt nach.", [("Hamburg", "")], 1),
    ("Er fährt nach Hamburg.", "Er fährt heute nach Hamburg.", [], 1),  # a word heard that was not said
    ("Das Interview gab er CNBC.", "Das Interview gab er CNB.", [("CNBC", "")], 1),
])
def test_words_heard_wrong_are_named_as_written_with_what_was_heard(written, heard, wrong, errors):
    result = compare(written, heard)
    found = [(w.written, h) for w, bad, h in zip(result.words, result.wrong, result.heard_as) if bad]
    assert found == wrong and result.errors == errors


def sentence(start, written, heard):
    return SentenceResult(start, start + 2, written, heard, compare(written, heard))


def test_a_word_heard_wrong_at_more_than_half_of_at_least_two_occurrences_is_systematic():
    results = [sentence(0, "Seine Katze schläft.", "Meine Katze schläft."),
               sentence(3, "Er liebt seine Katze.", "Er liebt meine Katze."),
               sentence(6, "Seine Katze frisst.", "Seine Katze frisst."),
               sentence(9, "Der Hund bellt.", "Der Mund bellt.")]  # once: noise
    found = findings(results)
    assert [(f.word, f.occurrences, f.misheard, f.times, f.heard) for f in found] == \
        [("Seine", 3, 2, (0, 3), ("meine", "meine"))]
    assert findings(results[2:]) == []
    assert findings(results, only={"katze"}) == []


@pytest.mark.parametrize("word, respelling, first", [
    ("Musk", None, "Mask"),
    ("Microsoft", None, "Maikrosoft"),  # every rule that applies, then each alone
    ("Yaccarino", None, "Jakkarino"),
    ("seine", None, "ßeine"),
    ("Hamburg", "Kartoffelsalat", "Hamburg"),  # respelled by a lexicon line: first, as written
])
def test_respellings_to_try_come_most_likely_first(word, respelling, first):
    from audio.check.suggest import CANDIDATES, candidates_for

    tried = candidates_for(word, respelling)
    assert tried[0] == first and len(tried) <= CANDIDATES and word not in tried[1:] and respelling not in tried
    assert candidates_for("es", None) == []


def test_a_sentence_longer_than_whisper_hears_at_once_is_heard_in_the_pieces_the_voice_said():
    from audio.check.run import parts
    from audio.check.sentences import Sentence

    long = Sentence("…", "…", ("a", "b", "c"), 0.0, 40.0, ((0.0, 12.0), (12.3, 25.0), (25.3, 40.0)))
    assert parts(long) == [(0.0, 25.0), (25.3, 40.0)]
    assert parts(Sentence("Kurz.", "Kurz.", ("a",), 3.0, 5.0, ((3.0, 5.0),))) == [(3.0, 5.0)]
