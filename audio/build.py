"""Make an edition: plan the chunks, synthesise what the cache lacks, stitch, write.

Used by the `build`, `watch` commands and by the benchmark.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

from audio import cache as cache_mod
from audio import files as inputs  # the user's input files (`files` names lists here)
from audio import changes, engines, ffmpeg, lexicon, loudness, manifest, render, sidecars, speech
from audio.article import Article, read_article
from audio.cache import Cache
from audio.engines.base import Engine, Speech
from audio.errors import EditionError
from audio.export import CONTAINERS, Chapter, Tags, check_chapters, read_cover, write_container, write_mp3

log = logging.getLogger(__name__)

ENCODER_DELAY = 1105 / render.SAMPLE_RATE  # LAME's priming samples plus the decoder's delay, in seconds


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None
    audio_format: str | None = None  # mp3, m4b or opus; else from the output's extension, else mp3
    engine: str = "auto"
    cache_dir: Path | None = None
    jobs: int = 8
    tld: str = "de"
    slow: bool = False
    pauses: render.Pauses = field(default_factory=render.Pauses)
    loudness: loudness.Target = field(default_factory=loudness.Target)
    bitrate: int = 64
    cover: Path | None = None
    fmt: str | None = None
    lexicons: tuple[Path, ...] = ()  # --lexicon files, on top of the built-in one and the article's own
    intro: Path | None = None  # audio placed before the speech (else the front matter's `intro`)
    outro: Path | None = None  # audio placed after it (else the front matter's `outro`)
    intro_line: str | None = None  # spoken instead of the title, e.g. "Sie hören: {title}."
    sidecars: tuple[str, ...] = sidecars.KINDS
    dry_run: bool = False


@dataclass(frozen=True)
class BuildResult:
    output: Path
    duration: float  # 0 for a dry run
    chapters: list[Chapter]
    synthesised: int  # chunks synthesised (or, in a dry run, to be synthesised)
    reused: int
    engine: str
    changes: list[changes.Change] | None = None  # None when there was no previous edition
    sections: int = 0
    retries: int = 0
    dry_run: bool = False


class Events(Protocol):
    """What a build tells whoever runs it; only the CLI prints."""

    def notice(self, text: str) -> None: ...

    def started(self, stage: str, total: int) -> None:
        """A stage ("Synthesising", "Encoding") begins with `total` steps."""

    def advanced(self) -> None:
        """One step of the current stage is done."""


class NoEvents:
    def notice(self, text: str) -> None:
        log.info("%s", text)

    def started(self, stage: str, total: int) -> None:
        pass

    def advanced(self) -> None:
        pass


@dataclass
class SectionPlan:
    """One section on its way to audio: its chunks, their cache keys, and the section's keys."""

    script: speech.SectionScript
    chunk_keys: list[str]
    key: str
    body_key: str
    encoded: render.EncodedSection | None = None
    cues: list[tuple[float, float]] = field(default_factory=list)


