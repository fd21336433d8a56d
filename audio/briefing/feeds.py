"""A newsroom's RSS or Atom feed (a link or a file) read as the articles it links to, with their items' dates.

Parsed by feedparser, which reads RSS 0.9x to 2.0, RSS 1.0 and Atom, malformed ones too; it is
given the bytes, never a URL, so every download goes through audio.read.fetch (bounded, retried).
"""

from __future__ import annotations

import calendar
import datetime
import logging
from pathlib import Path

from audio import files
from audio.errors import EditionError
from audio.read import fetch
from audio.read.source import is_link

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
              "application/x-rss+xml", "text/plain")
MAX_BYTES = 10_000_000


def items(feed: str) -> list[tuple[str, datetime.datetime | None]]:
    """Return the link and date (published, else updated) of every item of the feed that links to a web page."""
    import feedparser

    if is_link(feed):
        page = fetch.get_page(feed, fetch.Limits(accept=FEED_TYPES, what="a feed", max_bytes=MAX_BYTES))
        data, base = page.data, page.url
    else:
        if not Path(feed).exists():
            raise EditionError(f"{feed}: no such feed file")
        data, base = files.read_bytes(Path(feed), "feed"), ""
    parsed = feedparser.parse(data, response_headers={"content-location": base} if base else None)
    if not parsed.entries:
        why = "not an RSS or Atom feed" if parsed.get("bozo") and not parsed.feed else "the feed has no items"
        raise EditionError(f"{feed}: {why}")
    found = []
    for entry in parsed.entries:
        link = entry.get("link", "")
        if not is_link(link):
            log.warning("%s: an item without a web link (%r) is left out", feed, entry.get("title", ""))
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        day = datetime.datetime.fromtimestamp(calendar.timegm(stamp), datetime.timezone.utc) if stamp else None
        found.append((link, day))
    if not found:
        raise EditionError(f"{feed}: no item links to a web page")
    return found
