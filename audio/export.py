"""Write the finished audio file: tags, cover and chapters, put in place atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, CTOCFlags
from mutagen.id3._tags import save_frame  # no public way to serialise one frame

from audio.errors import EditionError


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str = ""
    album: str = ""
    date: str = ""
    language: str = "deu"  # ISO 639-2, as ID3's TLAN wants
    genre: str = "Podcast"
    comment: str = ""
    cover: Path | None = None


def write_mp3(path: Path, audio: bytes, tags: Tags, chapters: list[Chapter]) -> None:
    """Write the MP3 with ID3v2.3 tags, cover and chapters; the old file stays until the new one is whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = tag_frames(tags) + chapter_frames(chapters)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".mp3.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(audio)
        id3 = TimeOrderedID3()
        for frame in frames:
            id3.add(frame)
        id3.save(tmp, v2_version=3)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tag_frames(tags: Tags) -> list:
    """Return the ID3 frames for the edition's descriptive tags and cover."""
    frames = [TIT2(encoding=3, text=tags.title), TCON(encoding=3, text=tags.genre),
              TLAN(encoding=3, text=tags.language)]
    if tags.artist:
        frames.append(TPE1(encoding=3, text=tags.artist))
    if tags.album:
        frames.append(TALB(encoding=3, text=tags.album))
    if tags.date:
        frames.append(TDRC(encoding=3, text=tags.date))
    if tags.comment:
        frames.append(COMM(encoding=3, lang="deu", desc="", text=tags.comment))
    if tags.cover:
        data, mime = read_cover(tags.cover)
        frames.append(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data))
    return frames


def chapter_frames(chapters: list[Chapter]) -> list:
    """Return the ordered top-level CTOC table and one CHAP frame per chapter, in time order."""
    ids = [f"ch{n}" for n in range(len(chapters))]
    frames: list = [CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                         child_element_ids=ids, sub_frames=[TIT2(encoding=3, text="Kapitel")])]
    for element_id, chapter in zip(ids, chapters):
        frames.append(CHAP(element_id=element_id, start_time=round(chapter.start * 1000),
                           end_time=round(chapter.end * 1000), start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                           sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    return frames


class TimeOrderedID3(ID3):
    """An ID3 tag that writes CHAP frames last and in time order.

    mutagen sorts frames by size, which scrambles chapters for players and tools (ffprobe among
    them) that list CHAP frames in file order instead of following the CTOC table.
    """

    def _write(self, config):
        chapters = sorted(self.getall("CHAP"), key=lambda chap: chap.start_time)
        self.delall("CHAP")
        try:
            head = super()._write(config)
            return head + b"".join(save_frame(chap, config=config) for chap in chapters)
        finally:
            for chap in chapters:
                self.add(chap)


def read_cover(path: Path) -> tuple[bytes, str]:
    """Return a cover image's bytes and MIME type; podcast apps show JPEG and PNG only."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EditionError(f"cover {path}: cannot read ({exc.strerror})") from None
    if data.startswith(b"\xff\xd8\xff"):
        return data, "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data, "image/png"
    raise EditionError(f"cover {path}: use a JPEG or PNG image")