def build(article_path: Path, options: BuildOptions = BuildOptions(), events: Events = NoEvents()) -> BuildResult:
    """Build the edition of the article at `article_path` and return what was made."""
    article_path = Path(article_path)
    article = read_article(article_path, options.fmt)
    for text in article.notices:
        events.notice(text)
    output = output_path(article_path, options)
    previous = manifest.load(manifest.path_for(output))
    if previous and previous.audio != output.name and (output.parent / previous.audio).exists():
        raise EditionError(f"{manifest.path_for(output)} records {previous.audio}, which shares this edition's "
                           f"name and its transcript and chapter files; give {output.name} another name or delete "
                           f"{previous.audio} first")
    if previous and (output.parent / previous.audio).exists() and \
            not manifest.describes(previous, output.parent / previous.audio):
        events.notice(f"the last build of {output.name} was cut short; this one writes the whole edition again")
    engine = choose_engine(options, previous, events)
    store = Cache(options.cache_dir or cache_mod.default_dir())
    said = lexicon.for_article(article_path, options.lexicons)
    plans = plan_sections(article, engine, options, store, said)
    check_chapters(FORMATS[output.suffix.lower()], len(plans))  # before any synthesis, not after it
    intro, outro = (bookend(article, article_path, options, which) for which in ("intro", "outro"))
    todo = [p for p in plans if p.encoded is None]
    diff = None if previous is None else changes.compare(section_states(previous), [state(p) for p in plans])
    total = sum(len(p.chunk_keys) for p in plans)
    result = BuildResult(output, 0.0, [], 0, total, engine.describe(), diff, len(plans), dry_run=options.dry_run)
    if options.dry_run:
        missing = len(missing_chunks(todo, store))
        return BuildResult(**{**result.__dict__, "synthesised": missing, "reused": total - missing})
    tags = edition_tags(article, article_path, options.cover, events)  # a bad cover fails before synthesis
    synthesised = synthesise_missing(todo, engine, store, options.jobs, events)
    created = previous.created if previous and previous.created else now()
    fmt = FORMATS[output.suffix.lower()]
    # two builds of one edition at once: the audio and its manifest stay a pair; all is written to
    # `staged` (the output's name in a private folder) and put in place as a unit by publish()
    with store.lock(output), staging(output) as staged:
        if fmt == "mp3":
            render_sections(todo, store, options, events)
            chapters, starts = write_joined(staged, plans, store, options, tags, intro, outro)
        else:
            chapters, starts = write_whole(staged, fmt, plans, store, options, tags, events, intro, outro)
        record = edition_manifest(article_path, article, output, engine, plans, chapters, starts, created,
                                  tags.comment)
        publish(record, staged, output, options.sidecars)
    return BuildResult(output, chapters[-1].end, chapters, synthesised, total - synthesised, engine.describe(),
                       diff, len(plans), getattr(engine, "retries", 0))


