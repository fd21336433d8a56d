"""What a briefing can be asked to do: the options of a build, and the briefing's own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from audio.edition.options import BuildOptions
from audio.errors import EditionError
from audio.text.speech import PLACEHOLDER

CHAPTER_DEPTHS = ("articles", "sections")
DEFAULT_TITLE = "Die Nachrichten"
INTRO_WORDING = "{title} vom {date}. Die Themen: {topics}"  # {date}: "Mittwoch, dem 2. Dezember 2026"
PLACEHOLDERS = ("title", "date", "topics", "author", "publication")


@dataclass(frozen=True)
class BriefingOptions(BuildOptions):
    """A build's options (voice, loudness, pauses, format, output …) and what only a briefing has.

    `output` names the file; else it is `<output_dir or output>/briefing-<date>.<format>`; `output_dir` is
    also where the articles' own editions are looked for (their voice, their sections' records). `intro_line`
    replaces the introduction's wording (`{title}`, `{date}`, `{topics}`, `{author}`, `{publication}`);
    `intro` and `outro` are audio files before and after the whole briefing.
    """

    title: str = DEFAULT_TITLE  # the show's name: the intro chapter's title, the feed's; episodes add the date
    date: str | None = None  # the briefing's day, YYYY-MM-DD; else today
    gap: float = 2.0  # seconds of silence between one article's last word and the next one's title
    jingle: Path | None = None  # a short sound between articles instead of the gap's silence
    spoken_intro: bool = True  # the spoken introduction: title, date, the topics
    outro_line: str | None = None  # spoken after the last article (`{title}`, `{date}` …)
    chapters: str = "articles"  # one chapter per article, or "sections": theirs too, nested under each
    skip_bad: bool = False  # leave out an article that cannot be read (with a warning) instead of stopping
    from_dir: Path | None = None  # the article editions built in this folder (briefings left out)
    from_feed: str | None = None  # the articles a newsroom's RSS or Atom feed links to (a URL or a file)
    newest: int | None = None  # only the N newest articles
    since: str | None = None  # only articles of this day (YYYY-MM-DD) or later
    feed: bool = False  # also write the output folder's briefings.xml
    base_url: str | None = None  # with feed: where the folder is published; else the feeds' own, else localhost

    def __post_init__(self):
        super().__post_init__()
        for name in ("jingle", "from_dir"):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, Path(getattr(self, name)))


def check(options: BriefingOptions) -> None:
    """Raise EditionError for options no briefing can be made with (before anything is read)."""
    if options.chapters not in CHAPTER_DEPTHS:
        raise EditionError(f"chapters={options.chapters!r}: use {' or '.join(map(repr, CHAPTER_DEPTHS))}")
    if not 0 <= options.gap <= 30:
        raise EditionError(f"gap='{options.gap:g}': give 0 to 30 seconds")
    if options.newest is not None and options.newest < 1:
        raise EditionError(f"newest='{options.newest}': give at least 1")
    if options.since is not None:
        parse_day(options.since, "since")
    if options.date is not None:
        parse_day(options.date, "date")
    for name in ("intro_line", "outro_line"):
        if getattr(options, name):
            fill(getattr(options, name), dict.fromkeys(PLACEHOLDERS, "x"), name)
    if not options.title.strip():
        raise EditionError("the briefing's title is empty")


def fill(template: str, values: dict[str, str], name: str) -> str:
    """Return a spoken line with its placeholders filled; braces in the values cannot start new ones."""
    unknown = [m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1) not in values]
    rest = PLACEHOLDER.sub("", template)
    if unknown or "{" in rest or "}" in rest:
        raise EditionError(f"the {name.replace('_', ' ')} {template!r} may only name "
                           + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
    text = PLACEHOLDER.sub(lambda m: values[m.group(1)].replace("{", "(").replace("}", ")"), template)
    return text if text.strip() else values["title"]


def day_of(options: BriefingOptions) -> datetime.date:
    """Return the briefing's day: the one given, else today."""
    return parse_day(options.date, "date") if options.date else datetime.date.today()


def parse_day(value: str, name: str) -> datetime.date:
    """Return the day that an ISO date (or the date part of an ISO time) names; raise EditionError otherwise."""
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise EditionError(f"{name}={value!r}: give a day as YYYY-MM-DD") from None


WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")


def german_day(day: datetime.date) -> str:
    """Return a day as a German newsreader writes it: `Mittwoch, 2. Dezember 2026` (no locale needed)."""
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"


def episode_title(options: BriefingOptions) -> str:
    """Return the episode's title: the show's name and its day, so each day's episode reads apart in an app."""
    return f"{options.title.strip()} – {german_day(day_of(options))}"
