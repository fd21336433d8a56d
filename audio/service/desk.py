"""The desk: the store, the queue and the settings that the API and the workers share, and the status object.

`Settings` are what `serve --api` was started with (the folder, the state folder, the defaults of a
build, the base URL, whether URLs may reach private addresses); they are written to the state folder
so that `worker` processes on other machines build with the same defaults.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from audio.atomic import PART, write_atomically
from audio.edition.options import BuildOptions
from audio.errors import EditionError, message
from audio.podcast import sidecars
from audio.podcast.feed import FEED_FILE
from audio.service.queue import Queue
from audio.service.store import Store, read
from audio.sound import formats
from audio.sound.loudness import Target
from audio.sound.render import Pauses

log = logging.getLogger(__name__)

STATE_FOLDER = ".audio-edition-api"  # inside the editions' folder; hidden, so never served
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Settings:
    folder: Path  # where the editions are written and served from
    base_url: str  # where the folder is published: the status object's URLs start with it
    options: BuildOptions = field(default_factory=BuildOptions)  # the defaults of every build
    state: Path | None = None  # the state folder; else FOLDER/.audio-edition-api
    queue: str | None = None  # redis://HOST:PORT/N, else the embedded queue
    allow_private_urls: bool = False
    max_queue: int = 10_000  # articles waiting at most; beyond it a PUT gets 503
    reconcile_every: float = 30.0  # seconds
    name: str = "audio_edition"  # the queue's name in Redis: the folder's own (saved with the settings)

    @property
    def state_folder(self) -> Path:
        return self.state or self.folder / STATE_FOLDER


class Desk:
    """What the API and the workers of one folder share."""

    def __init__(self, settings: Settings):
        self.settings = settings
        settings.state_folder.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.state_folder)
        self.queue = Queue(settings.state_folder, settings.queue, settings.name)
        self.feed = FeedWriter(settings.folder, settings.base_url, self.queue)
        self._statuses: dict[str, tuple[tuple[int, bool], dict[str, Any] | None]] = {}

    @property
    def folder(self) -> Path:
        return self.settings.folder

    def audio_path(self, article_id: str) -> Path:
        """Return where the article's edition goes: named after its id, in the default format."""
        fmt = formats.FORMATS.get(self.settings.options.audio_format or "") or formats.MP3
        return self.folder / f"{article_id}{fmt.extension}"

    def preview_path(self, article_id: str) -> Path:
        """Return where the MP3 of only what the article's last build said anew goes (served beside its edition)."""
        return self.folder / f"{article_id}.preview.mp3"

    def lexicon_path(self) -> Path:
        """Return where the house lexicon (`PUT /api/lexicon`) is kept: applied to every article."""
        return self.settings.state_folder / "lexicon.txt"

    def status(self, article_id: str) -> dict[str, Any] | None:
        """Return the article's status object, or None when there is no such article.

        On one machine it is kept while the article's state folder stays as it was (every change there is a
        rename or a removal, which changes the folder's time), so a status asked for often costs one stat. A
        folder changed in the last 50 ms, within the clock's grain, is read afresh (as git treats racy files).
        """
        if self.queue.redis is not None:  # other machines write there, through file systems that cache times
            return self.read_status(article_id)
        try:
            changed = os.stat(self.store.folder(article_id)).st_mtime_ns
        except OSError:
            return None
        key = (changed, self.queue.locked(article_id))
        kept = self._statuses.get(article_id)
        if kept is not None and kept[0] == key:
            return dict(kept[1]) if kept[1] is not None else None
        status = self.read_status(article_id)
        if time.time_ns() - changed > 50_000_000:
            self._statuses[article_id] = (key, status)
        return dict(status) if status is not None else None

    def read_status(self, article_id: str) -> dict[str, Any] | None:
        """Return the article's status object as its state folder tells it, or None when there is no such article."""
        newest = self.store.newest_number(article_id)
        if newest is None:
            return None
        revision, accepted = newest
        result = self.store.result(article_id)
        built = result.get("built") or {}
        building = self.store.building(article_id) or {}
        stale = self.store.stale(article_id) is not None
        if building.get("revision") == revision and stale and self.queue.locked(article_id):
            state = "building"  # again, for the house lexicon
        elif built.get("revision") == revision and not stale:
            state = "ready"
        elif result.get("failed_revision") == revision:
            state = "failed"
        elif building.get("revision") == revision and self.queue.locked(article_id):
            state = "building"
        else:
            state = "queued"
        base = self.settings.base_url
        updated = max(filter(None, [accepted, result.get("updated"),
                                    building.get("since") if state == "building" else None]))
        return {
            "id": article_id,
            "revision": revision,
            "status": state,
            "built_revision": built.get("revision"),
            "audio": base + quote(built["audio"]) if built.get("audio") else None,
            "page": base + quote(built["page"]) if built.get("page") else None,
            "duration": built.get("duration"),
            "chapters": built.get("chapters", []),
            "changes": built.get("changes", []),
            "preview": base + quote(built["preview"]) if built.get("preview") else None,
            "error": result.get("error") if state == "failed" else None,
            "updated": updated,
        }

    def save_settings(self) -> None:
        """Write the settings where `worker` processes find them."""
        data = {"folder": str(self.folder), "base_url": self.settings.base_url, "name": self.settings.name,
                "options": options_to_json(self.settings.options), "allow_private_urls": self.settings.allow_private_urls}
        write_atomically(self.settings.state_folder / SETTINGS_FILE,
                         json.dumps(data, ensure_ascii=False, indent=1).encode() + b"\n")