@contextlib.contextmanager
def staging(output: Path) -> Iterator[Path]:
    """Yield where to write the edition's audio: its own name in a fresh private folder beside `output`.

    Hold the edition's lock: first what killed builds of this edition left is removed.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    for path in leftovers(output):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    folder = output.parent / f".{output.name}.{secrets.token_hex(8)}.part"
    folder.mkdir()
    try:
        yield folder / output.name
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def leftovers(output: Path) -> list[Path]:
    """Return the temporary files and folders that killed builds of this edition left beside `output`.

    Only names this program gives, with the edition's exact name in them (never another edition's),
    and an older build's work folder only when it holds nothing but what such a build put there.
    """
    name, stem = re.escape(output.name), re.escape(output.stem)
    names = [output, manifest.path_for(output), *(sidecars.path_for(output, kind) for kind in sidecars.KINDS)]
    files = [re.compile(rf"\.{stem}\.[a-z0-9_]{{8}}\.mp3\.part"),  # write_mp3's, before staging
             *(re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp") for path in names)]  # write_atomically's
    stage = re.compile(rf"\.{name}\.[0-9a-f]{{16}}\.part")
    work = re.compile(rf"\.{stem}\.[a-z0-9_]{{8}}")  # M4B and Opus work folders, before staging
    work_files = re.compile(rf"\d+{re.escape(output.suffix)}|metadata\.txt|{name}")
    found = []
    for entry in os.scandir(output.parent):
        if entry.is_file(follow_symlinks=False) and any(p.fullmatch(entry.name) for p in files):
            found.append(Path(entry.path))
        elif entry.is_dir(follow_symlinks=False) and (
                stage.fullmatch(entry.name) or work.fullmatch(entry.name) and
                all(work_files.fullmatch(inner.name) and inner.is_file(follow_symlinks=False)
                    for inner in os.scandir(entry.path))):
            found.append(Path(entry.path))
    return found


def publish(record: manifest.Manifest, staged: Path, output: Path, kinds: tuple[str, ...]) -> manifest.Manifest:
    """Put a staged edition in place (audio, then sidecars, the manifest last) and return its manifest.

    The manifest is the commit point: it records the audio's size, time and hash, so if the build
    dies between these renames, the manifest beside the new audio does not describe it; the feed
    skips that edition and the next build writes it whole again. Sidecars not chosen are removed,
    so no file describes an older edition.
    """
    info = staged.stat()
    record = dataclasses.replace(record, audio_size=info.st_size, audio_mtime_ns=info.st_mtime_ns,
                                 audio_sha256=manifest.file_sha256(str(staged), info.st_size, info.st_mtime_ns))
    written = sidecars.write(record, staged, kinds)
    manifest.save(record, manifest.path_for(staged))
    os.replace(staged, output)
    for path in written:
        os.replace(path, output.parent / path.name)
    for kind in set(sidecars.KINDS) - set(kinds):
        sidecars.path_for(output, kind).unlink(missing_ok=True)
    os.replace(manifest.path_for(staged), manifest.path_for(output))
    return record


CODEC_HEADROOM = {"m4b": 4.0, "opus": 3.0}  # dB below the true-peak ceiling: AAC and Opus at low bitrates overshoot
MAX_HEADROOM = 7.0  # more limiting than this takes so much loudness that the target cannot be met
FORMATS = {".mp3": "mp3", ".m4b": "m4b", ".m4a": "m4b", ".opus": "opus", ".ogg": "opus"}


def output_path(article_path: Path, options: BuildOptions) -> Path:
    """Return where the edition goes: the given path, else output/<article name>.<format>."""
    fmt = options.audio_format
    output = Path(options.output or Path("output") / f"{article_path.stem}.{fmt or 'mp3'}")
    if output.suffix.lower() not in FORMATS:
        raise EditionError(f"{output}: name the audio file .mp3, .m4b or .opus")
    if fmt and FORMATS[output.suffix.lower()] != fmt:
        raise EditionError(f"{output}: the extension does not match --audio-format {fmt}")
    if output.stem == "feed":  # feed.json and feed.xml belong to the podcast feed of the folder
        raise EditionError(f"{output}: the name 'feed' is kept for the podcast feed; choose another")
    if output.is_dir():
        raise EditionError(f"{output}: is a directory; give a file name ending in .mp3")
    return output


def choose_engine(options: BuildOptions, previous: manifest.Manifest | None, events: Events) -> Engine:
    """Return the voice to use: the one asked for, else the previous edition's, else the best reachable."""
    name = options.engine
    if name == "auto" and previous and previous.engine in engines.NAMES:
        name = previous.engine
        if name == "gtts" and not options.dry_run and not google_reachable(options):
            raise EditionError(
                "this edition was made with Google's voice, which cannot be reached now; "
                "pass --engine espeak to rebuild it with the offline voice"
            )
    elif name == "auto":
        name = "gtts" if google_reachable(options) else "espeak"
        if name == "espeak":
            events.notice("Google's voice cannot be reached; using the offline voice (espeak)")
        else:
            events.notice("Using Google's voice (gtts)")
    return engines.make(name, tld=options.tld, slow=options.slow)


def google_reachable(options: BuildOptions) -> bool:
    from audio.engines.google import GoogleSettings, reachable  # gTTS and requests load only when needed

    return reachable(GoogleSettings(tld=options.tld))


def plan_sections(article: Article, engine: Engine, options: BuildOptions, store: Cache,
                  said: lexicon.Lexicon) -> list[SectionPlan]:
    """Return a plan per section, with its encoded audio already filled in when the cache has it."""
    voice = engine.cache_key()
    plans = []
    for script in speech.script(article, engine.max_chars, said, options.intro_line):
        keys = [cache_mod.key("chunk", voice, chunk.spoken) for chunk in script.chunks]
        pauses = [chunk.pause_after for chunk in script.chunks]
        settings = [options.pauses.__dict__, options.loudness.__dict__, options.bitrate]
        section_key = cache_mod.key("section", keys, pauses, settings)
        body_key = cache_mod.key("body", keys[script.opening:], pauses[script.opening:], settings)
        plan = SectionPlan(script, keys, section_key, body_key)
        load_encoded(plan, store)
        plans.append(plan)
    return plans


def state(plan: SectionPlan) -> changes.SectionState:
    return changes.SectionState(plan.script.title, plan.key, plan.body_key)


def section_states(record: manifest.Manifest) -> list[changes.SectionState]:
    return [changes.SectionState(s.title, s.key, s.body_key) for s in record.sections]


