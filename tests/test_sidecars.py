"""Chapters JSON, WebVTT and SRT next to the audio: derived from the manifest, checked against it."""

from __future__ import annotations

import json
import re
import subprocess

from media import ffprobe

from audio.edition import manifest

CUE = re.compile(r"(\d+)\n(\d\d):(\d\d):(\d\d)[.,](\d{3}) --> (\d\d):(\d\d):(\d\d)[.,](\d{3})\n(.+)", re.DOTALL)


def parse_cues(text: str, header: str | None) -> list[tuple[float, float, str]]:
    blocks = text.strip().split("\n\n")
    if header:
        assert blocks.pop(0) == header
    cues = []
    for number, block in enumerate(blocks, 1):
        match = CUE.fullmatch(block)
        assert match, block
        assert int(match.group(1)) == number
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups()[1:9])
        cues.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, match.group(10)))
    return cues


def test_chapters_json_matches_the_audio_chapters(seed_edition_path):
    data = json.loads(seed_edition_path.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    probed = ffprobe(seed_edition_path)["chapters"]
    assert [c["title"] for c in data["chapters"]] == [c["tags"]["title"] for c in probed]
    for ours, theirs in zip(data["chapters"], probed):
        assert abs(ours["startTime"] - float(theirs["start_time"])) < 0.002


def test_vtt_has_one_cue_per_sentence_at_its_real_time(seed_edition_path):
    record = manifest.load(manifest.path_for(seed_edition_path))
    cues = parse_cues(seed_edition_path.with_suffix(".vtt").read_text(encoding="utf-8"), "WEBVTT")
    sentences = [c for s in record.sections for c in s.chunks if c.text]
    assert len(cues) == len(sentences)
    for (start, end, text), chunk in zip(cues, sentences):
        assert abs(start - chunk.start) < 0.002
        assert text.replace("\n", " ") == chunk.text
        assert all(len(line) <= 65 for line in text.split("\n"))
        assert end > start
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:]))
    assert cues[-1][1] <= record.duration


def test_srt_says_the_same(seed_edition_path):
    vtt = parse_cues(seed_edition_path.with_suffix(".vtt").read_text(encoding="utf-8"), "WEBVTT")
    srt = parse_cues(seed_edition_path.with_suffix(".srt").read_text(encoding="utf-8"), None)
    assert srt == vtt


def test_sidecars_can_be_chosen_or_turned_off(cli, articles, tmp_path):
    article = articles / "no-headings.txt"
    result = cli("build", article, "-o", tmp_path / "a.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c",
                 "--sidecars", "vtt")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("a.*")) == ["a.json", "a.mp3", "a.vtt"]
    cli("build", article, "-o", tmp_path / "b.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c",
        "--sidecars", "none")
    assert sorted(p.name for p in tmp_path.glob("b.*")) == ["b.json", "b.mp3"]
    again = cli("build", article, "-o", tmp_path / "a.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c",
                "--sidecars", "chapters")
    assert again.exit_code == 0  # the transcript of the earlier build would describe an older edition
    assert sorted(p.name for p in tmp_path.glob("a.*")) == ["a.chapters.json", "a.json", "a.mp3"]
    bad = cli("build", article, "--sidecars", "pdf")
    assert bad.exit_code == 2 and "unknown kind 'pdf'" in bad.stderr


def test_vtt_escapes_what_players_would_take_for_tags(tmp_path):
    from audio.edition.manifest import ChunkRecord, Manifest, SectionRecord
    from audio.podcast.sidecars import webvtt

    chunk = ChunkRecord(key="k", text="Tom & Jerry <live> im Kino.", spoken="x", start=0.0, end=1.5)
    section = SectionRecord(title="T", key="s", body_key="b", start=0.0, duration=2.0, chunks=(chunk,))
    record = Manifest(article="a.txt", title="T", audio="a.mp3", engine="espeak", voice="v", duration=2.0,
                      sections=(section,))
    assert "Tom &amp; Jerry &lt;live&gt; im Kino." in webvtt(record)


def test_cue_text_that_looks_like_a_timing_line_keeps_its_cue(cli, tmp_path):
    article = tmp_path / "zeit.txt"
    article.write_text("Untertitel\n\nDie Zeile lautete 00:00:01,000 --> 00:00:02,000 im Original. "
                       "Danach kam A --> B als Pfeil. Das war alles.\n", encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "zeit.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    record = manifest.load(tmp_path / "zeit.json")
    sentences = [c.text for s in record.sections for c in s.chunks if c.text]
    for suffix in (".srt", ".vtt"):  # read back by ffmpeg's own SRT and WebVTT readers
        packets = subprocess.run(["ffprobe", "-v", "error", "-show_packets", "-of", "json",
                                  str(tmp_path / f"zeit{suffix}")], capture_output=True, check=True).stdout
        assert len(json.loads(packets)["packets"]) == len(sentences), suffix
    for suffix in (".srt", ".vtt"):  # WebVTT forbids `-->` in cue text: browsers end the cue there, SRT parsers too
        blocks = (tmp_path / f"zeit{suffix}").read_text(encoding="utf-8").split("\n\n")
        assert all("-->" not in line for block in blocks for line in block.splitlines()[2:]), suffix
    assert "00:00:01,000 → 00:00:02,000" in (tmp_path / "zeit.srt").read_text(encoding="utf-8")
