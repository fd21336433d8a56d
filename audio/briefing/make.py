"""Make a briefing: read the articles, plan them through the shared cache, make only what it lacks, join, publish."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audio import engines, files
from audio.briefing.options import INTRO_WORDING, BriefingOptions, check, day_of, episode_title, fill, german_day
from audio.briefing.pick import Given, Picked, pick
from audio.briefing.timeline import Block, Layout
from audio.briefing.write import write_audio
from audio.build import choose_engine, now
from audio.edition import cache as cache_mod
from audio.edition import manifest
from audio.edition.assemble import SectionEncoder
from audio.edition.cache import Cache
from audio.edition.plan import SectionPlan, TextCache, level_settings, missing_chunks, output_path, plan_sections
from audio.edition.synthesis import synthesise_missing
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.events import Events, NoEvents
from audio.podcast.publish import publish, staging
from audio.read.article import Article, Section, iso_639_2, language_of
from audio.read.source import Source
from audio.sound.export import TOC_ENTRIES, Chapter, Tags, read_cover
from audio.sound.formats import AudioFormat


@dataclass(frozen=True)
class BriefingArticle:
    """One article of a briefing as made."""

    title: str
    article: str  # as given: a path or a link
    start: float  # where its chapter starts, seconds
    sections: int
    state: str  # "new", "changed" or "unchanged" against the previous briefing of the same file
    synthesised: int  # its chunks that had to be synthesised


@dataclass(frozen=True)
class BriefingResult:
    output: Path
    duration: float
    chapters: list[Chapter]
    articles: list[BriefingArticle]
    synthesised: int  # chunks synthesised
    reused: int  # chunks the cache had
    encoded: int  # sections encoded (MP3: those the cache did not have whole)
    engine: str  # the voice as a user reads it
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (article, why) left out with skip_bad
    voice_report: str | None = None
    feed: Path | None = None  # briefings.xml, when asked for


def digest(sources: Sequence[Given] = (), options: BriefingOptions | None = None, events: Events | None = None,
           **overrides: Any) -> BriefingResult:
    """Make the briefing of `sources` (files, folders, links, Articles) and return what was made.

    Or, with no sources, of `from_dir=` (the article editions built in a folder) or `from_feed=`
    (a newsroom's RSS or Atom feed). The options are `options` with any `overrides` by name, e.g.
    `digest(["a.md", "b.md"], engine="espeak", title="Morgenbriefing")`.
    """
    options = replace(options or BriefingOptions(), **overrides)
    events = events or NoEvents()
    check(options)
    output, fmt = briefing_path(options)
    previous = previous_briefing(output)
    extras = checked_files(options)  # a missing jingle or a bad cover fails before anything is read
    skipped: list[tuple[str, str]] = []
    picked = pick(sources, options, events, skipped)
    titles = [p.source.article.title for p in picked]
    engine, voice_settings = voice_for(picked, options, events)
    store = Cache(options.cache_dir or cache_mod.default_dir())
    texts = TextCache(store)
    levels_for = level_settings(engine.cache_key(), options)
    blocks = plan_blocks(picked, titles, engine, options, store, texts, levels_for, output.parent)
    check_toc(fmt, blocks, options.chapters)
    plans = [plan for block in blocks for plan in block.plans + block.trailing]
    todo = [plan for plan in plans if plan.encoded is None] if fmt.joined else plans
    waiting = {id(plan) for plan in todo}
    missing_by_block = [len(missing_chunks([p for p in block.plans if id(p) in waiting], store)) for block in blocks]
    with SectionEncoder(store, options, events) as encoder:  # MP3 sections are encoded while the voice speaks
        synthesised = len(synthesise_missing(todo, engine, store, events, encoder.submit if fmt.joined else None))
        encoder.finish()
    tags = briefing_tags(options, picked, titles, extras["cover"])
    created = previous.created if previous and previous.created else now()
    with store.lock(output), staging(output) as staged:
        layout, clip_keys = write_audio(staged, fmt, blocks, store, options, tags, extras, events)
        record = briefing_manifest(output, engine, blocks, layout, picked[0].source.article.language,
                                   options.title.strip(), tags, created,
                                   voice_settings, levels_for, (*texts.keys, *clip_keys))
        publish(record, staged, output, options.sidecars)
    feed_path = update_feed(output.parent, options) if options.feed else None
    total = sum(len(plan.chunk_keys) for plan in plans)
    made = [article_result(block, span, previous, missed)
            for block, span, missed in zip(blocks, layout.spans, missing_by_block) if block.origin]
    return BriefingResult(output, layout.chapters[-1].end, layout.chapters, made, synthesised, total - synthesised,
                          len(todo), engine.describe(), skipped, engine.report(), feed_path)


def briefing_path(options: BriefingOptions) -> tuple[Path, AudioFormat]:
    """Return where the briefing goes (`output`, else <output_dir or output>/briefing-<day>.<format>) and its format."""
    return output_path(f"briefing-{day_of(options).isoformat()}", options)


def previous_briefing(output: Path) -> manifest.Manifest | None:
    """Return the manifest of the previous briefing at `output`; refuse to overwrite an article's edition."""
    record = manifest.load(manifest.path_for(output))
    if record is None:
        return None
    if not record.articles and (output.parent / record.audio).exists():
        raise EditionError(f"{output} is an article's edition ({record.article or record.title}); "
                           "give the briefing another name")
    if record.audio != output.name and (output.parent / record.audio).exists():
        raise EditionError(f"{manifest.path_for(output)} records {record.audio}, which shares this briefing's name "
                           f"and its transcript and chapter files; give {output.name} another name or delete "
                           f"{record.audio} first")
    return record


def checked_files(options: BriefingOptions) -> dict[str, Path | None]:
    """Return the audio and image files the briefing adds, each checked now, before any work."""
    found: dict[str, Path | None] = {}
    for name, kind in (("intro", "audio file"), ("outro", "audio file"), ("jingle", "audio file"),
                       ("cover", "cover image")):
        path = getattr(options, name)
        if path is not None and not Path(path).exists():
            raise EditionError(f"{name} {path}: no such {kind}")
        found[name] = files.check_regular(Path(path), kind) if path is not None else None
    if found["cover"] is not None:
        read_cover(found["cover"])
    return found


def voice_for(picked: list[Picked], options: BriefingOptions, events: Events) -> tuple[Engine, dict[str, Any]]:
    """Return the briefing's voice, loaded, and its settings.

    With `auto`, the voice its articles' editions were built with when they all agree, else as
    `build` chooses. An article whose edition has another voice is spoken again in this one (a notice says so).
    """
    built = [p.built for p in picked if p.built is not None]
    voices = {(r.engine, json.dumps(r.voice_settings, sort_keys=True, default=str)) for r in built}
    agreed = built[0] if options.engine == engines.AUTO and len(voices) == 1 else None
    intro = Source(Article(options.title, (Section(options.title, ()),)))
    engine, settings = choose_engine(options, intro, agreed, events)
    for item in picked:
        if item.built is not None and item.built.voice != engine.cache_key():
            events.notice(f"{item.label}: its edition has another voice or speed ({item.built.engine}); "
                          f"the briefing says it in {engine.describe()}")
    return engine, settings


def plan_blocks(picked: list[Picked], titles: list[str], engine: Engine, options: BriefingOptions, store: Cache,
                texts: TextCache, levels_for: str, folder: Path) -> list[Block]:
    """Return the introduction and each article as blocks of section plans, filled from the cache where it can.

    A new introduction is encoded first at the level of the last one in `folder` (its loudness search is
    saved when that is still on target).
    """
    values = spoken_values(options, picked, titles)
    blocks = []
    if options.spoken_intro:
        text = fill(options.intro_line or INTRO_WORDING, values, "intro_line")
        known = {} if options.intro_line else {text: intro_sentences(values, titles)}
        plans = spoken_plans(text, options, engine, store, KnownSentences(texts, known), levels_for)
        plans[0].level_hint = plans[0].level_hint or last_level(folder, levels_for)
        blocks.append(Block(options.title, plans))
    article_options = replace(options, intro_line=None)  # the briefing's wording is not each article's
    for item in picked:
        plans = plan_sections(item.source, engine, article_options, store, texts, item.built, levels_for)
        blocks.append(Block(item.source.article.title, plans, item.label))
    if options.outro_line:
        blocks[-1].trailing = spoken_plans(fill(options.outro_line, values, "outro_line"), options, engine, store,
                                           texts, levels_for)
    return blocks


def spoken_values(options: BriefingOptions, picked: list[Picked], titles: list[str]) -> dict[str, str]:
    """Return what the intro and outro lines may name: {title}, {date}, {topics}, {author}, {publication}."""
    day = day_of(options)
    weekday, rest = german_day(day).split(", ", 1)
    values = {"title": options.title.strip(), "date": f"{weekday}, dem {rest}",
              "topics": " ".join(as_sentence(t) for t in titles),
              "author": common(p.source.article.meta.get("author", "") for p in picked),
              "publication": common(p.source.article.meta.get("publication", "") for p in picked)}
    return {name: without_braces(value) for name, value in values.items()}


def without_braces(text: str) -> str:
    """Return a value to put in a spoken line: braces cannot open placeholders of their own there."""
    return text.replace("{", "(").replace("}", ")")


def as_sentence(title: str) -> str:
    """Return a title as a sentence of the list of topics: with its own closing mark, else a full stop."""
    title = title.strip()
    return title if title[-1:] in ".!?…" else title + "."


def intro_sentences(values: dict[str, str], titles: list[str]) -> list[str]:
    """Return the sentences of the default introduction (INTRO_WORDING), as the briefing makes them."""
    topics = [without_braces(as_sentence(title)) for title in titles]
    return [f"{values['title']} vom {values['date']}.", f"Die Themen: {topics[0]}", *topics[1:]]


class KnownSentences(TextCache):
    """The text cache, with the sentences of a text the briefing made itself known instead of found.

    The default introduction is new every day; the sentence splitter, started for it alone, would cost
    more than the rest of a briefing of articles already built.
    """

    def __init__(self, texts: TextCache, known: dict[str, list[str]]):
        super().__init__(texts.store)
        self.keys = texts.keys  # one list: everything used is recorded for the manifest (and kept by a prune)
        self.known = known

    def split(self, paragraph: str) -> list[str]:
        return list(self.known[paragraph]) if paragraph in self.known else super().split(paragraph)


def last_level(folder: Path, levels_for: str) -> tuple[float, float] | None:
    """Return the level the newest briefing in `folder` encoded its first section at, for the same voice and
    loudness, if there is one: the level to try first for a new introduction."""
    for path in sorted(Path(folder).glob("briefing-*.json"), reverse=True)[:3]:
        record = manifest.load(path)
        if record is not None and record.articles and record.levels_for == levels_for and record.sections:
            return record.sections[0].level
    return None


def common(values: Iterable[str]) -> str:
    """Return the one value all articles share, else ""."""
    found = set(values)
    return found.pop() if len(found) == 1 else ""


def spoken_plans(text: str, options: BriefingOptions, engine: Engine, store: Cache, texts: TextCache,
                 levels_for: str) -> list[SectionPlan]:
    """Return the plan of one section that says `text` (the introduction, the outro line), sentence by sentence."""
    source = Source(Article(options.title, (Section(options.title, ()),)))
    return plan_sections(source, engine, replace(options, intro_line=text), store, texts, None, levels_for)


def check_toc(fmt: AudioFormat, blocks: list[Block], depth: str) -> None:
    """Raise EditionError, before any synthesis, when the format cannot hold the briefing's chapters."""
    articles = [len(block.plans) for block in blocks if block.origin]
    count = len(blocks) - len(articles) + (sum(articles) if depth == "sections" else len(articles))
    if count > fmt.max_chapters:
        raise EditionError(f"the briefing has {count} chapters, but {fmt.name.upper()} holds at most "
                           f"{fmt.max_chapters}; make smaller briefings or choose another format")
    if fmt.joined and depth == "sections" and max([len(blocks), *articles]) > TOC_ENTRIES:
        raise EditionError(f"a nested table of contents holds at most {TOC_ENTRIES} articles of at most "
                           f"{TOC_ENTRIES} sections each; make smaller briefings or use chapters='articles'")


def briefing_tags(options: BriefingOptions, picked: list[Picked], titles: list[str], cover: Path | None) -> Tags:
    """Return the episode's tags: they name the briefing, not its first article."""
    metas = [p.source.article.meta for p in picked]
    return Tags(title=episode_title(options), artist=common(m.get("author", "") for m in metas),
                album=common(m.get("publication", "") for m in metas) or "audio-edition",
                date=day_of(options).isoformat(), comment=description(titles), cover=cover,
                language=iso_639_2(language_of(metas[0])))


def description(titles: list[str]) -> str:
    return "Die Themen: " + "; ".join(t.strip() for t in titles)


def briefing_manifest(output: Path, engine: Engine, blocks: list[Block], layout: Layout, language: str, show: str,
                      tags: Tags, created: str, voice_settings: dict, levels_for: str,
                      keys: tuple[str, ...]) -> manifest.Manifest:
    """Return the record of the briefing: its chapters with every sentence's times, and the articles it holds."""
    articles = tuple({"article": block.origin, "title": block.title, "start": round(start, 3), "end": round(end, 3),
                      "sections": [plan.key for plan in block.plans]}
                     for block, (start, end) in zip(blocks, layout.spans) if block.origin)
    section_keys = [plan.key for block in blocks for plan in block.plans + block.trailing]
    return manifest.Manifest(
        article="", title=tags.title, audio=output.name, engine=engine.name, voice=engine.cache_key(),
        duration=round(layout.chapters[-1].end, 3), sections=tuple(layout.sections),
        meta={"date": tags.date, "language": language, "show": show,
              **({"author": tags.artist} if tags.artist else {}),
              **({"publication": tags.album} if tags.album != "audio-edition" else {})},
        description=tags.comment, created=created, sentences=tuple(dict.fromkeys((*keys, *section_keys))),
        voice_settings=voice_settings, levels_for=levels_for, articles=articles,
    )


def article_result(block: Block, span: tuple[float, float], previous: manifest.Manifest | None,
                   synthesised: int) -> BriefingArticle:
    """Return what the briefing made of one article, and how it differs from the previous briefing's."""
    before = {a.get("article"): a.get("sections") for a in previous.articles} if previous else {}
    keys = [plan.key for plan in block.plans]
    state = "new" if block.origin not in before else "unchanged" if before[block.origin] == keys else "changed"
    return BriefingArticle(block.title, block.origin, round(span[0], 3), len(block.plans), state, synthesised)


def update_feed(folder: Path, options: BriefingOptions) -> Path:
    """Write `folder`/briefings.xml, the feed of the folder's briefings alone; return its path."""
    from audio.batch import DEFAULT_BASE_URL, published_at
    from audio.podcast import feed

    base = options.base_url or published_at(folder, feed.BRIEFINGS_FILE) or published_at(folder) or DEFAULT_BASE_URL
    feed.check_base_url(base)
    path, _ = feed.write_feed(folder, base, feed.briefing_channel(folder), briefings=True)
    return path

