"""M4B (AAC, MP4 chapters) and Opus (Ogg chapter comments) editions, read back with ffprobe and mutagen."""

from __future__ import annotations

import base64
import subprocess

import pytest
from media import decoded_pcm, ebur128, ffprobe, onset
from mutagen.flac import Picture
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus

from audio.edition import manifest

SEED_HEADINGS = [
    "Elon Musk betont seine Haltung zur Meinungsfreiheit auf Twitter",
    "Twitter beschuldigt Microsoft des Missbrauchs von Twitter-Daten",
    "Elon Musk kämpft gegen OpenAI und Microsoft",
    "Der Geldaspekt ist für Elon Musk nicht die Priorität",
]


@pytest.fixture(scope="module")
def cover(tmp_path_factory):
    path = tmp_path_factory.mktemp("cover") / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x64", "-frames:v", "1", str(path)],
                   check=True)
    return path


@pytest.mark.parametrize("suffix, codec", [("m4b", "aac"), ("opus", "opus")])
def test_format_has_chapters_loudness_and_cover(cli, seed, tmp_path, cover, suffix, codec):
    out = tmp_path / f"e.{suffix}"
    result = cli("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c", "--cover", cover)
    assert result.exit_code == 0, result.output
    info = ffprobe(out)
    assert info["streams"][0]["codec_name"] == codec
    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == SEED_HEADINGS
    record = manifest.load(tmp_path / "e.json")
    assert record.audio == out.name
    for chapter, section in zip(chapters, record.sections):
        assert abs(float(chapter["start_time"]) - section.start) < 0.002
    assert abs(float(chapters[-1]["end_time"]) - float(info["format"]["duration"])) < 0.05
    pcm = decoded_pcm(out)
    for chapter in chapters:
        start = float(chapter["start_time"])
        assert onset(pcm, start) - start < 0.05
    integrated, peak = ebur128(out)
    assert abs(integrated + 16) <= 1 and peak <= -1
    if suffix == "m4b":
        tags = MP4(out)
        assert tags["©nam"] == [record.title]
        assert bytes(tags["covr"][0]) == cover.read_bytes()
        assert [c.title for c in tags.chapters] == SEED_HEADINGS
    else:
        tags = OggOpus(out)
        assert tags["title"] == [record.title]
        assert [tags[f"chapter{n:03d}name"][0] for n in range(4)] == SEED_HEADINGS
        picture = Picture(base64.b64decode(tags["metadata_block_picture"][0]))
        assert picture.data == cover.read_bytes()


def test_audio_format_option_picks_the_extension_and_refuses_a_mismatch(cli, articles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("build", articles / "no-headings.txt", "--audio-format", "opus", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "output" / "no-headings.opus").is_file()
    mismatch = cli("build", articles / "no-headings.txt", "--audio-format", "m4b", "-o", tmp_path / "x.mp3")
    assert mismatch.exit_code == 1
    assert "the extension does not match --audio-format m4b" in mismatch.stderr
