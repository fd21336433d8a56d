"""The audio formats an edition can be written in: the one table that every stage reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AudioFormat:
    name: str  # as the audio_format option names it
    extensions: tuple[str, ...]  # the first is the one a new edition gets
    mime: str  # for the feed's enclosure and the server
    sample_rate: int
    muxer: str  # ffmpeg's name for the container
    codec: tuple[str, ...]  # ffmpeg's codec arguments (before the bitrate)
    joined: bool  # sections are encoded once each and joined frame by frame; else the edition is one encode
    headroom: float  # dB between the limiter and the true-peak ceiling: how far this codec pushes peaks up
    encoder_delay: float  # seconds a decoder plays before the first sample of the input (MP3's priming)
    max_chapters: int  # the most chapters the format's chapter tables hold

    @property
    def extension(self) -> str:
        return self.extensions[0]


MP3 = AudioFormat("mp3", (".mp3",), "audio/mpeg", 44100, "mp3", ("-c:a", "libmp3lame"), joined=True,
                  headroom=2.5, encoder_delay=1105 / 44100,  # LAME's priming samples plus the decoder's delay
                  max_chapters=255 * 255)  # ID3 tables of contents of 255 entries, nested one level deep
# ffmpeg's AAC encoder overshoots limited speech peaks by up to 5 dB; its temporal noise shaping and
# the band above 12 kHz (where speech has little) cause most of it, so both are left out.
M4B = AudioFormat("m4b", (".m4b", ".m4a"), "audio/mp4", 44100, "mp4",
                  ("-c:a", "aac", "-aac_tns", "0", "-cutoff", "12000", "-movflags", "+faststart"), joined=False,
                  headroom=4.0, encoder_delay=0.0,
                  # a cap, not a measured limit: ffmpeg's chapter track held all of 300 chapters (ffprobe,
                  # Apple), its Nero `chpl` list (what mutagen reads) only the first 255
                  max_chapters=65535)
OPUS = AudioFormat("opus", (".opus", ".ogg"), "audio/ogg", 48000, "ogg", ("-c:a", "libopus", "-application", "voip"),
                   joined=False, headroom=3.0, encoder_delay=0.0,
                   max_chapters=1000)  # CHAPTER000 … CHAPTER999: readers take three digits

FORMATS = {f.name: f for f in (MP3, M4B, OPUS)}
NAMES = tuple(FORMATS)


def by_extension(path: str | Path) -> AudioFormat | None:
    """Return the format that a file name's extension names, or None."""
    suffix = Path(path).suffix.lower()
    return next((f for f in FORMATS.values() if suffix in f.extensions), None)


def is_audio(path: str | Path) -> bool:
    """Return True when a file name is that of an edition's audio."""
    return by_extension(path) is not None


def mime_type(path: str | Path) -> str | None:
    """Return the MIME type of an edition's audio file, or None for other files."""
    found = by_extension(path)
    return found.mime if found else None


def timecode(seconds: float, separator: str = ".") -> str:
    """Return `seconds` as HH:MM:SS.mmm (WebVTT, Ogg chapters) or, with separator ",", HH:MM:SS,mmm (SRT)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
