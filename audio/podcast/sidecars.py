"""Files beside the audio, all derived from the manifest: chapters JSON, WebVTT and SRT transcripts, a web page."""

from __future__ import annotations

import json
from pathlib import Path

from audio.atomic import write_atomically
from audio.edition.manifest import SIDECARS, Manifest
from audio.podcast.page import page
from audio.podcast.transcript import cues
from audio.sound.formats import timecode

SUFFIXES = SIDECARS
KINDS = tuple(SIDECARS)


def write(record: Manifest, audio: Path, kinds: tuple[str, ...] = KINDS) -> list[Path]:
    """Write the chosen sidecar files next to `audio` and return their paths.

    Those not chosen are removed if an earlier build left them: they would describe an older
    edition, and the feed would still point podcast apps at them.
    """
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


def webvtt(record: Manifest) -> str:
    """Return the transcript as WebVTT, one cue per sentence."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues(record), 1):
        text = cue_text(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # <…> are tags
        blocks.append(f"{number}\n{timecode(cue.start, '.')} --> {timecode(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def srt(record: Manifest) -> str:
    """Return the transcript as SubRip (SRT), one cue per sentence."""
    blocks = [f"{n}\n{timecode(c.start, ',')} --> {timecode(c.end, ',')}\n{cue_text(c.text)}"
              for n, c in enumerate(cues(record), 1)]
    return "\n\n".join(blocks) + "\n"


def cue_text(text: str) -> str:
    """Return a cue's text without `-->`, which SRT and WebVTT readers take for a timing line (dropping the cue)."""
    return text.replace("-->", "→")
