"""Make an edition: plan the chunks, synthesise what the cache lacks, assemble, write.

The orchestration only; each stage is a module of its own (plan, synthesis, assemble). Used by
the `build` and `watch` commands, the benchmark, and library users (see `audio.build`).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audio import engines, files
from audio.atomic import write_atomically
from audio.edition import cache as cache_mod
from audio.edition import changes, manifest
from audio.edition.assemble import Assembly, SectionEncoder, bookend, edition_manifest, edition_tags, write_audio
from audio.edition.cache import Cache
from audio.edition.options import BuildOptions
from audio.edition.plan import TextCache, level_settings, missing_chunks, output_path, plan_sections, previous_states
from audio.edition.synthesis import synthesise_missing
from audio.engines import voices
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.events import Events, NoEvents
from audio.podcast.publish import publish, staging
from audio.read.article import Article
from audio.read.source import Source, open_source
from audio.sound import ffmpeg, render
from audio.sound.export import Chapter, check_chapters


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
    preview: Path | None = None  # the MP3 of only what this build synthesised (options.preview), if it made one


def build(article: Path | str | Article | Source, options: BuildOptions | None = None, events: Events | None = None,
          publish_lock: Callable[[Path], ContextManager[Any]] | None = None, **overrides: Any) -> BuildResult:
    """Build the edition of an article and return what was made.

    `article` is the path of an article file, or an Article (from `parse_article(text)`); the
    options are `options` with any `overrides` by name, e.g. `build("a.md", engine="espeak")`.
    `publish_lock(output)` is held while the edition is put in place: by default a file lock in the cache;
    the service, which holds a lock of its own across machines for the whole build, gives its own.
    """
    options = replace(options or BuildOptions(), **overrides)
    events = events or NoEvents()
    source = open_source(article, options.fmt)
    for text in source.article.notices:
        events.notice(text)
    output, fmt = output_path(source.name, options)
    previous = manifest.load(manifest.path_for(output))
    existing = previous if previous and (output.parent / previous.audio).exists() else None  # an edition still there
    if existing and existing.audio != output.name:
        raise EditionError(f"{manifest.path_for(output)} records {existing.audio}, which shares this edition's "
                           f"name and its transcript and chapter files; give {output.name} another name or delete "
                           f"{existing.audio} first")
    if existing and not options.replace and not source.is_origin(existing.article, existing.title):
        raise EditionError(f"{output} is the edition of {existing.article or repr(existing.title)}, not of "
                           f"{source.origin or repr(source.article.title)}; give this one another output='FILE', "
                           f"or replace=True to build it over that one")
    if existing and not manifest.describes(existing, output.parent / existing.audio):
        events.notice(f"the last build of {output.name} was cut short; this one writes the whole edition again")
    tags = edition_tags(source, options.cover, events)  # a bad cover fails before any work is done
    engine, voice_settings = choose_engine(options, source, previous, events)
    store = Cache(options.cache_dir or cache_mod.default_dir(), notice=events.notice)
    texts = TextCache(store)
    levels_for = level_settings(engine.cache_key(), options)
    plans = plan_sections(source, engine, options, store, texts, previous, levels_for)
    check_chapters(fmt, len(plans))  # before any synthesis, not after it
    intro, outro = (bookend(source, options, which) for which in ("intro", "outro"))
    todo = [p for p in plans if p.encoded is None] if fmt.joined else plans
    diff = None if previous is None else changes.compare(previous_states(previous), [p.state for p in plans])
    total = sum(len(p.chunk_keys) for p in plans)
    result = BuildResult(output, 0.0, [], 0, total, engine.describe(), diff, len(plans), dry_run=options.dry_run)
    if options.dry_run:
        missing = len(missing_chunks(todo, store))
        return replace(result, synthesised=missing, reused=total - missing)
    with SectionEncoder(store, options, events) as encoder:  # MP3 sections are encoded while the voice speaks
        made = synthesise_missing(todo, engine, store, events, encoder.submit if fmt.joined else None)
        encoder.finish()
    synthesised = len(made)
    created = previous.created if previous and previous.created else now()
    # two builds of one edition at once: the audio and its manifest stay a pair; all is written to
    # `staged` (the output's name in a private folder) and put in place as a unit by publish()
    with (publish_lock or store.lock)(output), staging(output) as staged:
        chapters, starts = write_audio(Assembly(staged, fmt, plans, store, options, tags, intro, outro, events))
        record = edition_manifest(source, output, engine, plans, chapters, starts, created, tags.comment,
                                  tuple(dict.fromkeys(texts.keys)), voice_settings, levels_for)
        publish(record, staged, output, options.sidecars)
    first = previous is None  # a first build synthesises everything: the edition itself is what to hear
    preview = write_preview(options.preview, [] if first else made, store, options.bitrate) if options.preview else None
    return replace(result, duration=chapters[-1].end, chapters=chapters, synthesised=synthesised,
                   reused=total - synthesised, voice_report=engine.report(), preview=preview)


def write_preview(path: Path, keys: list[str], store: Cache, bitrate: int) -> Path | None:
    """Write an MP3 of only the chunks a build synthesised (`keys`, in the order spoken), each between moments of
    silence, and return its path; with nothing synthesised, remove an older one and return None."""
    clips = [clip for clip in map(store.get_speech, keys) if clip is not None]
    if not clips:
        Path(path).unlink(missing_ok=True)
        return None
    pcm, rate = render.preview_pcm(clips)
    write_atomically(Path(path), ffmpeg.run(render.mp3_args(rate, bitrate, "loudnorm=I=-16:TP=-1.5"), pcm,
                                            what="encoding the preview"))
    return Path(path)


ENGINE_VARIABLE = "AUDIO_EDITION_ENGINE"  # the user's default voice, e.g. piper
VOICE_VARIABLE = "AUDIO_EDITION_VOICE"  # the user's default voice setting, e.g. de_DE-kerstin-low


def choose_engine(options: BuildOptions, source: Source, previous: manifest.Manifest | None,
                  events: Events) -> tuple[Engine, dict[str, Any]]:
    """Return the voice to use, loaded, and the voice settings it was loaded with (`choose_voice` says which).

    A voice given as a loaded object is used as it is; the options' `voice_settings` are then what
    it was loaded with.
    """
    if not isinstance(options.engine, str):
        return options.engine, dict(options.voice_settings)
    name, given = choose_voice(options, source, previous, events)
    settings = engines.settings_for(name, given)
    return engines.load(name, given, options.speed, events), dataclasses.asdict(settings)


def choose_voice(options: BuildOptions, source: Source, previous: manifest.Manifest | None, events: Events,
                 choose: Callable[..., str] = engines.choose) -> tuple[str, dict[str, Any]]:
    """Return the name of the voice for an edition and the settings to load it with.

    The voice is the one the options name, else the front matter's `engine:`, else the previous
    edition's (an episode keeps its voice), else AUDIO_EDITION_ENGINE, else the best available
    (`engines.choose`, or `choose` standing in for it). Its settings: the options', else the front
    matter's `voice:`, else the previous edition's when `auto` kept its voice, else AUDIO_EDITION_VOICE.
    """
    meta = source.article.meta
    requested = str(options.engine)
    if requested == engines.AUTO:
        requested = meta.get("engine") or engines.AUTO
    if requested == engines.AUTO and previous is None:
        requested = os.environ.get(ENGINE_VARIABLE) or engines.AUTO
    given = dict(options.voice_settings)
    if "voice" not in given and meta.get("voice"):
        given["voice"] = front_matter_voice(source, str(meta["voice"]))
    kept = {**previous.voice_settings, **given} if previous and requested == engines.AUTO else given
    name = choose(requested, previous.engine if previous else None, kept, events, check=not options.dry_run)
    if previous and previous.engine == name:
        given = kept
    if "voice" not in given and os.environ.get(VOICE_VARIABLE):
        given["voice"] = os.environ[VOICE_VARIABLE]
    return name, given


def front_matter_voice(source: Source, voice: str) -> str:
    """Return the voice an article's front matter names: a voice's name as it is, a voice file (`.onnx` with its
    `.onnx.json`) only when it is in the article's folder, as its path there.

    An article may come from anyone, and a voice file is a model that is loaded and run: like `cover:`,
    it is confined to the article's folder. Every refusal is the same message, so that an article's
    author learns nothing about which files exist elsewhere.
    """
    if not voices.is_path(voice):
        return voice
    refused = EditionError(f"voice {voice}: the front matter may name a Piper voice, or a .onnx file with its "
                           f".onnx.json in the article's folder; give voice='FILE' to use a voice file elsewhere")
    if source.path is None:  # a link or text: it has no folder of its own
        raise refused
    try:
        model = files.beside_article(source.folder, voice, "voice")
    except EditionError:
        raise refused from None
    if not (model.is_file() and Path(f"{model}.json").is_file()):
        raise refused
    return str(model)


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