def load_encoded(plan: SectionPlan, store: Cache) -> None:
    """Fill in a section's encoded audio and cue times from the cache, when both are there and whole."""
    mp3, cues = store.get_bytes(plan.key, ".mp3"), store.get_bytes(plan.key, ".json")
    if mp3 is None or cues is None:
        return
    try:
        plan.encoded = render.EncodedSection(mp3, render.count_mp3_frames(mp3))
        plan.cues = [tuple(c) for c in json.loads(cues)]
        if len(plan.cues) != len(plan.chunk_keys):
            raise ValueError("cue count does not match")
    except (EditionError, ValueError, TypeError) as exc:
        log.warning("cached section %s is damaged (%s); encoding it again", plan.key[:12], exc)
        plan.encoded, plan.cues = None, []


def missing_chunks(plans: list[SectionPlan], store: Cache) -> dict[str, tuple[str, str]]:
    """Return the chunks of `plans` that the cache lacks: key → (spoken text, section title)."""
    wanted: dict[str, tuple[str, str]] = {}
    for plan in plans:
        for key, chunk in zip(plan.chunk_keys, plan.script.chunks):
            if key not in wanted and not store.has_speech(key):
                wanted[key] = (chunk.spoken, plan.script.title)
    return wanted


def synthesise_missing(plans: list[SectionPlan], engine: Engine, store: Cache, jobs: int, events: Events) -> int:
    """Synthesise every chunk of `plans` that the cache lacks, storing each as soon as it is made."""
    wanted = missing_chunks(plans, store)
    events.started("Synthesising", len(wanted))
    if not wanted:
        return 0
    workers = max(1, jobs) if engine.name == "gtts" else 1

    def make(key: str) -> None:
        store.put_speech(key, engine.synthesize(wanted[key][0]))
        events.advanced()

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synth")
    futures = {pool.submit(make, key): key for key in wanted}
    try:
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception()), None)
        if failed is not None:
            made = sum(1 for f in futures if f.done() and not f.cancelled() and f.exception() is None)
            raise EditionError(
                f"section “{wanted[futures[failed]][1]}” could not be synthesised: {failed.exception()}. "
                f"The {made} chunks made so far are cached; run the build again to go on"
            )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return len(wanted)


def render_sections(plans: list[SectionPlan], store: Cache, options: BuildOptions, events: Events) -> None:
    """Render sections side by side, one per core: each encode is an ffmpeg process of its own."""
    events.started("Encoding", len(plans))

    def render(plan: SectionPlan) -> None:
        render_section(plan, store, options)
        events.advanced()

    longest_first = sorted(plans, key=lambda plan: -sum(len(chunk.spoken) for chunk in plan.script.chunks))
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="render")
    try:
        for future in [pool.submit(render, plan) for plan in longest_first]:
            future.result()
    finally:  # on Ctrl-C or a failure, start no more encodes; sections already encoded stay cached
        pool.shutdown(wait=False, cancel_futures=True)


def render_section(plan: SectionPlan, store: Cache, options: BuildOptions) -> None:
    """Stitch a section's cached chunks with pauses, encode it, and cache the result."""
    audio, cues = render.section_audio(section_speeches(plan, store), pauses_of(plan), options.pauses)
    plan.encoded = encode_normalised(audio, options)
    plan.cues = [(start + ENCODER_DELAY, end + ENCODER_DELAY) for start, end in cues]
    store.put_bytes(plan.key, ".json", json.dumps(plan.cues).encode())
    store.put_bytes(plan.key, ".mp3", plan.encoded.mp3)


def write_joined(output: Path, plans: list[SectionPlan], store: Cache, options: BuildOptions, tags: Tags,
                 intro: Path | None, outro: Path | None) -> tuple[list[Chapter], list[float]]:
    """Write an MP3 edition: the encoded sections (and intro and outro) joined frame by frame."""
    ends = [encoded_clip(path, store, options) for path in (intro, outro)]
    lengths = [end.duration if end else 0.0 for end in ends]
    chapters, starts = chapter_times([p.encoded.duration for p in plans], plans, *lengths)
    parts = [ends[0], *(p.encoded for p in plans), ends[1]]
    write_mp3(output, render.join([part for part in parts if part]), tags, chapters)
    return chapters, starts


