"""Which articles a briefing takes, in which order: the sources given, the editions of a folder, a feed's items.

Sources given keep their order (`newest` keeps the N newest of them, still in that order); a folder's
editions and a feed's items come newest first. An article's day is its own date (front matter, the
page's metadata), else its feed item's date, else when its edition was first built, else when its
file was last changed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from audio.batch import articles_in
from audio.briefing.options import BriefingOptions, parse_day
from audio.edition import manifest
from audio.edition.plan import output_path
from audio.errors import EditionError, message
from audio.events import Events
from audio.read.article import Article
from audio.read.source import Source, is_link, open_source

log = logging.getLogger(__name__)

Given = str | Path | Article | Source


@dataclass(frozen=True)
class Candidate:
    """An article that may be in the briefing, before it is read."""

    label: str  # as the user reads it: a path or a link
    article: Given  # what `open_source` takes
    day: datetime.datetime | None = None  # known before reading: a feed item's date, an edition's
    built: manifest.Manifest | None = None  # the article's own edition, when it came from a folder


@dataclass(frozen=True)
class Picked:
    """An article of the briefing, read."""

    label: str
    source: Source
    built: manifest.Manifest | None  # its own edition (in the folder it came from, or the output folder)
    day: datetime.datetime | None


def pick(sources: Sequence[Given], options: BriefingOptions, events: Events,
         skipped: list[tuple[str, str]]) -> list[Picked]:
    """Return the articles of the briefing, read, in the order they are spoken.

    An article that cannot be read stops the briefing with an error naming it, or with
    `skip_bad` is left out, named in a notice and in `skipped` (label, reason).
    """
    given = [s for s in (options.from_dir, options.from_feed) if s is not None]
    if len(given) + bool(sources) > 1:
        raise EditionError("give articles, from_dir='FOLDER' or from_feed='FEED', only one of them")
    if not given and not sources:
        raise EditionError("no articles: give article files, folders or links, from_dir='FOLDER' or from_feed='FEED'")
    if sources:
        candidates = [Candidate(label_of(item), item) for item in expand(sources)]
        picked = [p for p in (read(c, options, events, skipped) for c in candidates) if p is not None]
        if options.since:
            picked = [p for p in picked if p.day is None or p.day.date() >= parse_day(options.since, "since")]
        if options.newest:
            newest = set(map(id, sorted(picked, key=newest_first)[:options.newest]))
            picked = [p for p in picked if id(p) in newest]
    else:
        candidates = from_folder(options.from_dir) if options.from_dir else from_feed(str(options.from_feed))
        if options.since:
            since = parse_day(options.since, "since")
            candidates = [c for c in candidates if c.day is None or c.day.date() >= since]
        picked = []
        for candidate in sorted(candidates, key=newest_first):  # the newest that can be read
            if options.newest and len(picked) == options.newest:
                break
            found = read(candidate, options, events, skipped)
            if found is not None:
                picked.append(found)
    if not picked:
        raise EditionError("no articles left to make a briefing of" + (" (all were left out)" if skipped else ""))
    return picked


def expand(sources: Sequence[Given]) -> list[Given]:
    """Return the sources with each folder replaced by its article files (as `build` takes them)."""
    found: list[Given] = []
    for item in sources:
        found.extend([item] if isinstance(item, (Article, Source)) else articles_in([item]))
    return found


def label_of(item: Given) -> str:
    if isinstance(item, Source):
        return item.origin or item.article.title
    if isinstance(item, Article):
        return item.title
    return str(item)


def read(candidate: Candidate, options: BriefingOptions, events: Events,
         skipped: list[tuple[str, str]]) -> Picked | None:
    """Return a candidate read, or None when it cannot be and `skip_bad` says to leave it out."""
    try:
        source = open_source(candidate.article, options.fmt)
        built = candidate.built or own_edition(source, options)
    except (EditionError, OSError) as exc:
        reason = message(exc)
        text = reason if candidate.label in reason else f"{candidate.label}: {reason}"
        if not options.skip_bad:
            raise EditionError(text) from None
        events.notice(f"left out of the briefing: {text}")
        skipped.append((candidate.label, reason))
        return None
    for notice in source.article.notices:
        events.notice(notice)
    return Picked(candidate.label, source, built, day_of(source, candidate, built))


def own_edition(source: Source, options: BriefingOptions) -> manifest.Manifest | None:
    """Return the manifest of the article's own edition in the output folder, if it was built there."""
    output, _ = output_path(source.name, replace(options, output=None, audio_format=None))
    record = manifest.load(manifest.path_for(output))
    return record if record is not None and not record.articles else None


def day_of(source: Source, candidate: Candidate, built: manifest.Manifest | None) -> datetime.datetime | None:
    """Return the article's day: its own date, else its feed item's, else its edition's first build, else its file's."""
    found = moment(str(source.article.meta.get("date", ""))) or candidate.day
    if found is None and built is not None:
        found = moment(built.created)
    if found is None and source.path is not None:
        try:
            found = datetime.datetime.fromtimestamp(source.path.stat().st_mtime, datetime.timezone.utc)
        except OSError:
            pass
    return found


def moment(value: str) -> datetime.datetime | None:
    """Return an ISO date or time as an aware datetime (UTC when it names no zone), or None."""
    value = value.strip()
    if not value:
        return None
    try:
        found = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            found = datetime.datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return found if found.tzinfo else found.replace(tzinfo=datetime.timezone.utc)


OLDEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def newest_first(item: Candidate | Picked) -> float:
    """Sort key: the newest day first, articles of no known day last."""
    return -(item.day or OLDEST).timestamp()


def from_folder(folder: Path) -> list[Candidate]:
    """Return the article editions built in `folder` (not its briefings), as candidates to read again."""
    if not Path(folder).is_dir():
        raise EditionError(f"{folder}: no such folder")
    found = []
    for path in sorted(Path(folder).glob("*.json")):
        record = manifest.load(path)
        if record is None or record.articles or not (Path(folder) / record.audio).is_file():
            continue
        if not record.article:
            log.warning("%s was built from text given in Python; it cannot be read again for the briefing", path.name)
            continue
        article: Given = record.article if is_link(record.article) else Path(record.article)
        found.append(Candidate(record.article, article, moment(str(record.meta.get("date", ""))) or
                               moment(record.created), record))
    if not found:
        raise EditionError(f"{folder}: no article editions in this folder; build some first")
    return found


def from_feed(feed: str) -> list[Candidate]:
    """Return the articles a newsroom's RSS or Atom feed (a URL or a file) links to, with their items' dates."""
    from audio.briefing.feeds import items

    return [Candidate(link, link, day) for link, day in items(feed)]
