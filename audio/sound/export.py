"""Write the finished audio file (MP3, M4B or Opus): tags, cover and chapters, put in place atomically."""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen.flac import Picture
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, CTOCFlags
from mutagen.id3._tags import save_frame  # no public way to serialise one frame
from mutagen.oggopus import OggOpus

from audio import files
from audio.atomic import replacing
from audio.errors import EditionError
from audio.sound import ffmpeg
from audio.sound.formats import M4B, OPUS, AudioFormat, timecode


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


@dataclass(frozen=True)
class ChapterGroup:
    """Chapters listed under a title of their own in a nested table of contents (a briefing's article)."""

    title: str
    first: int  # the index of its first chapter
    count: int


def write_mp3(path: Path, audio: bytes | Iterable[bytes], tags: Tags, chapters: list[Chapter],
              groups: Sequence[ChapterGroup] = ()) -> None:
    """Write the MP3 (its frames, or their parts in order) with ID3v2.3 tags, cover and chapters (`groups` nested
    in tables of their own); the old file stays until the new one is whole."""
    frames = tag_frames(tags) + chapter_frames(chapters, groups)
    with replacing(path) as tmp:
        with open(tmp, "wb") as out:  # parts one by one: an hour of frames is never copied into one
            for part in [audio] if isinstance(audio, bytes) else audio:
                out.write(part)
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
            picture = Path(work) / ("cover.png" if cover[1] == "image/png" else "cover.jpg")
            picture.write_bytes(cover[0])  # the image alone, without what may follow it in the file
            args += ["-i", str(picture), "-map", "2:v", "-c:v", "copy", "-disposition:v", "attached_pic"]
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
    tags = opus.tags
    assert tags is not None  # an Ogg Opus file always has its comment header
    for name in [k for k in tags.keys() if k.lower().startswith("chapter")]:
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
    frames: list = [TIT2(encoding=3, text=tags.title), TCON(encoding=3, text=tags.genre),
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


TOC_ENTRIES = 255  # an ID3 table of contents counts its entries in one byte
def check_chapters(fmt: AudioFormat, count: int) -> None:
    """Raise EditionError when a format cannot hold `count` chapters (checked before any synthesis)."""
    if count > fmt.max_chapters:
        raise EditionError(f"the article has {count} sections, but {fmt.name.upper()} holds at most "
                           f"{fmt.max_chapters} chapters; join sections or choose another format")


def chapter_frames(chapters: list[Chapter], groups: Sequence[ChapterGroup] = ()) -> list:
    """Return the ordered top-level CTOC table and one CHAP frame per chapter, in time order.

    Beyond 255 chapters the top-level table lists tables of up to 255 chapters each (ID3v2 chapters
    allow nested tables), so every chapter stays in an ordered table of contents. With `groups`, the
    top-level table lists each group as a table of its own (titled with the group's title) in the
    place of its chapters.
    """
    ids = [f"ch{n}" for n in range(len(chapters))]
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    frames: list
    if groups:
        frames = nested_tables(ids, groups)
    elif len(ids) <= TOC_ENTRIES:
        frames = [CTOC(element_id="toc", flags=flags, child_element_ids=ids,
                       sub_frames=[TIT2(encoding=3, text="Kapitel")])]
    else:
        parts = [ids[i:i + TOC_ENTRIES] for i in range(0, len(ids), TOC_ENTRIES)]
        frames = [CTOC(element_id="toc", flags=flags, child_element_ids=[f"toc{n}" for n in range(len(parts))],
                       sub_frames=[TIT2(encoding=3, text="Kapitel")])]
        start = 0
        for number, group in enumerate(parts):
            frames.append(CTOC(element_id=f"toc{number}", flags=CTOCFlags.ORDERED, child_element_ids=group,
                               sub_frames=[TIT2(encoding=3, text=f"Kapitel {start + 1}–{start + len(group)}")]))
            start += len(group)
    for element_id, chapter in zip(ids, chapters):
        frames.append(CHAP(element_id=element_id, start_time=round(chapter.start * 1000),
                           end_time=round(chapter.end * 1000), start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                           sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    return frames


def nested_tables(ids: list[str], groups: Sequence[ChapterGroup]) -> list:
    """Return a top-level CTOC listing the chapters outside any group and one CTOC per group, in order."""
    top: list[str] = []
    tables = []
    grouped = {group.first: (number, group) for number, group in enumerate(groups)}
    index = 0
    while index < len(ids):
        if index not in grouped:
            top.append(ids[index])
            index += 1
            continue
        number, group = grouped[index]
        members = ids[index:index + group.count]
        if len(members) > TOC_ENTRIES:
            raise EditionError(f"“{group.title}” has {len(members)} chapters; a table of contents holds {TOC_ENTRIES}")
        top.append(f"toc{number}")
        tables.append(CTOC(element_id=f"toc{number}", flags=CTOCFlags.ORDERED, child_element_ids=members,
                           sub_frames=[TIT2(encoding=3, text=group.title)]))
        index += max(1, group.count)
    if len(top) > TOC_ENTRIES:
        raise EditionError(f"the table of contents would list {len(top)} entries; it holds {TOC_ENTRIES}")
    return [CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=top,
                 sub_frames=[TIT2(encoding=3, text="Kapitel")]), *tables]


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
    """Return a cover image's bytes, up to the image's end, and its MIME type; podcast apps show JPEG and PNG only.

    The image must decode whole and be of a sensible size; bytes after its end (whatever was appended
    to a file that starts like an image) are not embedded.
    """
    data = files.read_bytes(Path(path), "cover image")
    if data.startswith(b"\xff\xd8\xff"):
        mime, end = "image/jpeg", jpeg_end(data)
    elif data.startswith(PNG_SIGNATURE):
        mime, end = "image/png", png_end(data)
    else:
        raise EditionError(f"cover {path}: use a JPEG or PNG image")
    if end is None:
        raise EditionError(f"cover {path}: the image is damaged or cut off")
    declared = png_size(data) if mime == "image/png" else jpeg_size(data)
    if declared:  # before decoding it whole: 16000×16000 pixels of 16-bit RGBA took 2 GB and 14 s
        check_cover_size(path, *declared)
    check_cover_size(path, *ffmpeg.image_size(data[:end], what=f"cover {path}"))
    return data[:end], mime


def check_cover_size(path: Path, width: int, height: int) -> None:
    if min(width, height) < 16 or max(width, height) > 10000:
        raise EditionError(f"cover {path}: {width}×{height} pixels; use an image of 16 to 10000 pixels a side "
                           "(podcast apps want 1400 to 3000)")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_end(data: bytes) -> int | None:
    """Return where a PNG ends (after its IEND chunk), or None when it is cut off before."""
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = int.from_bytes(data[position:position + 4], "big"), data[position + 4:position + 8]
        position += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return position if position <= len(data) else None
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """Return the width and height a PNG's header (its first chunk, IHDR) declares, or None when it has none."""
    if data[12:16] != b"IHDR" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Return the width and height a JPEG's start-of-frame segment declares, or None when none comes before its
    first scan."""
    position = 2
    while position + 9 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker in SOF_MARKERS:
            return int.from_bytes(data[position + 7:position + 9], "big"), int.from_bytes(data[position + 5:position + 7], "big")
        if marker == 0xDA:
            return None
        if marker == 0xFF or 0xD0 <= marker <= 0xD8 or marker == 0x01:
            position += 1 if marker == 0xFF else 2
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return None


SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # start of frame, any kind


def jpeg_end(data: bytes) -> int | None:
    """Return where a JPEG ends (after its end-of-image marker), or None when it is cut off or malformed.

    Walks the marker segments; after each start-of-scan, skips the entropy-coded data, where a 0xFF
    byte is followed by 0x00 (stuffing) or a restart marker.
    """
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xD9:
            return position + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
            if marker == 0xDA:
                while position + 1 < len(data) and not (data[position] == 0xFF and data[position + 1] != 0x00
                                                         and not 0xD0 <= data[position + 1] <= 0xD7):
                    position += 1
    return None
