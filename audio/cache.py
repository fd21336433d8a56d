"""A content-addressed store for synthesised speech and encoded sections, safe to share and interrupt."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import wave
from pathlib import Path

from filelock import FileLock

from audio.atomic import write_atomically
from audio.engines.base import Speech

log = logging.getLogger(__name__)

SCHEMA = 1  # bump when the stored format changes, so old entries are simply not found


def default_dir() -> Path:
    """Return the cache folder: $AUDIO_EDITION_CACHE, else the XDG cache folder."""
    if os.environ.get("AUDIO_EDITION_CACHE"):
        return Path(os.environ["AUDIO_EDITION_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "audio-edition"


def key(*parts: object) -> str:
    """Return the hash of canonical JSON of everything that changes a cached result."""
    blob = json.dumps([SCHEMA, *parts], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    """Files named by their key; each write lands whole (temp file + rename) or not at all."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key_: str, suffix: str) -> Path:
        return self.root / key_[:2] / f"{key_}{suffix}"

    def get_speech(self, key_: str) -> Speech | None:
        """Return the cached speech for `key_`, or None when absent or damaged."""
        path = self.path(key_, ".wav")
        try:
            with wave.open(str(path), "rb") as wav:
                frames = wav.getnframes()
                pcm = wav.readframes(frames)
                rate = wav.getframerate()
                ok = wav.getnchannels() == 1 and wav.getsampwidth() == 2 and frames > 0
        except FileNotFoundError:
            return None
        except (wave.Error, EOFError, OSError) as exc:
            log.warning("cache entry %s is damaged (%s); making it again", path.name, exc)
            return None
        if not ok or len(pcm) != frames * 2:
            log.warning("cache entry %s is truncated; making it again", path.name)
            return None
        return Speech(pcm, rate)

    def has_speech(self, key_: str) -> bool:
        """Return True when the cache holds whole, readable speech for `key_`."""
        return self.get_speech(key_) is not None

    def put_speech(self, key_: str, speech: Speech) -> None:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(speech.sample_rate)
            wav.writeframes(speech.pcm)
        self.put_bytes(key_, ".wav", buffer.getvalue())

    def lock(self, target: Path) -> FileLock:
        """Return an inter-process lock for writing `target`, kept in the cache so outputs stay tidy."""
        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(locks / f"{key('lock', str(Path(target).resolve()))[:32]}.lock"))

    def entries(self) -> list[Path]:
        """Return the files of every cache entry (speech, encoded sections, their cue times)."""
        if not self.root.is_dir():
            return []
        return [p for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")]

    def prune(self, keep: set[str], dry_run: bool = False) -> tuple[int, int]:
        """Remove every entry whose key is not in `keep`; return how many files and bytes went."""
        files = size = 0
        for path in self.entries():
            if path.name.split(".")[0] not in keep:
                files, size = files + 1, size + path.stat().st_size
                if not dry_run:
                    path.unlink(missing_ok=True)
        return files, size

    def get_bytes(self, key_: str, suffix: str) -> bytes | None:
        try:
            return self.path(key_, suffix).read_bytes()
        except FileNotFoundError:
            return None

    def put_bytes(self, key_: str, suffix: str, data: bytes) -> None:
        path = self.path(key_, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
