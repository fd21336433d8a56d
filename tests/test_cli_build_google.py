"""`audio-edition build --engine gtts`: the real gTTS library against a local Google stand-in."""

from __future__ import annotations

import socketserver
import threading
import time

import pytest
from media import ffprobe, summary_of

from audio.edition import manifest
from audio.engines.google import RetryPolicy
from audio.errors import EditionError
from audio.http import backoff, retry_after


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
    delay = backoff(attempt, first=1.0, most=30.0, retry_after=retry_after)
    assert low <= delay <= high


@pytest.mark.parametrize("header, seconds", [
    ("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("²", None), ("1.5", None), ("-3", None), ("", None), (None, None),
    ("soon", None), ("9" * 5000, float("inf")), ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
    ("Wednesday, 21-Oct-15 07:28:00 GMT", 60.0), ("Wed Oct 21 07:28:00 2015", 60.0),
    ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),
])
def test_retry_after_is_read_as_rfc_9110_says(header, seconds):
    """Whole seconds in ASCII digits or an HTTP date (a minute after `now` here); anything else says nothing."""
    import calendar

    now = calendar.timegm((2015, 10, 21, 7, 27, 0))
    assert retry_after(header, now=now) == seconds


def test_a_retry_after_that_is_no_number_is_ignored(cli, articles, tmp_path, google):
    """`²` passes str.isdigit(); it is no number of seconds, so the engine's own backoff decides."""
    google.behaviour.fail_first = 1
    google.behaviour.fail_status = 503
    google.behaviour.retry_after = "²"
    result = build(cli, articles / "questions-and-leftovers.txt", tmp_path, "--engine", "gtts", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert summary_of(result.stdout)["retries"] == "1"


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


class Dripping(socketserver.ThreadingTCPServer):
    """An endpoint on 127.0.0.1 that answers one byte per second: in the body, or from the status line on."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, from_status_line: bool):
        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.request.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                if not from_status_line:
                    self.wfile.write(head)
                try:
                    for byte in (head if from_status_line else b"") + b")]}'\n\n" + b"x" * 99990:
                        self.wfile.write(bytes([byte]))
                        time.sleep(1)
                except OSError:
                    pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.mark.parametrize("from_status_line", [False, True])
def test_an_answer_that_trickles_in_is_cut_at_the_deadline(monkeypatch, from_status_line):
    from audio.engines.google import GoogleEngine

    with Dripping(from_status_line) as dripping:
        threading.Thread(target=dripping.serve_forever, args=(0.05,), daemon=True).start()
        monkeypatch.setenv("AUDIO_EDITION_GOOGLE_URL", f"http://127.0.0.1:{dripping.server_address[1]}/batchexecute")
        engine = GoogleEngine(retry=RetryPolicy(attempts=2, backoff=0.1, timeout=2.0))
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(catch(engine.synthesize, "Hallo.")), daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(timeout=20)
        elapsed = time.monotonic() - started
        dripping.shutdown()
    assert outcome, "still waiting for the trickling answer after 20 s"
    assert elapsed < 6  # two attempts of 2 s each, and the pause between them
    assert str(outcome[0]) == "Google's voice failed 2 times (no whole answer within 2 s)"


def catch(function, *args):
    try:
        return function(*args)
    except EditionError as exc:
        return exc


def test_a_cut_off_answer_is_asked_again_and_never_cached(cli, articles, tmp_path, google):
    google.behaviour.damaged_first = 1
    damaged = build(cli, articles / "no-headings.txt", tmp_path, "--engine", "gtts")
    assert damaged.exit_code == 0, damaged.output
    assert summary_of(damaged.stdout)["retries"] == "1"
    assert len(google.log.texts) == len(set(google.log.texts)) + 1  # the damaged one was asked for again
    clean = cli("build", articles / "no-headings.txt", "-o", tmp_path / "clean.mp3", "--engine", "gtts",
                "--cache-dir", tmp_path / "fresh")
    assert clean.exit_code == 0
    assert ffprobe(tmp_path / "e.mp3")["format"]["duration"] == ffprobe(tmp_path / "clean.mp3")["format"]["duration"]


def test_an_html_page_sent_instead_of_speech_is_named_as_such(google):
    from audio.engines.google import GoogleEngine

    google.behaviour.html_first = 2  # a consent page, status 200, on every attempt
    engine = GoogleEngine(retry=RetryPolicy(attempts=2, backoff=0.01))
    with pytest.raises(EditionError) as failure:
        engine.synthesize("Hallo.")
    assert str(failure.value) == "Google's voice failed 2 times (an answer without audio (HTML page))"
    google.behaviour.html_first = 1  # once only: the retry gets speech
    assert engine.synthesize("Guten Tag.").pcm


def test_audio_far_too_short_for_its_text_is_a_fault_not_speech(google, tmp_path):
    from audio.engines.google import GoogleEngine

    google.behaviour.canned = google.speech_mp3("Ja.")  # whole frames, but half a second for a long sentence
    engine = GoogleEngine(retry=RetryPolicy(attempts=2, backoff=0.01))
    text = "Der Stadtrat hat am Abend nach langer Debatte den Haushalt für das kommende Jahr beschlossen."
    with pytest.raises(EditionError, match=r"^Google's voice failed 2 times \(damaged audio: 0\.\d s of speech "
                                           r"for 93 characters\)$"):
        engine.synthesize(text)


def test_mp3_cut_off():
    from audio.engines.google import mp3_cut_off
    from audio.sound import ffmpeg

    whole = ffmpeg.run(["-f", "lavfi", "-i", "sine=f=440:d=2", "-ar", "24000", "-ac", "1", "-b:a", "32k",
                        "-f", "mp3", "pipe:1"])
    assert not mp3_cut_off(whole)
    assert mp3_cut_off(whole[:-50]) and mp3_cut_off(whole[:len(whole) // 2 + 7])
