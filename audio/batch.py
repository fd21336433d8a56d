"""Build many articles in one run: files, folders of articles and links, each its own edition, side by side.

A bounded pool builds up to one article per core at a time. A voice is loaded once and shared by
all the builds, and its limit on simultaneous requests (Google's `jobs`, espeak's one at a time)
holds for the whole run, not per article. One article's failure is recorded and the others go on.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audio import engines
from audio.build import BuildResult, build, choose_voice
from audio.edition import manifest
from audio.edition.options import BuildOptions
from audio.edition.plan import output_path
from audio.engines.base import Engine
from audio.errors import EditionError, message
from audio.events import Events, NoEvents
from audio.read.source import Source, is_link, open_source
from audio.sound.clip import Speech

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
NOT_ARTICLES = ("lexicon.txt",)  # a folder's own pronunciation lexicon is not an article
DEFAULT_BASE_URL = "http://localhost:8000/"


@dataclass(frozen=True)
class BatchItem:
    """One article of a batch: what was built, or why not."""

    article: str  # as the user gave it: a path or a link
    result: BuildResult | None = None
    error: str | None = None


def articles_in(arguments: Sequence[str | Path]) -> list[str | Path]:
    """Return the articles that the arguments name: links and files as given, a folder as its article files."""
    found: list[str | Path] = []
    for argument in arguments:
        if is_link(argument):
            found.append(str(argument))
            continue
        path = Path(argument)
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                        and p.name.lower() not in NOT_ARTICLES and not p.name.startswith("."))
        if not inside:
            raise EditionError(f"{path}: no articles in this folder ({', '.join(ARTICLE_SUFFIXES)})")
        found.extend(inside)
    return found


def once_each(articles: list[str | Path], events: Events) -> list[str | Path]:
    """Return the articles without repeats (the same file by another path or through a link counts as the same),
    with a notice for each one given again."""
    seen: set[str] = set()
    unique: list[str | Path] = []
    for article in articles:
        identity = article if isinstance(article, str) else os.path.realpath(article)
        if identity in seen:
            events.notice(f"{article}: given more than once; built once")
            continue
        seen.add(identity)
        unique.append(article)
    return unique


def build_many(articles: Sequence[str | Path], options: BuildOptions | None = None, events: Events | None = None,
               jobs: int | None = None, **overrides: Any) -> list[BatchItem]:
    """Build every article's edition, up to `jobs` at once (default: one per core); return one item per article.

    `articles` are files, folders of articles and links. Editions go to `output_dir` (default
    output/), each named as `build` names it. A failure is recorded in its item and the others go on.
    """
    options = replace(options or BuildOptions(), **overrides)
    events = events or NoEvents()
    articles = once_each(articles_in(articles), events)
    if options.output is not None and len(articles) > 1:
        raise EditionError("output= names one audio file; for several articles give output_dir= instead")
    voices = SharedVoices(options)
    claimed: dict[Path, str] = {}
    lock = threading.Lock()
    events.started("Building", len(articles))

    def build_one(article: str | Path) -> BatchItem:
        label = str(article)
        told = Labelled(events, label)
        try:
            source = open_source(article, options.fmt)
            output, _ = output_path(source.name, options)
            with lock:  # two articles of one name would overwrite each other's edition
                other = claimed.setdefault(output.resolve(), label)
            if other != label:
                raise EditionError(f"its edition {output} is also that of {other}; build it on its own with output='FILE'")
            engine, settings = voices.for_edition(source, output, told)
            built = build(source, replace(options, engine=engine, voice_settings=settings, output=output), told)
            return BatchItem(label, built)
        except Exception as exc:  # noqa: BLE001 - whatever goes wrong with one article, the others are built
            if not isinstance(exc, (EditionError, OSError)):
                log.debug("%s failed", label, exc_info=True)
            return BatchItem(label, error=message(exc))
        finally:
            events.advanced()

    workers = max(1, min(len(articles), jobs or os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="article")
    try:
        return list(pool.map(build_one, articles))
    finally:  # on Ctrl-C start no more articles; what the running ones synthesised stays cached
        pool.shutdown(wait=False, cancel_futures=True)


class SharedVoices:
    """The voices of a batch, each loaded once and shared by every build that uses it.

    Each edition's voice is chosen as `build` chooses it (`choose_voice`); `auto`'s look at what can
    speak is made once per case for the whole batch (it asks Google only once).
    """

    def __init__(self, options: BuildOptions):
        self.options = options
        self.loaded: dict[tuple[str, str], SharedVoice] = {}
        self.chosen: dict[tuple, str] = {}
        self.lock = threading.Lock()

    def for_edition(self, source: Source, output: Path, events: Events) -> tuple[Engine, dict[str, Any]]:
        """Return the voice for the edition of `source` at `output`, loaded, and the settings it was loaded with."""
        options = self.options
        if not isinstance(options.engine, str):
            with self.lock:
                return self.loaded.setdefault(("", ""), SharedVoice(options.engine)), dict(options.voice_settings)
        previous = manifest.load(manifest.path_for(output))
        with self.lock:  # one choice and one load per voice for the whole batch
            name, given = choose_voice(options, source, previous, events, choose=self.choose)
            settings = dataclasses.asdict(engines.settings_for(name, given))
            key = (name, json.dumps(settings, sort_keys=True, default=str))
            if key not in self.loaded:
                self.loaded[key] = SharedVoice(engines.load(name, given, options.speed, events))
            return self.loaded[key], settings

    def choose(self, requested: str, previous: str | None, given: dict[str, Any], events: Events,
               check: bool = True) -> str:
        """Return `engines.choose`'s answer, asked once per case (called under the lock)."""
        case = (requested, previous, json.dumps(given, sort_keys=True, default=str), check)
        if case not in self.chosen:
            self.chosen[case] = engines.choose(requested, previous, given, events, check=check)
        return self.chosen[case]


class SharedVoice:
    """A voice used by several builds at once: its limit on simultaneous calls holds across all of them."""

    def __init__(self, voice: Engine):
        self.voice = voice
        self.slots = threading.BoundedSemaphore(max(1, voice.concurrency))

    def __getattr__(self, name: str):
        return getattr(self.voice, name)

    def synthesize(self, text: str) -> Speech:
        with self.slots:
            return self.voice.synthesize(text)


class Labelled:
    """Events of one article in a batch: notices name the article; progress is counted per article by the batch."""

    def __init__(self, events: Events, label: str):
        self.events, self.label = events, label

    def notice(self, text: str) -> None:
        self.events.notice(f"{self.label}: {text}")

    def started(self, stage: str, total: int) -> None:
        pass

    def advanced(self, amount: int = 1) -> None:
        pass


def update_feed(folder: Path, base_url: str | None = None) -> tuple[Path, int]:
    """Write `folder`/feed.xml with the channel settings saved there; return its path and number of items.

    The base URL is the one given, else the one the folder's feed already uses, else the local default.
    """
    from audio.podcast import feed

    base = base_url or published_at(folder) or DEFAULT_BASE_URL
    feed.check_base_url(base)
    return feed.write_feed(folder, base, feed.load_channel(folder))


def published_at(folder: Path, feed_file: str | None = None) -> str | None:
    """Return the base URL of the folder's existing feed.xml (or `feed_file`): its channel link, if there is one."""
    from audio.podcast import feed

    try:
        link = ET.parse(Path(folder) / (feed_file or feed.FEED_FILE)).getroot().findtext("channel/link")
    except (OSError, ET.ParseError):
        return None
    return link.strip() if link and link.strip() else None
