"""Intro and outro audio, and a spoken intro line: chapters shift, the first chapter still starts at 0."""

from __future__ import annotations

import subprocess

from media import decoded_pcm, ffprobe, loudness_rms

from audio.edition import manifest


def tone(path, seconds):
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", str(path)],
                   check=True)
    return path


def test_intro_and_outro_shift_the_chapters(cli, articles, tmp_path):
    article = articles / "questions-and-leftovers.txt"
    common = ("--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert cli("build", article, "-o", tmp_path / "plain.mp3", *common).exit_code == 0
    result = cli("build", article, "-o", tmp_path / "framed.mp3", *common, "--intro", tone(tmp_path / "in.wav", 3),
                 "--outro", tone(tmp_path / "out.wav", 2))
    assert result.exit_code == 0, result.output
    plain, framed = ffprobe(tmp_path / "plain.mp3"), ffprobe(tmp_path / "framed.mp3")
    starts = [[float(c["start_time"]) for c in info["chapters"]] for info in (plain, framed)]
    assert starts[1][0] == 0
    for before, after in zip(starts[0][1:], starts[1][1:]):
        assert abs(after - before - 3.0) < 0.06
    length = [float(info["format"]["duration"]) for info in (plain, framed)]
    assert abs(length[1] - length[0] - 5.0) < 0.12
    assert abs(float(framed["chapters"][-1]["end_time"]) - length[1]) < 0.05
    record = manifest.load(tmp_path / "framed.json")
    speech_start = record.sections[0].chunks[0].start
    assert 3.0 <= speech_start < 3.1
    pcm = decoded_pcm(tmp_path / "framed.mp3")
    assert loudness_rms(pcm, 0.5, 2.5) > 1000  # the jingle plays first
    assert loudness_rms(pcm, length[1] - 1.5, length[1] - 0.5) > 1000  # and last
    assert loudness_rms(pcm, speech_start, speech_start + 0.5) > 300  # speech follows at once


def test_front_matter_intro_and_spoken_intro_line(cli, tmp_path):
    tone(tmp_path / "jingle.wav", 1)
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: Wahl in Hessen\npublication: Lokalblatt\nintro: jingle.wav\n"
                       "intro_line: 'Sie hören: {title}. Eine Audio-Ausgabe von {publication}.'\n---\n\n"
                       "Die Wahl ist entschieden.\n", encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "a.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    record = manifest.load(tmp_path / "a.json")
    assert [c.text for c in record.sections[0].chunks] == [
        "Sie hören: Wahl in Hessen.", "Eine Audio-Ausgabe von Lokalblatt.", "Die Wahl ist entschieden."]
    assert record.sections[0].chunks[0].start >= 1.0


def test_missing_intro_and_bad_intro_line_are_one_line_errors(cli, tmp_path):
    article = tmp_path / "a.md"
    article.write_text("---\nintro: fehlt.wav\n---\n\n# T\n\nText.\n", encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "a.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == f"Error: intro {tmp_path / 'fehlt.wav'}: no such audio file\n"
    bad = cli("build", article, "-o", tmp_path / "a.mp3", "--intro-line", "Hallo {name}", "--intro",
              tone(tmp_path / "t.wav", 1))
    assert bad.exit_code == 1
    assert "may only name {title}, {author} and {publication}" in bad.stderr


def test_an_m4b_edition_plays_its_intro_first(cli, articles, tmp_path):
    result = cli("build", articles / "no-headings.txt", "-o", tmp_path / "e.m4b", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--intro", tone(tmp_path / "in.wav", 2))
    assert result.exit_code == 0, result.output
    assert 2.0 <= manifest.load(tmp_path / "e.json").sections[0].chunks[0].start < 2.2
    assert loudness_rms(decoded_pcm(tmp_path / "e.m4b"), 0.5, 1.5) > 1000
