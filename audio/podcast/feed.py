"""The podcast feed: RSS 2.0 with iTunes and Podcasting 2.0 tags, made from the editions' manifests.

Written with the standard library's ElementTree, which escapes every text and attribute; the
maintained feed libraries (feedgen) know the iTunes tags but not `podcast:chapters` or
`podcast:transcript`.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import logging
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from urllib.parse import quote

from audio.atomic import write_atomically
from audio.edition import manifest
from audio.errors import EditionError
from audio.files import MB, parse_json, read_kept
from audio.podcast import sidecars
from audio.read.article import language_of, without_controls
from audio.sound import formats

log = logging.getLogger(__name__)

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
SETTINGS_FILE = "feed.json"  # the channel's settings, kept beside the feed so later runs reuse them
FEED_FILE = "feed.xml"
BRIEFINGS_FILE = "briefings.xml"  # the feed of the folder's briefings alone (audio.briefing), apart from the articles'


@dataclass(frozen=True)
class Channel:
    title: str = "Audio-Ausgaben"
    description: str = "Artikel zum Hören, gelesen von audio-edition."
    author: str = ""
    image: str = ""  # a URL, or a file name in the output folder
    category: str = "News"
    explicit: bool = False
    language: str = "de"


def load_channel(folder: Path) -> Channel:
    """Return the channel settings saved in `folder`, or the defaults."""
    path = Path(folder) / SETTINGS_FILE
    try:
        found = read_kept(path, MB)
    except ValueError as exc:  # a pipe would wait forever, a device fill the memory
        log.warning("ignoring %s (%s); using the default channel settings", path, exc)
        found = None
    if found is None:
        return Channel()
    try:
        data = parse_json(found.decode("utf-8"))
    except ValueError as exc:
        raise EditionError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EditionError(f"{path}: expected the channel's settings as a JSON object")
    types = {f.name: type(f.default) for f in fields(Channel)}
    wrong = [k for k, v in data.items() if k in types and not isinstance(v, types[k])]
    if wrong:
        raise EditionError(f"{path}: {wrong[0]!r} should be {'true or false' if types[wrong[0]] is bool else 'text'}")
    return Channel(**{k: v for k, v in data.items() if k in types})


BRIEFING_DESCRIPTION = "Die Nachrichten des Tages in einer Folge, ein Kapitel je Artikel."


def briefing_channel(folder: Path) -> Channel:
    """Return the channel of the folder's briefings feed: the folder's settings, titled with the show of its newest
    briefing (the `title` it was made with, which its manifest's meta records as `show`)."""
    channel = load_channel(folder)
    found = editions(folder, briefings=True)
    show = str(found[0][0].meta.get("show") or "") if found else ""
    return replace(channel, title=show or channel.title, description=BRIEFING_DESCRIPTION)


def place_image(folder: Path, image: str) -> str:
    """Return the feed's image as a URL or a file name in `folder`, copying a file from elsewhere into it."""
    if "://" in image:
        return image
    source, inside = Path(image), Path(folder) / Path(image).name
    if source.is_file():
        if not inside.exists() or not inside.samefile(source):
            shutil.copyfile(source, inside)
        return inside.name
    if inside.is_file():
        return inside.name
    raise EditionError(f"{image}: no such image; give an image file or a URL")


def check_base_url(base_url: str) -> None:
    if not re.match(r"https?://[^/\s]+", base_url):
        raise EditionError(f"{base_url}: the base URL must start with http:// or https:// and name a host")


def save_channel(folder: Path, channel: Channel) -> None:
    text = json.dumps(asdict(channel), ensure_ascii=False, indent=1) + "\n"
    write_atomically(Path(folder) / SETTINGS_FILE, text.encode("utf-8"))


def editions(folder: Path, briefings: bool = False) -> list[tuple[manifest.Manifest, Path]]:
    """Return every edition of one article in `folder` (with `briefings`, every briefing instead) whose audio is
    there, newest first."""
    found = [(record, audio) for record, audio in recorded(folder)
             if manifest.describes(record, audio) and bool(record.articles) == briefings]
    return sorted(found, key=lambda pair: published(pair[0]), reverse=True)


def unmatched(folder: Path) -> list[str]:
    """Return the audio files in `folder` that their manifest does not describe (a build cut short; left out)."""
    return [audio.name for record, audio in recorded(folder) if not manifest.describes(record, audio)]


def recorded(folder: Path) -> list[tuple[manifest.Manifest, Path]]:
    """Return every manifest in `folder` whose audio file is there, with that file."""
    found = []
    for path in sorted(Path(folder).glob("*.json")):
        record = manifest.load(path)
        if record is not None and (Path(folder) / record.audio).is_file():
            found.append((record, Path(folder) / record.audio))
    return found


def write_feed(folder: Path, base_url: str, channel: Channel, briefings: bool = False) -> tuple[Path, int]:
    """Write `folder`/feed.xml for the editions in `folder` (with `briefings`, `folder`/briefings.xml for its
    briefings); return its path and the number of items."""
    found = editions(folder, briefings)
    path = Path(folder) / (BRIEFINGS_FILE if briefings else FEED_FILE)
    write_atomically(path, rss(found, base_url, channel, path.name))
    return path, len(found)


def rss(found: list[tuple[manifest.Manifest, Path]], base_url: str, channel: Channel,
        feed_file: str = FEED_FILE) -> bytes:
    """Return the RSS document for the editions, their files addressed under `base_url`, the feed itself as
    `feed_file` there."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    for prefix, uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
        ET.register_namespace(prefix, uri)
    root = ET.Element("rss", {"version": "2.0"})
    chan = ET.SubElement(root, "channel")
    text(chan, "title", channel.title)
    text(chan, "link", base)
    text(chan, "description", channel.description)
    text(chan, "language", channel.language)
    text(chan, "generator", "audio-edition")
    text(chan, "lastBuildDate", email.utils.format_datetime(datetime.datetime.now(datetime.timezone.utc)))
    ET.SubElement(chan, f"{{{ATOM}}}link", {"href": base + feed_file, "rel": "self", "type": "application/rss+xml"})
    if channel.author:
        text(chan, f"{{{ITUNES}}}author", channel.author)
    if channel.image:
        image_url = channel.image if "://" in channel.image else base + quote(channel.image)
        ET.SubElement(chan, f"{{{ITUNES}}}image", {"href": image_url})
        image = ET.SubElement(chan, "image")
        text(image, "url", image_url)
        text(image, "title", channel.title)
        text(image, "link", base)
    ET.SubElement(chan, f"{{{ITUNES}}}category", {"text": without_controls(channel.category)})
    text(chan, f"{{{ITUNES}}}explicit", "true" if channel.explicit else "false")
    for record, audio in found:
        chan.append(item(record, audio, base))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def item(record: manifest.Manifest, audio: Path, base: str) -> ET.Element:
    """Return the <item> of one edition."""
    node = ET.Element("item")
    text(node, "title", record.title)
    if re.match(r"https?://", str(record.meta.get("link", ""))):
        text(node, "link", str(record.meta["link"]))  # the article's page (the API's `link`)
    text(node, "description", record.description or record.title)
    url = base + quote(audio.name)
    ET.SubElement(node, "enclosure", {"url": url, "length": str(audio.stat().st_size),
                                      "type": formats.mime_type(audio) or formats.MP3.mime})
    text(node, "guid", guid(audio), isPermaLink="false")
    text(node, "pubDate", email.utils.format_datetime(published(record)))
    text(node, f"{{{ITUNES}}}duration", str(round(record.duration)))
    if record.meta.get("author"):
        text(node, f"{{{ITUNES}}}author", record.meta["author"])
    for kind, tag, mime in (("chapters", "chapters", "application/json+chapters"), ("vtt", "transcript", "text/vtt"),
                            ("srt", "transcript", "application/srt")):
        sidecar = sidecars.path_for(audio, kind)
        if sidecar.is_file():
            attributes = {"url": base + quote(sidecar.name), "type": mime}
            if tag == "transcript":
                attributes["language"] = language_of(record.meta)
            ET.SubElement(node, f"{{{PODCAST}}}{tag}", attributes)
    return node


def guid(audio: Path) -> str:
    """Return an episode's GUID: made from its file name, so regenerating the edition keeps it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"audio-edition:{audio.stem}"))


def published(record: manifest.Manifest) -> datetime.datetime:
    """Return when an edition was published: the article's date, else when it was first built."""
    for value in (record.meta.get("date", ""), record.created):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def text(parent: ET.Element, tag: str, value: str, **attributes: str) -> ET.Element:
    """Return a new element with `value` as its text, without the control characters XML 1.0 forbids."""
    node = ET.SubElement(parent, tag, attributes)
    node.text = without_controls(value)  # settings and older manifests did not come through the article reader
    return node
