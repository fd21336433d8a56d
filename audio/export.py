"""Write the finished audio file (MP3, M4B or Opus): tags, cover and chapters, put in place atomically."""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mutagen.flac import Picture
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, CTOCFlags
from mutagen.id3._tags import save_frame  # no public way to serialise one frame
from mutagen.oggopus import OggOpus

from audio import ffmpeg
from audio.atomic import replacing
from audio.errors import EditionError
from audio.formats import M4B, OPUS, AudioFormat
from audio.transcript import timecode


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
    frames = tag_frames(tags) + chapter_frames(chapters)
    with replacing(path) as tmp:
        tmp.write_bytes(audio)
        id3 = TimeOrderedID3()
        for frame in frames:
            id3.add(frame)
        id3.save(tmp, v2_version=3)


def write_container(path: Path, fmt: AudioFormat, pcm: Iterable[bytes], tags: Tags, chapters: list[Chapter],
                    bitrate: int) -> None:
    """Encode mono PCM (at the format's sample rate) into an M4B (AAC, MP4 chapters, cover) or Opus file
    (Ogg chapter comments, cover), streaming it through one ffmpeg; the old file stays until the new one is whole."""
    cover = read_cover(tags.cover) if tags.cover else None
    with tempfile.TemporaryDirectory(prefix="audio-edition-") as work, replacing(path) as partial:
        metadata = Path(work) / "metadata.txt"
        metadata.write_text(ffmetadata(tags, chapters), encoding="utf-8")
        args = ["-f", "s16le", "-ar", str(fmt.sample_rate), "-ac", "1", "-i", "pipe:0", "-f", "ffmetadata",
                "-i", str(metadata)]
        if cover and fmt == M4B:
            args += ["-i", str(tags.cover), "-map", "2:v", "-c:v", "copy", "-disposition:v", "attached_pic"]
        args += ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-metadata:s:a:0",
                 f"language={tags.language}", *fmt.codec, "-b:a", f"{bitrate}k",
                 "-f", fmt.muxer, "-y", str(partial)]
        ffmpeg.run_streaming(args, pcm, what=f"encoding {fmt.name.upper()}")
        if fmt == OPUS:
            ogg_chapters_and_cover(partial, chapters, cover)


def ffmetadata(tags: Tags, chapters: list[Chapter]) -> str:
    """Return tags and chapters in ffmpeg's metadata file format, which its MP4 and Ogg muxers turn into chapters."""
    fields = {"title": tags.title, "artist": tags.artist, "album": tags.album, "date": tags.date,
              "genre": tags.genre, "comment": tags.comment, "description": tags.comment}
    lines = [";FFMETADATA1"] + [f"{name}={escape(value)}" for name, value in fields.items() if value]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(chapter.start * 1000)}",
                  f"END={round(chapter.end * 1000)}", f"title={escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


def escape(value: str) -> str:
    """Return a value escaped for ffmpeg's metadata file (`=`, `;`, `#`, backslash and newline)."""
    return re.sub(r"([=;#\\\n])", r"\\\1", value)


def ogg_chapters_and_cover(path: Path, chapters: list[Chapter], cover: tuple[bytes, str] | None) -> None:
    """Write an Ogg Opus file's CHAPTERnnn comments and its cover (METADATA_BLOCK_PICTURE) with mutagen.

    ffmpeg 5.1 writes every chapter after the first one second late, so its chapter comments are replaced.
    """
    opus = OggOpus(path)
    for name in [k for k in opus.tags.keys() if k.lower().startswith("chapter")]:
        del opus[name]
    for number, chapter in enumerate(chapters):
        opus[f"CHAPTER{number:03d}"] = [timecode(chapter.start)]
        opus[f"CHAPTER{number:03d}NAME"] = [chapter.title]
    if cover:
        picture = Picture()
        picture.type, picture.data, picture.mime, picture.desc = 3, cover[0], cover[1], "Cover"
        opus["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    opus.save()


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
        frames.append(COMM(encoding=3, lang=tags.language, desc="", text=tags.comment))
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
