"""The transcript of an edition: one cue per spoken sentence with its real times, and how times are written."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from audio.edition.manifest import Manifest, SectionRecord

LINE_CHARS = 65  # subtitle lines at most about this long


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


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


def clock(seconds: float) -> str:
    """Return `seconds` as a listener reads a time: M:SS, or H:MM:SS from an hour on."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
