"""Make an edition: plan the chunks, synthesise what the cache lacks, assemble, write.

The orchestration only; each stage is a module of its own (plan, synthesis, assemble). Used by
the `build` and `watch` commands, the benchmark, and library users (see `audio.build`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audio import cache as cache_mod
from audio import changes, engines, lexicon, manifest, sidecars
from audio.article import Article, open_source
from audio.assemble import Assembly, SectionEncoder, bookend, edition_manifest, edition_tags, write_audio
from audio.cache import Cache
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.events import Events, NoEvents
from audio.export import Chapter
from audio.options import BuildOptions
from audio.plan import SentenceCache, missing_chunks, output_path, plan_sections, previous_states
from audio.synthesis import synthesise_missing


@dataclass(frozen=True)
class BuildResult:
    output: Path
    duration: float  # seconds; 0 for a dry run
    chapters: list[Chapter]
    synthesised: int  # chunks synthesised (or, in a dry run, to be synthesised)
    reused: int
    engine: str  # the voice as a user reads it
    changes: list[changes.Change] | None = None  # None when there was no previous edition
    sections: int = 0
    voice_report: str | None = None  # what the voice adds to the summary, e.g. "3 retries"
    dry_run: bool = False


def build(article: Path | str | Article, options: BuildOptions | None = None, events: Events | None = None,
          **overrides: Any) -> BuildResult:
    """Build the edition of an article and return what was made.

    `article` is the path of an article file, or an Article (from `parse_article(text)`); the
    options are `options` with any `overrides` by name, e.g. `build("a.md", engine="espeak")`.
    """
    options = replace(options or BuildOptions(), **overrides)
    events = events or NoEvents()
    source = open_source(article, options.fmt)
    for text in source.article.notices:
        events.notice(text)
    output, fmt = output_path(source.name, options)
    previous = manifest.load(manifest.path_for(output))
    if previous and previous.audio != output.name and (output.parent / previous.audio).exists():
        raise EditionError(f"{manifest.path_for(output)} records {previous.audio}, which shares this edition's "
                           f"name and its transcript and chapter files; give {output.name} another name or delete "
                           f"{previous.audio} first")
    engine = choose_engine(options, previous, events)
    store = Cache(options.cache_dir or cache_mod.default_dir())
    said = lexicon.for_article(source.path, options.lexicons).for_voice(engine.name)
    sentences = SentenceCache(store)
    plans = plan_sections(source.article, engine, options, store, said, sentences)
    intro, outro = (bookend(source, options, which) for which in ("intro", "outro"))
    todo = [p for p in plans if p.encoded is None] if fmt.joined else plans
    diff = None if previous is None else changes.compare(previous_states(previous), [p.state for p in plans])
    total = sum(len(p.chunk_keys) for p in plans)
    result = BuildResult(output, 0.0, [], 0, total, engine.describe(), diff, len(plans), dry_run=options.dry_run)
    if options.dry_run:
        missing = len(missing_chunks(todo, store))
        return replace(result, synthesised=missing, reused=total - missing)
    with SectionEncoder(store, options, events) as encoder:  # MP3 sections are encoded while the voice speaks
        synthesised = synthesise_missing(todo, engine, store, events, encoder.submit if fmt.joined else None)
        encoder.finish()
    tags = edition_tags(source, options.cover, events)
    created = previous.created if previous and previous.created else now()
    with store.lock(output):  # two builds of one edition at once: the audio and its manifest stay a pair
        chapters, starts = write_audio(Assembly(output, fmt, plans, store, options, tags, intro, outro, events))
        record = edition_manifest(source, output, engine, plans, chapters, starts, created, tags.comment,
                                  tuple(dict.fromkeys(sentences.keys)))
        manifest.save(record, manifest.path_for(output))
        sidecars.write(record, output, options.sidecars)
    return replace(result, duration=chapters[-1].end, chapters=chapters, synthesised=synthesised,
                   reused=total - synthesised, voice_report=engine.report())


def choose_engine(options: BuildOptions, previous: manifest.Manifest | None, events: Events) -> Engine:
    """Return the voice to use, loaded: the one asked for, else the previous edition's, else the best available."""
    if not isinstance(options.engine, str):
        return options.engine
    name = engines.choose(options.engine, previous.engine if previous else None, options.voice_settings, events,
                          check=not options.dry_run)
    return engines.load(name, options.voice_settings, options.speed, events)


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


