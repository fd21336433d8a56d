"""Loudness: every edition at the podcast target, measured by ffmpeg's EBU R128 meter."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from media import ebur128, ffprobe

from audio.edition import manifest


def test_seed_edition_is_at_minus_16_lufs_with_peaks_below_minus_1(seed_edition_path):
    integrated, peak = ebur128(seed_edition_path)
    assert abs(integrated - -16) <= 1
    assert peak <= -1


def test_sections_made_in_different_runs_match(cli, seed, tmp_path):
    article = tmp_path / "a.txt"
    shutil.copy(seed, article)
    out = tmp_path / "e.mp3"
    args = ("build", article, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert cli(*args).exit_code == 0
    article.write_text(article.read_text(encoding="utf-8").replace(
        "Außerdem habe Microsoft die Twitter-Daten ohne Erlaubnis an Regierungsbehörden weitergegeben.",
        "AUSSERDEM habe Microsoft die Daten weitergegeben!!! Das ist ein Skandal, sagen Kritiker laut."),
        encoding="utf-8")
    assert cli(*args).exit_code == 0
    levels = [ebur128(out, c["start_time"], float(c["end_time"]) - float(c["start_time"]))[0]
              for c in ffprobe(out)["chapters"]]
    assert max(levels) - min(levels) <= 1.0, levels


@pytest.mark.parametrize("target", ["-20", "-14"])
def test_loudness_option_sets_the_target(cli, articles, tmp_path, target):
    out = tmp_path / "e.mp3"
    result = cli("build", articles / "questions-and-leftovers.txt", "-o", out, "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--loudness", target)
    assert result.exit_code == 0
    integrated, peak = ebur128(out)
    assert abs(integrated - float(target)) <= 1
    assert peak <= -1
    assert manifest.load(tmp_path / "e.json").duration > 10


def speech_tone(seconds: float = 3.0):
    """A voice-like tone with pauses, as 22.05 kHz PCM: what a section hands to the encoder."""
    from audio.sound import ffmpeg
    from audio.sound.clip import Speech

    pcm = ffmpeg.run(["-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}:sample_rate=22050",
                      "-af", "volume='0.3+0.2*sin(8*t)':eval=frame", "-f", "s16le", "-ac", "1", "pipe:1"])
    return Speech(pcm, 22050)


def test_an_encode_measured_while_it_is_written_is_the_encode_and_its_measure(tmp_path):
    from audio.sound import ffmpeg, loudness, render

    speech = speech_tone()
    args = render.mp3_args(speech.sample_rate, 64, loudness.filters(6.0, -3.0))
    encoded, report = ffmpeg.run_teed(args, speech.pcm, loudness.meter_args("pipe:0"), what="encoding")
    assert encoded == ffmpeg.run(args, speech.pcm)
    assert abs(render.count_mp3_frames(encoded) * 1152 / 44100 - 3.0) < 0.1
    (tmp_path / "e.mp3").write_bytes(encoded)
    assert loudness.read_meter(report) == loudness.measure_encoded(tmp_path / "e.mp3")
    assert -30 < loudness.read_meter(report)[0] < -5


@pytest.mark.parametrize("broken", ["encoder", "meter"])
def test_an_encoder_or_meter_that_fails_is_one_error_and_leaves_no_ffmpeg(broken):
    from audio.errors import EditionError
    from audio.sound import ffmpeg, loudness, render

    speech = speech_tone(30.0)
    args = render.mp3_args(speech.sample_rate, 64, "no_such_filter" if broken == "encoder" else "")
    meter = loudness.meter_args("pipe:0")
    if broken == "meter":
        meter = ["-i", "pipe:0", "-af", "no_such_filter", "-f", "null", "-"]
    with pytest.raises(EditionError, match="^encoding failed: ") as failed:  # with ffmpeg's last words
        ffmpeg.run_teed(args, speech.pcm, meter, what="encoding")
    assert "\n" not in str(failed.value)
    assert not children()


def children() -> list[str]:
    """Return the process ids of this process's children (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[-1].split()
        except OSError:
            continue
        if fields[1] == str(os.getpid()):
            found.append(stat.parent.name)
    return found


