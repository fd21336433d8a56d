"""Writing the audio file: ID3 chapters and tables of contents, read back with ffprobe and mutagen."""

from __future__ import annotations

import pytest
from media import ffprobe
from mutagen.id3 import ID3, CTOCFlags

from audio.sound import ffmpeg
from audio.sound.export import Chapter, Tags, write_mp3


@pytest.fixture(scope="module")
def silence() -> bytes:
    """Ten seconds of real MP3 frames."""
    return ffmpeg.run(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "10", "-b:a", "64k", "-f", "mp3",
                       "pipe:1"])


@pytest.mark.parametrize("count", [3, 255, 256, 1000])
def test_every_chapter_is_readable_beyond_255(tmp_path, silence, count):
    chapters = [Chapter(f"Abschnitt {n + 1}", n * 10 / count, (n + 1) * 10 / count) for n in range(count)]
    write_mp3(tmp_path / "e.mp3", silence, Tags("Viele Kapitel"), chapters)
    probed = ffprobe(tmp_path / "e.mp3")["chapters"]
    assert [c["tags"]["title"] for c in probed] == [c.title for c in chapters]
    tags = ID3(tmp_path / "e.mp3")
    top = [toc for toc in tags.getall("CTOC") if toc.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1

    def chapter_ids(element_id: str) -> list[str]:  # the table of contents, followed as a reader would
        tables = {toc.element_id: toc for toc in tags.getall("CTOC")}
        if element_id not in tables:
            return [element_id]
        return [found for child in tables[element_id].child_element_ids for found in chapter_ids(child)]

    titles = {chap.element_id: chap.sub_frames["TIT2"].text[0] for chap in tags.getall("CHAP")}
    assert [titles[i] for i in chapter_ids(top[0].element_id)] == [c.title for c in chapters]
