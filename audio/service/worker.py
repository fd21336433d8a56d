"""The workers: take an article from the queue, build its newest revision with the incremental build, record it.

A worker holds the article's lock for the whole build and, once it lets go, looks again: a revision
accepted meanwhile is built next (so 2, 3 and 4 arriving while 1 builds make one build, of 4), and a
worker that found the lock taken can drop its task, because the holder will look again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Any

from audio import batch, files
from audio.atomic import write_atomically
from audio.build import BuildResult, build
from audio.edition import manifest
from audio.errors import EditionError, message
from audio.events import NoEvents
from audio.podcast import sidecars
from audio.read import fetch
from audio.read.article import Article
from audio.read.source import Source, open_link, parse_article
from audio.service.desk import Desk
from audio.service.queue import worker_name
from audio.service.store import now

log = logging.getLogger(__name__)

HEARTBEAT = 10.0  # seconds between a worker's signs of life


class Workers:
    """`count` threads that build what the queue rings for, with the voices loaded once for all of them."""

    def __init__(self, desk: Desk, count: int, on_event=None, report=None, name: str | None = None):
        self.desk = desk
        self.count = count
        self.name = name or worker_name()
        self.on_event = on_event or (lambda kind, status: None)  # ("article.ready" | …, status object)
        self.report = report or log.info  # one line per build started and ended, for the console
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.voices: dict[tuple, batch.SharedVoices] = {}
        self.voices_lock = threading.Lock()
        desk.queue.handler = self.handle

    def start(self) -> None:
        for number in range(self.count):
            thread = threading.Thread(target=self.loop, name=f"worker-{number}", daemon=True)
            thread.start()
            self.threads.append(thread)
        if self.count:
            threading.Thread(target=self.beat, name="heartbeat", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()

    def beat(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(Exception):
                self.desk.queue.beat(self.name)
            self.stopping.wait(HEARTBEAT)

    def loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.desk.queue.take_and_run(wait=1.0)
            except Exception as exc:  # noqa: BLE001 - the queue's store is away: wait and try again
                log.warning("the queue does not answer (%s); trying again", exc)
                self.stopping.wait(1.0)

    def handle(self, article_id: str) -> None:
        """Build the article's newest revision unless another worker has it (which then looks again)."""
        while not self.stopping.is_set():
            with self.desk.queue.lock(article_id) as held:
                if not held:
                    return
                self.build_newest(article_id)
            if not self.owed(article_id):
                return

    def owed(self, article_id: str) -> bool:
        return self.desk.store.owed(article_id)

    def build_newest(self, article_id: str) -> None:
        """Build the newest revision of the article (holding its lock) and record the outcome."""
        store = self.desk.store
        newest = store.newest(article_id)
        if newest is None or not self.owed(article_id):
            return
        revision = newest["revision"]
        stale = store.stale(article_id)
        store.mark_building(article_id, revision, self.name)
        result = store.result(article_id)
        started = time.time()
        self.report(f"{started:.3f} {self.name} building {article_id} revision {revision}")
        try:
            built = self.build_again_once(article_id, newest)
            result = {**result, "revision": revision, "built": built, "failed_revision": None, "error": None,
                      "updated": now()}
            kind = "article.ready"
        except (EditionError, OSError) as exc:
            result = {**result, "revision": revision, "failed_revision": revision, "error": message(exc),
                      "updated": now()}
            kind = "article.failed"
        except Exception as exc:  # noqa: BLE001 - a bug must fail this article, not stop the worker
            log.exception("building %s failed", article_id)
            result = {**result, "revision": revision, "failed_revision": revision,
                      "error": f"internal error: {type(exc).__name__}", "updated": now()}
            kind = "article.failed"
        finally:
            store.clear_building(article_id)
        outcome = "ready" if kind == "article.ready" else f"failed: {result.get('error')}"
        self.report(f"{time.time():.3f} {self.name} {article_id} revision {revision} {outcome} "
                    f"({time.time() - started:.2f} s)")
        if store.is_deleted_after(article_id, revision):  # deleted while it was built: discard what it wrote
            remove_edition(self.desk, article_id)
            self.update_feed()
            return
        store.save_result(article_id, result)
        store.clear_stale(article_id, stale)
        if kind == "article.ready":
            store.forget_older(article_id, revision)
            self.update_feed()
        status = self.desk.status(article_id)
        if status is not None:
            self.on_event(kind, status)

    def build_again_once(self, article_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """Build one revision; once more when the build says running it again goes on (a chunk that `cache prune`
        removed meanwhile, a voice that failed for a moment: what was made is cached)."""
        try:
            return self.build(article_id, record)
        except EditionError as exc:
            if "run the build again" not in str(exc):
                raise
            log.warning("%s: %s; building it once more", article_id, message(exc))
            return self.build(article_id, record)

    def build(self, article_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """Build one revision; return what the status object tells of it."""
        settings = self.desk.settings
        given = record.get("options") or {}
        options = settings.options
        voice_settings = dict(options.voice_settings)
        if given.get("voice"):
            voice_settings["voice"] = given["voice"]
        house = self.desk.lexicon_path()
        options = dataclasses.replace(options, lexicons=(*options.lexicons, house) if house.is_file() else options.lexicons,
                                      engine=given.get("engine") or options.engine,
                                      speed=float(given.get("speed") or options.speed),
                                      voice_settings=voice_settings, output=self.desk.audio_path(article_id),
                                      fmt=None, preview=self.desk.preview_path(article_id),
                                      # the CMS's id is the edition: a corrected headline or a moved link is an edit
                                      replace=True)
        source = with_metadata(self.source(article_id, record), record.get("meta") or {})
        image = (record.get("meta") or {}).get("image")
        if image:
            options = dataclasses.replace(options, cover=self.cover(article_id, image))
        engine, chosen = self.voices_for(options).for_edition(source, self.desk.audio_path(article_id), NoEvents())
        # on one machine, the cache's file lock also keeps a `build` of the same folder off the edition; across
        # machines it is not reliable (network file systems), and the Redis lock held for the whole build replaces it
        built = build(source, dataclasses.replace(options, engine=engine, voice_settings=chosen),
                      publish_lock=nothing_to_hold if self.desk.queue.redis is not None else None)
        return describe(built, record["revision"])

    def source(self, article_id: str, record: dict[str, Any]) -> Source:
        if record.get("url"):
            limits = fetch.Limits(private_addresses=self.desk.settings.allow_private_urls)
            return open_link(record["url"], limits)
        article = parse_article(record.get("text") or "", record.get("format") or "text", name=article_id)
        return Source(article)

    def cover(self, article_id: str, url: str) -> Path:
        """Return the cover the CMS names (`image`), fetched under the rules of article links, in the state folder."""
        limits = fetch.Limits(private_addresses=self.desk.settings.allow_private_urls, max_bytes=files.LIMITS["cover image"],
                              accept=("image/jpeg", "image/png"))
        page = fetch.get_page(url, limits)
        path = self.desk.settings.state_folder / "covers" / f"{article_id}.png"
        write_atomically(path, page.data)  # read back (and its kind told from its bytes) by the build
        return path

    def voices_for(self, options) -> batch.SharedVoices:
        """Return the voices of builds with these options, each voice loaded once for all the workers."""
        key = (str(options.engine), options.speed, tuple(sorted(options.voice_settings.items())))
        with self.voices_lock:
            if key not in self.voices:
                self.voices[key] = batch.SharedVoices(options)
            return self.voices[key]

    def update_feed(self) -> None:
        self.desk.feed.request()


@contextlib.contextmanager
def nothing_to_hold(output: Path):
    """The article's lock is held for the whole build already (a Redis lock across machines)."""
    yield


def with_metadata(source: Source, meta: dict[str, str]) -> Source:
    """Return the source with what the CMS knows better than the text: title, author, date, link, image."""
    if not meta:
        return source
    article = source.article
    merged: Any = {**article.meta, **{k: v for k, v in meta.items() if k != "title"}}
    title = meta.get("title") or article.title
    return dataclasses.replace(source, article=Article(title, article.sections, merged, article.notices))


def describe(built: BuildResult, revision: int) -> dict[str, Any]:
    """Return what the status object tells of a build."""
    output = built.output
    page = sidecars.path_for(output, "html")
    return {
        "revision": revision,
        "audio": output.name,
        "page": page.name if page.exists() else None,
        "duration": round(built.duration, 3),
        "chapters": [{"title": c.title, "start": round(c.start, 3), "end": round(c.end, 3)} for c in built.chapters],
        "changes": [{"kind": c.kind, "title": c.title, "old_title": c.old_title or None} for c in built.changes or []],
        "preview": built.preview.name if built.preview else None,
    }


def remove_edition(desk: Desk, article_id: str) -> None:
    """Remove the article's edition from the folder: audio, manifest and the files beside it."""
    output = desk.audio_path(article_id)
    record = manifest.load(manifest.path_for(output))
    names = {output.name, record.audio if record else output.name}
    desk.preview_path(article_id).unlink(missing_ok=True)
    (desk.settings.state_folder / "covers" / f"{article_id}.png").unlink(missing_ok=True)
    for name in names:
        audio = desk.folder / name
        for path in (audio, manifest.path_for(audio), *(sidecars.path_for(audio, kind) for kind in sidecars.KINDS)):
            path.unlink(missing_ok=True)


def reconcile(desk: Desk) -> int:
    """Ring for every article whose newest revision is not built, failed, queued or being built; return how many."""
    waiting = desk.queue.waiting()
    rung = 0
    for article_id in desk.store.ids():
        newest = desk.store.newest(article_id)
        if newest is None or article_id in waiting or desk.queue.locked(article_id) or not desk.store.owed(article_id):
            continue
        desk.store.clear_building(article_id)  # a killed worker's mark
        desk.queue.put(article_id)
        rung += 1
    return rung


class Reconciler:
    """Reconcile now and then every `every` seconds, in a thread."""

    def __init__(self, desk: Desk, every: float):
        self.desk, self.every = desk, every
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.run, name="reconcile", daemon=True).start()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                rung = reconcile(self.desk)
                if rung:
                    log.info("reconcile: %d articles queued again", rung)
            except Exception as exc:  # noqa: BLE001 - try again next time
                log.warning("reconcile failed: %s", exc)

    def stop(self) -> None:
        self.stopping.set()


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