EDITED = ("Außerdem habe Microsoft die Twitter-Daten ohne Erlaubnis an Regierungsbehörden weitergegeben.",
          "Außerdem habe Microsoft die Daten, so Twitter, ohne jede Erlaubnis an Behörden weitergegeben.")


def edit_and_rebuild(cli, seed, tmp_path, tamper=None):
    """Build the seed, edit one sentence, rebuild; return the manifests before and after, and the edition."""
    import json

    article, out = tmp_path / "a.txt", tmp_path / "e.mp3"
    shutil.copy(seed, article)
    args = ("build", article, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert cli(*args).exit_code == 0
    before = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    if tamper:
        tamper(before)
        out.with_suffix(".json").write_text(json.dumps(before), encoding="utf-8")
    article.write_text(article.read_text(encoding="utf-8").replace(*EDITED), encoding="utf-8")
    rebuilt = cli(*args)
    assert rebuilt.exit_code == 0 and "1 of 4 sections changed" in rebuilt.stdout
    return before, json.loads(out.with_suffix(".json").read_text(encoding="utf-8")), out


def chapter_levels(out):
    return [ebur128(out, c["start_time"], float(c["end_time"]) - float(c["start_time"])) for c in ffprobe(out)["chapters"]]


def test_a_section_encoded_again_takes_its_recorded_level_without_a_search(cli, seed, tmp_path, monkeypatch):
    """An edited section starts from its previous level; the same speech (its encode lost) must hit with it."""
    import json

    from audio.sound import loudness

    out, cache = tmp_path / "e.mp3", tmp_path / "c"
    args = ("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", cache)
    assert cli(*args).exit_code == 0
    before = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    levels = [s["level"] for s in before["sections"]]
    assert all(3 < gain < 20 and -8 < limit < -1 for gain, limit in levels), levels
    for section in before["sections"]:
        for entry in cache.glob(f"{section['key'][:2]}/{section['key']}.*"):
            entry.unlink()

    def no_search(*args):
        raise AssertionError("the gain was searched again")

    monkeypatch.setattr(loudness, "gain_for", no_search)
    assert cli(*args).exit_code == 0
    after = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [s["level"] for s in after["sections"]] == levels
    for integrated, peak in chapter_levels(out):
        assert abs(integrated - -16) <= 1 and peak <= -1


def test_a_previous_gain_that_misses_the_target_is_searched_again(cli, seed, tmp_path):
    def far_too_loud(record):
        for section in record["sections"]:
            section["level"][0] += 12

    before, after, out = edit_and_rebuild(cli, seed, tmp_path, tamper=far_too_loud)
    changed = [i for i, (b, a) in enumerate(zip(before["sections"], after["sections"])) if b["key"] != a["key"]]
    assert len(changed) == 1
    assert after["sections"][changed[0]]["level"][0] < before["sections"][changed[0]]["level"][0] - 6
    integrated, peak = chapter_levels(out)[changed[0]]
    assert abs(integrated - -16) <= 1 and peak <= -1


def test_a_level_found_for_another_loudness_target_is_not_tried_first(cli, seed, tmp_path, monkeypatch):
    from audio.sound import loudness

    out, cache = tmp_path / "e.mp3", tmp_path / "c"
    assert cli("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", cache).exit_code == 0
    hints = []
    encode_at = loudness.encode_at

    def recording(*args, hint=None, **kwargs):
        hints.append(hint)
        return encode_at(*args, hint=hint, **kwargs)

    monkeypatch.setattr(loudness, "encode_at", recording)
    assert cli("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", cache, "--loudness", "-20").exit_code == 0
    assert len(hints) == 4 and hints == [None] * 4  # each section searched once, none encoded first at -16's level
    for integrated, peak in chapter_levels(out):
        assert abs(integrated - -20) <= 1 and peak <= -1


@pytest.mark.parametrize("level", [[float("nan"), -3.0], [6.0, 3.0], [6.0, 1e308], ["6", "-3"]])
def test_a_recorded_level_no_build_could_have_found_is_not_tried(level, cli, seed, tmp_path):
    def impossible(record):
        for section in record["sections"]:
            section["level"] = level

    before, after, out = edit_and_rebuild(cli, seed, tmp_path, tamper=impossible)
    for integrated, peak in chapter_levels(out):
        assert abs(integrated - -16) <= 1 and peak <= -1
