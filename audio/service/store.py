"""The accepted revisions of every article, on disk: the truth of what the service owes.

Each article (the CMS's id) has a folder in the state folder: `revision-N.json` for each accepted
revision not yet superseded by a built one, written whole and fsynced before the API answers 202;
`built.json`, what the last build of it made (or why it failed); `building.json`, which revision a
worker is building; `deleted.json`, the last revision number of a deleted article, so a number is
never given twice. The queue only rings the bell: a reconcile finds whatever is accepted but not built.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audio.atomic import write_atomically
from audio.files import parse_json, read_kept

log = logging.getLogger(__name__)

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
REVISION = re.compile(r"revision-([0-9]{1,12})\.json")
MAX_RECORD = 16 * 1024 * 1024  # a revision holds at most a 5 MB body; anything larger on disk is not ours


def now() -> str:
    """Return the time now in RFC 3339 (UTC, to the millisecond)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """The state folder's articles: accepted revisions, build results, who builds what, tombstones."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.articles = self.root / "articles"
        self.articles.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def folder(self, article_id: str) -> Path:
        if not ID.fullmatch(article_id):
            raise ValueError(f"not an article id: {article_id!r}")
        return self.articles / article_id

    @contextlib.contextmanager
    def _holding(self, article_id: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(article_id, threading.Lock())
        with lock:
            yield

    def accept(self, article_id: str, record: dict[str, Any]) -> int:
        """Write a new revision of the article durably and return its number (one more than any given before)."""
        folder = self.folder(article_id)
        folder.mkdir(exist_ok=True)
        with self._holding(article_id):
            while True:
                number = self.last_number(article_id) + 1
                data = dict(record, revision=number, accepted=now())
                try:
                    write_atomically(folder / f"revision-{number}.json", encode(data), sync=True, exclusive=True)
                    return number
                except FileExistsError:  # another process took the number first: take the next
                    continue

    def last_number(self, article_id: str) -> int:
        """Return the highest revision number ever given to the article (0: none)."""
        folder = self.folder(article_id)
        numbers = self.numbers(article_id)
        tomb = read(folder / "deleted.json") or {}
        built = read(folder / "built.json") or {}
        return max([0, *numbers, count(tomb.get("revision")), count(built.get("revision"))])

    def numbers(self, article_id: str) -> list[int]:
        """Return the numbers of the revisions on disk, lowest first."""
        try:
            names = os.listdir(self.folder(article_id))
        except FileNotFoundError:
            return []
        return sorted(int(m[1]) for m in map(REVISION.fullmatch, names) if m)

    def newest(self, article_id: str) -> dict[str, Any] | None:
        """Return the newest accepted revision, or None when there is none (never submitted, or deleted)."""
        folder = self.folder(article_id)
        tomb = count((read(folder / "deleted.json") or {}).get("revision"))
        for number in reversed(self.numbers(article_id)):
            if number <= tomb:
                return None
            record = read(folder / f"revision-{number}.json")
            if record is not None:
                return record
            log.warning("revision %s of %s cannot be read; it is skipped", number, article_id)
        return None

    def newest_number(self, article_id: str) -> tuple[int, str] | None:
        """Return the newest accepted revision's number and when it was accepted (RFC 3339), without reading the
        revision itself (it holds the whole article); None when there is none."""
        folder = self.folder(article_id)
        numbers = self.numbers(article_id)
        tomb = count((read(folder / "deleted.json") or {}).get("revision"))
        if not numbers or numbers[-1] <= tomb:
            return None
        try:
            moment = os.stat(folder / f"revision-{numbers[-1]}.json").st_mtime
        except OSError:
            return None
        accepted = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)
        return numbers[-1], accepted.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def result(self, article_id: str) -> dict[str, Any]:
        """Return what the last build made or why it failed ({} before the first)."""
        return read(self.folder(article_id) / "built.json") or {}

    def save_result(self, article_id: str, result: dict[str, Any]) -> None:
        write_atomically(self.folder(article_id) / "built.json", encode(result), sync=True)

    def building(self, article_id: str) -> dict[str, Any] | None:
        return read(self.folder(article_id) / "building.json")

    def mark_building(self, article_id: str, revision: int, worker: str) -> None:
        write_atomically(self.folder(article_id) / "building.json",
                         encode({"revision": revision, "worker": worker, "since": now()}))

    def clear_building(self, article_id: str) -> None:
        (self.folder(article_id) / "building.json").unlink(missing_ok=True)

    def owed(self, article_id: str) -> bool:
        """Return True when the article needs a build: its newest revision is neither built nor failed, or the
        house lexicon changed what it says."""
        newest = self.newest(article_id)
        if newest is None:
            return False
        result = self.result(article_id)
        done = (result.get("built") or {}).get("revision"), result.get("failed_revision")
        return newest["revision"] not in done or self.stale(article_id) is not None

    def stale(self, article_id: str) -> dict[str, Any] | None:
        """Return why the built edition no longer says what it should (a lexicon change), or None."""
        return read(self.folder(article_id) / "stale.json")

    def mark_stale(self, article_id: str, reason: str) -> None:
        write_atomically(self.folder(article_id) / "stale.json", encode({"reason": reason, "since": now()}), sync=True)

    def clear_stale(self, article_id: str, marked: dict[str, Any] | None) -> None:
        """Remove the stale mark if it is still the one a build started with (a newer one stays)."""
        if marked is not None and self.stale(article_id) == marked:
            (self.folder(article_id) / "stale.json").unlink(missing_ok=True)

    def forget_older(self, article_id: str, revision: int) -> None:
        """Remove the revisions before `revision`, which a build of it superseded."""
        folder = self.folder(article_id)
        for number in self.numbers(article_id):
            if number < revision:
                (folder / f"revision-{number}.json").unlink(missing_ok=True)

    def delete(self, article_id: str) -> bool:
        """Forget the article (its revision numbers stay given); return False when there was none."""
        folder = self.folder(article_id)
        with self._holding(article_id):
            if self.newest(article_id) is None:
                return False
            write_atomically(folder / "deleted.json", encode({"revision": self.last_number(article_id),
                                                              "deleted": now()}), sync=True)
            for number in self.numbers(article_id):
                (folder / f"revision-{number}.json").unlink(missing_ok=True)
            (folder / "built.json").unlink(missing_ok=True)
            return True

    def is_deleted_after(self, article_id: str, revision: int) -> bool:
        """Return True when the article was deleted after `revision` was accepted."""
        tomb = read(self.folder(article_id) / "deleted.json") or {}
        return count(tomb.get("revision")) >= revision and self.newest(article_id) is None

    def ids(self) -> list[str]:
        """Return every article id with a folder, sorted (deleted ones included: check `newest`)."""
        try:
            return sorted(entry.name for entry in os.scandir(self.articles)
                          if entry.is_dir(follow_symlinks=False) and ID.fullmatch(entry.name))
        except FileNotFoundError:
            return []

    def answers(self) -> bool:
        """Return True when the store can be read and written."""
        try:
            write_atomically(self.root / "health.json", encode({"checked": now()}))
            return True
        except OSError:
            return False


def encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def read(path: Path) -> dict[str, Any] | None:
    """Return the JSON object in a regular file of the state folder, or None when it is absent or damaged
    (a pipe or device put there would hang or fill the memory: files.read_kept refuses them)."""
    try:
        data = read_kept(path, MAX_RECORD)
        value = parse_json(data) if data is not None else None
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
