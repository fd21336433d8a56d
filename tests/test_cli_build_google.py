"""`audio-edition build --engine gtts`: the real gTTS library against a local Google stand-in."""

from __future__ import annotations

import pytest
from media import ffprobe, summary_of

from audio import manifest
from audio.engines.google import RetryPolicy, backoff_delay


def build(cli, article, tmp_path, *extra):
    return cli("build", article, "-o", tmp_path / "e.mp3", "--cache-dir", tmp_path / "c", *extra)


def test_gtts_edition_has_the_chapters_and_every_request_fits_100_chars(cli, seed, tmp_path, google):
    result = build(cli, seed, tmp_path, "--engine", "gtts")
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stdout)
    assert summary["voice"] == "gtts (de, translate.google.de)"
    assert int(summary["synthesised"]) == len(google.log.texts) > 30
    assert all(len(text) <= 100 for text in google.log.texts)
    assert "Twitter greift Microsoft wegen angeblichen Missbrauchs von Twitter-Daten an." in google.log.texts
    assert 1 < google.log.max_concurrent <= 8
    chapters = ffprobe(tmp_path / "e.mp3")["chapters"]
    assert [c["tags"]["title"] for c in chapters][2] == "Elon Musk kämpft gegen OpenAI und Microsoft"
    assert 120 < float(chapters[-1]["end_time"]) < 360


def test_pieces_of_a_long_sentence_rejoin_to_the_sentence(cli, seed, tmp_path, google):
    assert build(cli, seed, tmp_path, "--engine", "gtts").exit_code == 0
    chunks = [c.spoken for s in manifest.load(tmp_path / "e.json").sections for c in s.chunks]
    assert set(chunks) == set(google.log.texts)
    joined = " ".join(chunks)
    assert ("Musk hat wiederholt betont, dass er trotz des Kaufpreises von vierundvierzig Milliarden Dollar für die App kein "
            "besonderes Augenmerk auf die finanzielle Seite legt und diese Entscheidungen auch nicht beeinflussen "
            "lassen wird.") in joined


def test_auto_picks_google_when_it_answers_and_keeps_it_for_rebuilds(cli, articles, tmp_path, google, monkeypatch):
    article = articles / "questions-and-leftovers.txt"
    first = build(cli, article, tmp_path)
    assert first.exit_code == 0, first.output
    assert first.stderr == "Note: Using gtts: Google Translate's German voice, online\n"
    assert manifest.load(tmp_path / "e.json").engine == "gtts"
    second = build(cli, article, tmp_path)
    assert summary_of(second.stdout)["voice"].startswith("gtts")
    monkeypatch.setenv("AUDIO_EDITION_GOOGLE_URL", "http://127.0.0.1:9/batchexecute")
    offline = build(cli, article, tmp_path)
    assert offline.exit_code == 1
    assert offline.stderr == (
        "Error: this edition was made with the voice gtts, which cannot be reached now; "
        "rebuild it with another voice, e.g. --engine espeak\n"
    )


def test_429_then_success_is_retried(cli, articles, tmp_path, google):
    google.behaviour.fail_first = 2
    google.behaviour.fail_status = 429
    result = build(cli, articles / "no-headings.txt", tmp_path, "--engine", "gtts", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert google.log.statuses[:3] == [429, 429, 200]
    assert summary_of(result.stdout)["retries"] == "2"


def test_permanent_failure_names_the_section_and_keeps_what_was_made(cli, articles, tmp_path, google):
    article = articles / "questions-and-leftovers.txt"
    google.behaviour.fail_after = 4
    google.behaviour.fail_status = 503
    result = build(cli, article, tmp_path, "--engine", "gtts", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: section “Was bedeutet das für Verbraucher?” could not be synthesised: "
                                    "Google's voice failed 5 times (HTTP 503). The 4 chunks made so far are cached")
    assert not (tmp_path / "e.mp3").exists()
    google.behaviour.fail_after = None
    resumed = build(cli, article, tmp_path, "--engine", "gtts")
    assert resumed.exit_code == 0, resumed.output
    summary = summary_of(resumed.stdout)
    assert int(summary["reused"]) == 4
    assert int(summary["synthesised"]) == len(set(google.log.texts)) - 4


def test_a_failed_rebuild_leaves_the_previous_edition(cli, articles, tmp_path, google):
    article = articles / "questions-and-leftovers.txt"
    assert build(cli, article, tmp_path, "--engine", "gtts").exit_code == 0
    before = (tmp_path / "e.mp3").read_bytes()
    edited = tmp_path / "edited.txt"
    edited.write_text(article.read_text(encoding="utf-8").replace("Das ist unklar.", "Das weiß niemand."),
                      encoding="utf-8")
    google.behaviour.fail_always = True
    result = cli("build", edited, "-o", tmp_path / "e.mp3", "--cache-dir", tmp_path / "c", "--engine", "gtts")
    assert result.exit_code == 1
    assert (tmp_path / "e.mp3").read_bytes() == before


@pytest.mark.parametrize("attempt, retry_after, low, high", [
    (1, None, 0.8, 1.2), (2, None, 1.6, 2.4), (4, None, 6.4, 9.6), (10, None, 30, 30), (3, 7.0, 7, 7),
])
def test_backoff_doubles_up_to_a_cap_and_honours_retry_after(attempt, retry_after, low, high):
    delay = backoff_delay(attempt, RetryPolicy(backoff=1.0, max_backoff=30.0), retry_after)
    assert low <= delay <= high


def test_throttled_requests_are_retried_under_concurrency_within_the_limit(cli, articles, tmp_path, google):
    google.behaviour.fail_fraction = 0.3
    google.behaviour.fail_status = 429
    google.behaviour.retry_after = None  # so the engine's own exponential backoff decides
    google.behaviour.delay = 0.02
    result = build(cli, articles / "questions-and-leftovers.txt", tmp_path, "--engine", "gtts", "--jobs", "3")
    assert result.exit_code == 0, result.output
    throttled = google.log.statuses.count(429)
    assert throttled > 0
    assert summary_of(result.stdout)["retries"] == str(throttled)
    assert google.log.max_concurrent <= 3
    # a request after a 429 waited at least most of the first backoff step (1 s, ±20 %)
    first = google.log.statuses.index(429)
    assert google.log.times[-1] - google.log.times[first] >= 0.8
