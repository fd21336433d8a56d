"""A content-addressed store for synthesised speech and encoded sections, safe to share and interrupt."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import logging
import os
import re
import stat
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from audio.atomic import write_atomically
from audio.errors import EditionError
from audio.files import MB, read_kept
from audio.sound.clip import Speech

log = logging.getLogger(__name__)

SCHEMA = 1  # bump when the stored format changes, so old entries are simply not found
TAG_FILE = "CACHEDIR.TAG"  # the standard cache directory tag (https://bford.info/cachedir/); backup tools skip it
SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"  # what the standard says a tag starts with
TAG = (f"{SIGNATURE}\n"
       "# This file is a cache directory tag created by audio-edition.\n"
       "# For information about cache directory tags, see https://bford.info/cachedir/\n")
ENTRY = re.compile(r"[0-9a-f]{64}\.(?:wav|mp3|json|pickle)")  # the only names the cache gives its entries
# (.pickle: older versions kept the sentence splitter so; never read now, found only so that a prune removes it)
TEMPORARY = re.compile(r"\.[0-9a-f]{64}\.(?:wav|mp3|json|pickle)\.[^/]+\.(?:tmp|part)")  # atomic writes left by a kill
MOST = {".wav": 256 * MB, ".json": 256 * MB, ".mp3": 1024 * MB}  # far beyond what a build writes
LOCK = re.compile(r"[0-9a-f]{32}\.lock")
STALE = 3600  # seconds after which a temporary file is left over, not being written


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

    def __init__(self, root: Path, notice: Callable[[str], None] | None = None):
        self.root = Path(root)
        self._tagged = False
        # A folder that cannot be written (read-only media, a cache shared from another account) is read, and
        # what this process makes is kept here instead, once the first write is refused; `notice` says so.
        self.memory: dict[Path, bytes] | None = None
        self._notice = notice or log.warning

    def path(self, key_: str, suffix: str) -> Path:
        return self.root / key_[:2] / f"{key_}{suffix}"

    def get_speech(self, key_: str) -> Speech | None:
        """Return the cached speech for `key_`, or None when absent or damaged."""
        path = self.path(key_, ".wav")
        data = self.get_bytes(key_, ".wav")
        if data is None:
            return None
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                frames = wav.getnframes()
                pcm = wav.readframes(frames)
                rate = wav.getframerate()
                ok = wav.getnchannels() == 1 and wav.getsampwidth() == 2 and frames > 0
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
        """Return an inter-process lock for writing `target`, kept in the cache so outputs stay tidy (in the
        user's temporary folder when the cache cannot be written)."""
        name = f"{key('lock', str(Path(target).resolve()))[:32]}.lock"
        if self.memory is None:
            try:
                (self.root / "locks").mkdir(parents=True, exist_ok=True)
                self._tag()
                os.close(os.open(self.root / "locks" / name, os.O_RDWR | os.O_CREAT, 0o644))
                return FileLock(str(self.root / "locks" / name))
            except OSError as exc:
                self._refused(exc)
        user = getattr(os, "getuid", lambda: "")()  # a shared /tmp: each user's own folder
        locks = Path(tempfile.gettempdir()) / f"audio-edition-locks-{user}"
        locks.mkdir(mode=0o700, exist_ok=True)
        return FileLock(str(locks / name))

    def entries(self) -> list[Path]:
        """Return the files of every cache entry: key-named regular files in their key's shard folder."""
        return self._scan()[0]

    def prune(self, keep: set[str], dry_run: bool = False) -> tuple[int, int]:
        """Remove every entry whose key is not in `keep` (and stale temporary files); return how many files
        and bytes went.

        Only files the cache itself names are touched, never through a symbolic link; a folder without
        the cache's tag is refused unless everything in it is shaped like a cache (one made before the
        tag existed), which is then tagged.
        """
        entries, temporaries, stranger = self._scan()
        if not self.is_tagged():
            if stranger is not None:
                raise EditionError(f"{self.root} is not an audio-edition cache (no {TAG_FILE}, and it holds "
                                   f"{stranger}); check cache_dir='…' and AUDIO_EDITION_CACHE")
            if not dry_run and self.root.is_dir():
                self._tag()
        files = size = 0
        now = time.time()
        for path in entries + temporaries:
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            stale = path in temporaries and now - info.st_mtime > STALE
            if stat.S_ISREG(info.st_mode) and (stale or (path in entries and path.name.split(".")[0] not in keep)):
                files, size = files + 1, size + info.st_size
                if not dry_run:
                    path.unlink(missing_ok=True)  # a path found by lstat as a regular file: never a link's target
        return files, size

    def is_tagged(self) -> bool:
        """Return True when the cache folder carries audio-edition's cache directory tag."""
        try:
            with open(self.root / TAG_FILE, "rb") as tag:
                head = tag.read(4096)
        except OSError:
            return False
        return head.startswith(SIGNATURE.encode()) and b"audio-edition" in head

    def _tag(self) -> None:
        """Write the cache directory tag at the root, once: it marks the folder as this cache's own."""
        if self._tagged:
            return
        if not (self.root / TAG_FILE).exists():
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomically(self.root / TAG_FILE, TAG.encode())
        self._tagged = True

    def _scan(self) -> tuple[list[Path], list[Path], str | None]:
        """Return the cache's entries, its temporary files, and the first thing found that the cache did not make."""
        entries: list[Path] = []
        temporaries: list[Path] = []
        stranger: str | None = None
        try:
            top = sorted(os.scandir(self.root), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return [], [], None
        for item in top:
            if item.name == TAG_FILE and item.is_file(follow_symlinks=False):
                continue
            if item.name == "locks" and item.is_dir(follow_symlinks=False):
                odd = [e.name for e in os.scandir(item.path)
                       if not (LOCK.fullmatch(e.name) and e.is_file(follow_symlinks=False))]
                stranger = stranger or (f"locks/{odd[0]}" if odd else None)
                continue
            if not (re.fullmatch(r"[0-9a-f]{2}", item.name) and item.is_dir(follow_symlinks=False)):
                stranger = stranger or item.name
                continue
            for inner in sorted(os.scandir(item.path), key=lambda e: e.name):
                path = self.root / item.name / inner.name
                if not inner.is_file(follow_symlinks=False):
                    stranger = stranger or f"{item.name}/{inner.name}"
                elif ENTRY.fullmatch(inner.name) and inner.name.startswith(item.name):
                    entries.append(path)
                elif TEMPORARY.fullmatch(inner.name) and inner.name[1:3] == item.name:
                    temporaries.append(path)
                else:
                    stranger = stranger or f"{item.name}/{inner.name}"
        return entries, temporaries, stranger

    def get_bytes(self, key_: str, suffix: str) -> bytes | None:
        """Return the entry's bytes, or None when it is absent or is not what the cache writes: a regular file
        (never a link, a pipe or a device) of at most MOST[suffix] bytes."""
        path = self.path(key_, suffix)
        if self.memory is not None and path in self.memory:
            return self.memory[path]
        try:
            return read_kept(path, MOST[suffix], follow_links=False)
        except (ValueError, OSError) as exc:
            log.warning("cache entry %s is damaged (%s); making it again", path.name,
                        exc.strerror if isinstance(exc, OSError) else exc)
            return None

    def put_bytes(self, key_: str, suffix: str, data: bytes) -> None:
        path = self.path(key_, suffix)
        if self.memory is None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._tag()
                write_atomically(path, data)
                return
            except OSError as exc:
                self._refused(exc)
        assert self.memory is not None
        self.memory[path] = data

    def _refused(self, exc: OSError) -> None:
        """Keep what is made in memory from now on, when `exc` says the folder cannot be written; else raise it."""
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise exc
        self.memory = {}
        self._notice(f"the cache folder {self.root} cannot be written ({exc.strerror}); building without keeping "
                     "anything in it")