FEED_LOCK = ".feed"  # the lock of the feed's writers: no article id starts with a dot


class FeedWriter:
    """Rewrites the folder's feed.xml after editions change, in a thread of its own: requests that come while it
    writes, or soon after, make one more rewrite, not one each (a feed of n editions reads n manifests), and no
    build waits for it."""

    def __init__(self, folder: Path, base_url: str, queue: Queue | None = None):
        self.folder, self.base_url, self.queue = folder, base_url, queue
        self.wanted = threading.Event()
        self.thread: threading.Thread | None = None
        self.guard = threading.Lock()

    def request(self) -> None:
        self.wanted.set()
        with self.guard:
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="feed", daemon=True)
                self.thread.start()

    def run(self) -> None:
        from audio import batch

        while True:
            self.wanted.wait()
            self.wanted.clear()
            began = time.monotonic()
            with self.queue.lock(FEED_LOCK) if self.queue else contextlib.nullcontext(True) as mine:
                if not mine:  # another worker writes it now; once more after the pause
                    self.wanted.set()
                else:
                    self.rewrite(batch.update_feed)
            # a pause after each rewrite, four times as long as it took (at least a second): changes meanwhile
            # make one rewrite, and a large folder's feed never takes more than a fifth of the time
            time.sleep(max(1.0, 4 * (time.monotonic() - began)))

    def rewrite(self, update_feed) -> None:
        """Write feed.xml, first removing what writers killed mid-write left (`.feed.xml.*.part`): under the
        feed's lock no other worker of this service is writing one."""
        for leftover in self.folder.glob(f".{FEED_FILE}.*{PART}"):
            leftover.unlink(missing_ok=True)
        try:
            update_feed(self.folder, self.base_url)
        except (EditionError, OSError) as exc:
            log.warning("the feed was not rewritten: %s", message(exc))


def load_settings(folder: Path, queue: str | None, cache_dir: Path | None = None,
                  state: Path | None = None) -> Settings:
    """Return the settings that `serve --api` saved for `folder` (for a worker); raise EditionError if there are none."""
    state_folder = state or Path(folder) / STATE_FOLDER
    data = read(state_folder / SETTINGS_FILE)
    if data is None:
        raise EditionError(f"{folder}: no service here yet; start `audio-edition serve --api -d {folder}` first")
    options = options_from_json(data.get("options") or {})
    if cache_dir:
        options = dataclasses.replace(options, cache_dir=cache_dir)
    return Settings(Path(folder), str(data.get("base_url") or ""), options, state, queue,
                    bool(data.get("allow_private_urls")), name=str(data.get("name") or "audio_edition"))


def named(settings: Settings) -> Settings:
    """Return the settings with the folder's own queue name: the one saved before, else a new one."""
    saved = read(settings.state_folder / SETTINGS_FILE) or {}
    name = str(saved.get("name") or f"audio_edition_{secrets.token_hex(4)}")
    return dataclasses.replace(settings, name=name if re.fullmatch(r"[A-Za-z0-9_]{1,64}", name) else settings.name)


SAVED = ("audio_format", "engine", "voice_settings", "speed", "cache_dir", "bitrate", "intro_line", "sidecars", "lexicons",
         "cover", "intro", "outro")


def options_to_json(options: BuildOptions) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(options, name) for name in SAVED}
    for name in ("cache_dir", "cover", "intro", "outro"):
        data[name] = str(getattr(options, name)) if getattr(options, name) else None
    data["lexicons"] = [str(p) for p in options.lexicons]
    data["sidecars"] = list(options.sidecars)
    data["voice_settings"] = dict(options.voice_settings)
    data["engine"] = str(options.engine)
    data["pauses"] = dataclasses.asdict(options.pauses)
    data["loudness"] = dataclasses.asdict(options.loudness)
    return data


def options_from_json(data: dict[str, Any]) -> BuildOptions:
    given = {name: data[name] for name in SAVED if name in data}
    given["lexicons"] = tuple(given.get("lexicons") or ())
    given["sidecars"] = tuple(given.get("sidecars") or sidecars.KINDS)
    if "pauses" in data:
        given["pauses"] = Pauses(**data["pauses"])
    if "loudness" in data:
        given["loudness"] = Target(**data["loudness"])
    return BuildOptions(**given)