def write_whole(output: Path, fmt: str, plans: list[SectionPlan], store: Cache, options: BuildOptions, tags: Tags,
                events: Events, intro: Path | None, outro: Path | None) -> tuple[list[Chapter], list[float]]:
    """Write an M4B or Opus edition in one encode of every section's loudness-normalised PCM.

    These formats cannot be joined from separately encoded sections the way MP3 frames can, so
    sections are normalised one by one into temporary files (memory stays bounded) and then
    streamed through a single encoder; chapter times come from the exact sample counts. AAC and
    Opus encoders differ in how far they push limited peaks up and how much loudness they take,
    so the result is measured and, if it missed, made again with the headroom or the aim corrected.
    """
    target, headroom = options.loudness, CODEC_HEADROOM[fmt]
    aim, attempts = target, []
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{output.stem}.", dir=output.parent) as work:
        for number in range(loudness.ATTEMPTS):
            attempt = Path(work) / f"{number}{output.suffix}"
            chapters, starts = encode_whole(attempt, fmt, plans, store, options, tags, events, intro, outro, aim,
                                            headroom)
            measured, peak = loudness.measure_encoded(attempt, peak="true")
            log.debug("%s at %.1f LUFS, true peak %.1f dBTP (aim %.1f, headroom %.1f)", fmt, measured, peak,
                      aim.integrated, headroom)
            over, missed = peak - target.true_peak, target.integrated - measured
            attempts.append((max(0.0, over) + max(0.0, abs(missed) - 2 * loudness.TOLERANCE), attempt))
            if over <= 0 and abs(missed) <= 2 * loudness.TOLERANCE:
                break
            headroom = min(MAX_HEADROOM, headroom + max(0.0, over + 0.2))
            aim = loudness.Target(aim.integrated + missed, target.true_peak)
        os.replace(min(attempts)[1], output)  # the attempt nearest the target, not merely the last
    return chapters, starts


def encode_whole(output: Path, fmt: str, plans: list[SectionPlan], store: Cache, options: BuildOptions, tags: Tags,
                 events: Events, intro: Path | None, outro: Path | None, aim: loudness.Target,
                 headroom: float) -> tuple[list[Chapter], list[float]]:
    """Encode every section (and intro and outro) at `aim` loudness, limited `headroom` dB below the ceiling."""
    rate = CONTAINERS[fmt][2]
    events.started("Encoding", len(plans))
    with tempfile.TemporaryDirectory(prefix="audio-edition-") as work:
        def normalised(audio: Speech, name: str) -> tuple[Path, float]:
            path = Path(work) / name
            path.write_bytes(loudness.normalised_pcm(audio, aim, rate, headroom))
            return path, path.stat().st_size / 2 / rate

        files, durations = [], []
        for index, plan in enumerate(plans):
            audio, plan.cues = render.section_audio(section_speeches(plan, store), pauses_of(plan), options.pauses)
            path, duration = normalised(audio, f"{index}.pcm")
            files.append(path)
            durations.append(duration)
            events.advanced()
        ends = [normalised(Speech(ffmpeg.decode_to_pcm(inputs.read_bytes(p, "audio file"), rate,
                                                       what=f"reading {p.name}"), rate), p.name)
                if p else None for p in (intro, outro)]
        chapters, starts = chapter_times(durations, plans, *(e[1] if e else 0.0 for e in ends))
        order = ([ends[0][0]] if ends[0] else []) + files + ([ends[1][0]] if ends[1] else [])
        write_container(output, fmt, (p.read_bytes() for p in order), tags, chapters, options.bitrate)
    return chapters, starts


def section_speeches(plan: SectionPlan, store: Cache) -> list[Speech]:
    """Return the cached speech of every chunk of a section."""
    speeches = []
    for key in plan.chunk_keys:
        found = store.get_speech(key)
        if found is None:
            raise EditionError("a chunk vanished from the cache during the build; run the build again")
        speeches.append(found)
    return speeches


def pauses_of(plan: SectionPlan) -> list[str]:
    return [chunk.pause_after for chunk in plan.script.chunks]


