"""The manifest: the one record of an edition, written beside its audio as JSON.

Rebuilds compare against it; transcripts, chapter files and feeds are derived from it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from audio.atomic import write_atomically
from audio.errors import EditionError
from audio.files import MB, parse_json, read_kept

log = logging.getLogger(__name__)

VERSION = 1
MOST = 512 * MB  # the largest manifest read: one of a 50 MB article (the most an article may be) is about 150 MB

# The files derived from the manifest that are written beside the audio: kind -> suffix. Read by the
# build's options (which to write), podcast.sidecars (writing them) and the feed and server (serving them).
SIDECARS = {"chapters": ".chapters.json", "vtt": ".vtt", "srt": ".srt", "html": ".html"}


@dataclass(frozen=True)
class ChunkRecord:
    key: str
    text: str
    spoken: str
    start: float  # seconds from the start of the edition, where this chunk's speech begins
    end: float


@dataclass(frozen=True)
class SectionRecord:
    title: str
    key: str  # the section's whole content; see plan.plan_sections
    body_key: str  # the content without the heading, to tell a renamed section from a new one
    start: float
    duration: float
    chunks: tuple[ChunkRecord, ...]
    level: tuple[float, float] | None = None  # MP3: the gain (dB) and limiter ceiling (dBFS) it was encoded with
    frames: int = 0  # MP3: the frames of the section's encoded audio (its intro or outro not counted)
    size: int = 0  # MP3: and its bytes, which tell that a cached copy is the same


@dataclass(frozen=True)
class Manifest:
    article: str
    title: str
    audio: str  # file name of the audio, beside the manifest
    engine: str
    voice: str  # the engine's cache key: everything that shapes the voice
    duration: float
    sections: tuple[SectionRecord, ...]
    meta: dict = field(default_factory=dict)
    description: str = ""  # the episode's description: the front matter's, else the first paragraph
    created: str = ""  # when the first edition of this output was built (ISO 8601); kept by rebuilds
    sentences: tuple[str, ...] = ()  # cache keys of what the text was split and said as, so a prune keeps them
    voice_settings: dict = field(default_factory=dict)  # the voice's own settings, kept by a rebuild
    levels_for: str = ""  # plan.level_settings of the sections' levels: a changed section starts from its old one
    # a briefing (audio.briefing): the articles it is made of, in order, each {"article" (its file or link),
    # "title", "start", "end", "sections" (their cache keys)}; empty for the edition of one article
    articles: tuple[dict, ...] = ()
    version: int = VERSION
    audio_size: int = 0  # the audio file this manifest was written for (0: not recorded, an older build)
    audio_mtime_ns: int = 0
    audio_sha256: str = ""


def path_for(audio: Path) -> Path:
    """Return where the manifest of an audio file lives."""
    return Path(audio).with_suffix(".json")


def save(manifest: Manifest, path: Path) -> None:
    text = json.dumps(asdict(manifest), ensure_ascii=False, indent=1)
    write_atomically(Path(path), text.encode("utf-8") + b"\n")


def describes(record: Manifest, audio: Path) -> bool:
    """Return True when `audio` is the file the manifest was written for: same size and time, else same hash.

    The manifest is written last, so a build interrupted after its audio was put in place leaves a
    manifest that does not describe the audio beside it; readers skip such an edition until it is rebuilt.
    A copy of the folder changes the times, not the content: then the hash decides.
    """
    if not record.audio_size:
        return True  # recorded before manifests named their audio's size and hash
    try:
        info = Path(audio).stat()
        if info.st_size != record.audio_size:
            return False
        return info.st_mtime_ns == record.audio_mtime_ns or \
            file_sha256(str(Path(audio).resolve()), info.st_size, info.st_mtime_ns) == record.audio_sha256
    except OSError:
        return False


@functools.lru_cache(maxsize=256)  # `serve` makes the feed at each request: hash a copied file once
def file_sha256(path: str, size: int = 0, mtime_ns: int = 0) -> str:
    """Return the SHA-256 of a file's content (`size` and `mtime_ns` only key the memo)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: Path) -> Manifest | None:
    """Return the manifest at `path`, or None when there is none or it cannot be read (not a regular file, too
    large, not JSON, nested too deeply, not a manifest)."""
    try:
        found = read_kept(Path(path), MOST)
        if found is None:
            return None
        data = parse_json(found.decode("utf-8"))
        if not isinstance(data, dict) or "sections" not in data or data.get("version") != VERSION:
            return None  # another JSON file (chapters, feed settings), or a manifest of another version
        sections = tuple(
            SectionRecord(**{**s, "chunks": tuple(ChunkRecord(**c) for c in s["chunks"]),
                             "level": level(s.get("level")), "frames": count(s.get("frames")),
                             "size": count(s.get("size"))})
            for s in data.pop("sections")
        )
        articles = tuple(a for a in data.get("articles", ()) if isinstance(a, dict))
        return Manifest(**{**data, "sections": sections, "sentences": tuple(data.get("sentences", ())),
                           "articles": articles})
    except OSError as exc:
        raise EditionError(f"{path}: cannot read the edition's record ({exc.strerror})") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("ignoring unreadable manifest %s (%s)", path, exc)
        return None


def level(value: object) -> tuple[float, float] | None:
    """Return a section's recorded level as (gain, limit), or None when there is none or it is not one
    a build could have found (a gain of -30 to 40 dB, a limiter ceiling of -24 to 0 dBFS)."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        gain, limit = float(value[0]), float(value[1])
        if -30.0 <= gain <= 40.0 and -24.0 <= limit <= 0.0:  # NaN fails both
            return gain, limit
    return None


def count(value: object) -> int:
    """Return a recorded count, or 0 when it is not a whole number of at least 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def keys_in(folders: list[Path]) -> tuple[set[str], int]:
    """Return every cache key that the manifests in `folders` use, and how many manifests there were."""
    keys: set[str] = set()
    count = 0
    for folder in folders:
        for path in sorted(Path(folder).glob("*.json")):
            record = load(path)
            if record is None:
                continue
            count += 1
            keys.update(record.sentences)
            for section in record.sections:
                keys.add(section.key)
                keys.update(chunk.key for chunk in section.chunks)
    return keys, count
