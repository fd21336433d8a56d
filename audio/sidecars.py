"""Files beside the audio, all derived from the manifest: chapters JSON, WebVTT and SRT transcripts, a web page."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

from audio.cache import write_atomically
from audio.manifest import Manifest, SectionRecord

KINDS = ("chapters", "vtt", "srt", "html")
SUFFIXES = {"chapters": ".chapters.json", "vtt": ".vtt", "srt": ".srt", "html": ".html"}
LINE_CHARS = 65  # subtitle lines at most about this long


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def write(record: Manifest, audio: Path, kinds: tuple[str, ...] = KINDS) -> list[Path]:
    """Write the chosen sidecar files next to `audio` and return their paths.

    Those not chosen are removed if an earlier build left them: they would describe an older
    edition, and the feed would still point podcast apps at them.
    """
    from audio.page import page  # the page uses this module's cues

    render = {"chapters": chapters_json, "vtt": webvtt, "srt": srt, "html": page}
    written = []
    for kind in KINDS:
        path = path_for(audio, kind)
        if kind in kinds:
            write_atomically(path, render[kind](record).encode("utf-8"))
            written.append(path)
        else:
            path.unlink(missing_ok=True)
    return written


def path_for(audio: Path, kind: str) -> Path:
    return Path(audio).with_suffix(SUFFIXES[kind])


def chapters_json(record: Manifest) -> str:
    """Return the chapters in the Podcasting 2.0 JSON chapters format."""
    chapters = [
        {"startTime": round(s.start, 3), "endTime": round(s.start + s.duration, 3), "title": s.title}
        for s in record.sections
    ]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=1) + "\n"


def cues(record: Manifest) -> list[Cue]:
    """Return one cue per spoken sentence, wrapped into lines, with its real times."""
    return [Cue(c.start, c.end, wrap(c.text)) for section in record.sections for c in section_cues(section)]


def section_cues(section: SectionRecord) -> list[Cue]:
    """Return one cue per sentence spoken in a section, unwrapped.

    A sentence that was sent to the voice in pieces runs from its first piece's start to its last's end.
    """
    found: list[Cue] = []
    for chunk in section.chunks:
        if chunk.text:
            found.append(Cue(chunk.start, chunk.end, chunk.text))
        elif found:  # a later piece of the same sentence
            found[-1] = Cue(found[-1].start, chunk.end, found[-1].text)
    return found


def wrap(text: str) -> str:
    """Return a cue's text in lines of at most LINE_CHARS characters (a longer word stays whole)."""
    return "\n".join(textwrap.wrap(text, LINE_CHARS, break_long_words=False, break_on_hyphens=False))


def webvtt(record: Manifest) -> str:
    """Return the transcript as WebVTT, one cue per sentence."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues(record), 1):
        text = cue_text(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # <…> are tags
        blocks.append(f"{number}\n{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def srt(record: Manifest) -> str:
    """Return the transcript as SubRip (SRT), one cue per sentence."""
    blocks = [f"{n}\n{timestamp(c.start, ',')} --> {timestamp(c.end, ',')}\n{cue_text(c.text)}"
              for n, c in enumerate(cues(record), 1)]
    return "\n\n".join(blocks) + "\n"


def cue_text(text: str) -> str:
    """Return a cue's text without `-->`, which SRT and WebVTT readers take for a timing line (dropping the cue)."""
    return text.replace("-->", "→")


def timestamp(seconds: float, separator: str) -> str:
    """Return `seconds` as HH:MM:SS.mmm (WebVTT) or HH:MM:SS,mmm (SRT)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