def chapter_times(durations: list[float], plans: list[SectionPlan], intro: float = 0.0,
                  outro: float = 0.0) -> tuple[list[Chapter], list[float]]:
    """Return one chapter per section, and where each section's own audio starts.

    Sections follow each other without gaps; an intro belongs to the first chapter (which starts
    at 0) and an outro to the last.
    """
    chapters, starts, start = [], [], intro
    for index, (plan, duration) in enumerate(zip(plans, durations)):
        end = start + duration + (outro if index == len(plans) - 1 else 0.0)
        chapters.append(Chapter(plan.script.title, 0.0 if index == 0 else start, end))
        starts.append(start)
        start += duration
    return chapters, starts


def bookend(article: Article, article_path: Path, options: BuildOptions, which: str) -> Path | None:
    """Return the intro or outro audio file to use: the option's, else the front matter's (next to the article)."""
    path = getattr(options, which) or (inputs.beside_article(article_path, article.meta[which], which)
                                       if article.meta.get(which) else None)
    if path is not None and not Path(path).exists():
        raise EditionError(f"{which} {path}: no such audio file")
    return inputs.check_regular(Path(path), "audio file") if path else None


def encoded_clip(path: Path | None, store: Cache, options: BuildOptions) -> render.EncodedSection | None:
    """Return an intro or outro as loudness-normalised MP3 frames, cached by the file's content."""
    if path is None:
        return None
    data = inputs.read_bytes(path, "audio file")
    clip_key = cache_mod.key("clip", hashlib.sha256(data).hexdigest(), options.loudness.__dict__, options.bitrate)
    cached = store.get_bytes(clip_key, ".mp3")
    if cached is not None:
        return render.EncodedSection(cached, render.count_mp3_frames(cached))
    audio = Speech(ffmpeg.decode_to_pcm(data, render.SAMPLE_RATE, what=f"reading {path.name}"), render.SAMPLE_RATE)
    encoded = encode_normalised(audio, options)
    store.put_bytes(clip_key, ".mp3", encoded.mp3)
    return encoded


def encode_normalised(audio: Speech, options: BuildOptions) -> render.EncodedSection:
    """Return audio as MP3 frames at the edition's loudness."""
    mp3 = loudness.encode_at(audio, options.loudness,
                             lambda speech, filters: render.encode_mp3(speech, options.bitrate, filters).mp3)
    return render.EncodedSection(mp3, render.count_mp3_frames(mp3))


def edition_tags(article: Article, article_path: Path, cover: Path | None, events: Events) -> Tags:
    """Return the ID3 tags of the edition from the article's metadata."""
    meta = article.meta
    if cover is None and meta.get("cover"):
        cover = inputs.beside_article(article_path, meta["cover"], "cover")
        if not cover.exists():
            events.notice(f"cover {meta['cover']} not found next to the article; the edition has no cover")
            cover = None
    if cover is not None:
        read_cover(cover)  # a cover that is no image fails now, not after the synthesis
    return Tags(
        title=article.title,
        artist=meta.get("author", ""),
        album=meta.get("publication", "audio-edition"),
        date=meta.get("date", datetime.date.today().isoformat()),
        comment=meta.get("description", article.sections[0].paragraphs[0]),
        cover=cover,
    )


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def edition_manifest(article_path: Path, article: Article, output: Path, engine: Engine, plans: list[SectionPlan],
                     chapters: list[Chapter], starts: list[float], created: str, description: str) -> manifest.Manifest:
    """Return the manifest that records this edition; `starts` are where each section's own audio begins."""
    sections = []
    for plan, chapter, offset in zip(plans, chapters, starts):
        chunks = tuple(
            manifest.ChunkRecord(key, chunk.text, chunk.spoken, round(offset + start, 3), round(offset + end, 3))
            for key, chunk, (start, end) in zip(plan.chunk_keys, plan.script.chunks, plan.cues)
        )
        sections.append(manifest.SectionRecord(plan.script.title, plan.key, plan.body_key, round(chapter.start, 3),
                                               round(chapter.end - chapter.start, 3), chunks))
    return manifest.Manifest(
        article=str(article_path), title=article.title, audio=output.name, engine=engine.name,
        voice=engine.cache_key(), duration=round(chapters[-1].end, 3), sections=tuple(sections),
        meta=article.meta, description=description, created=created,
    )
