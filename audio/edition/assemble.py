"""Assemble and write an edition: sections to audio at the target loudness, chapters, tags, the manifest."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from audio import files
from audio.edition import cache as cache_mod
from audio.edition import manifest
from audio.edition.cache import Cache
from audio.edition.options import BuildOptions
from audio.edition.plan import SectionPlan
from audio.edition.synthesis import section_speeches
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.events import Events
from audio.read.article import iso_639_2
from audio.read.source import Source
from audio.sound import ffmpeg, loudness, render
from audio.sound.clip import Speech
from audio.sound.export import Chapter, Tags, read_cover, write_container, write_mp3
from audio.sound.formats import MP3, AudioFormat


@dataclass(frozen=True)
class Assembly:
    """Everything the writing of one edition needs."""

    output: Path
    fmt: AudioFormat
    plans: list[SectionPlan]
    store: Cache
    options: BuildOptions
    tags: Tags
    intro: Path | None
    outro: Path | None
    events: Events


def write_audio(job: Assembly) -> tuple[list[Chapter], list[float]]:
    """Write the edition's audio; return its chapters and where each section's own audio starts.

    For MP3 the sections must have been encoded (by a SectionEncoder) before.
    """
    if job.fmt.joined:
        return write_joined(job)
    return write_whole(job)


_ENCODERS: list[ThreadPoolExecutor] = []
_ENCODERS_LOCK = threading.Lock()


def encoders() -> ThreadPoolExecutor:
    """Return the process's one pool of encoders, one per core, shared by every build in it (a batch runs several)."""
    with _ENCODERS_LOCK:
        if not _ENCODERS:
            _ENCODERS.append(ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="encode"))
        return _ENCODERS[0]


class SectionEncoder:
    """Encodes MP3 sections side by side, one per core, each as soon as all of its speech is there.

    Used as a context manager around synthesis: `submit(plan)` is the synthesis' `ready` callback.
    Sections found whole in the cache are not encoded again.
    """

    def __init__(self, store: Cache, options: BuildOptions, events: Events):
        self.store, self.options, self.events = store, options, events
        self.pool = encoders()
        self.futures: list[Future] = []
        self.lock = threading.Lock()

    def __enter__(self) -> SectionEncoder:
        return self

    def __exit__(self, *exc_info) -> None:  # on Ctrl-C or a failure, start no more encodes; finished ones stay cached
        with self.lock:
            for future in self.futures:
                future.cancel()

    def submit(self, plan: SectionPlan) -> None:
        if plan.encoded is None:
            with self.lock:
                self.futures.append(self.pool.submit(render_section, plan, self.store, self.options))

    def finish(self) -> None:
        """Wait for every section submitted, showing the encodes still running as a stage of their own."""
        with self.lock:
            futures = list(self.futures)
        pending = [future for future in futures if not future.done()]
        self.events.started("Encoding", len(pending))
        for future in as_completed(pending):
            future.result()
            self.events.advanced()
        for future in futures:
            future.result()


def render_section(plan: SectionPlan, store: Cache, options: BuildOptions) -> None:
    """Stitch a section's cached chunks with pauses, encode it, and cache the result."""
    audio, cues = render.section_audio(section_speeches(plan, store), plan.pauses, options.pauses)
    plan.encoded, plan.level = encode_normalised(audio, options, plan.level_hint)
    plan.cues = [(start + MP3.encoder_delay, end + MP3.encoder_delay) for start, end in cues]
    store.put_bytes(plan.key, ".json", json.dumps(plan.cues).encode())
    store.put_bytes(plan.key, ".mp3", plan.encoded.mp3)


def write_joined(job: Assembly) -> tuple[list[Chapter], list[float]]:
    """Write an MP3 edition: the encoded sections (and intro and outro) joined frame by frame."""
    ends = [encoded_clip(path, job.store, job.options) for path in (job.intro, job.outro)]
    lengths = [end.duration if end else 0.0 for end in ends]
    encoded = [plan.encoded for plan in job.plans]
    if None in encoded:
        raise EditionError("a section was not encoded; run the build again")
    chapters, starts = chapter_times([e.duration for e in encoded if e], job.plans, *lengths)
    parts = [ends[0], *encoded, ends[1]]
    write_mp3(job.output, render.join([part for part in parts if part]), job.tags, chapters)
    return chapters, starts


def write_whole(job: Assembly) -> tuple[list[Chapter], list[float]]:
    """Write an M4B or Opus edition in one encode of every section's loudness-normalised PCM.

    These formats cannot be joined from separately encoded sections the way MP3 frames can, so
    sections are normalised one by one into temporary files (memory stays bounded) and then
    streamed through a single encoder; chapter times come from the exact sample counts. The
    result is checked by the loudness policy (`loudness.on_target`) and encoded again if it missed.
    """
    target = job.options.loudness
    job.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{job.output.stem}.", dir=job.output.parent) as work:
        attempts: list[Path] = []
        times: dict[Path, tuple[list[Chapter], list[float]]] = {}

        def attempt(gain: float, limit: float) -> Path:
            path = Path(work) / f"{len(attempts)}{job.output.suffix}"
            attempts.append(path)
            times[path] = encode_whole(job, path, loudness.Target(target.integrated + gain, target.true_peak),
                                       target.true_peak - limit)
            return path

        best = loudness.on_target(attempt, lambda path: loudness.measure_encoded(path, peak="true"), target,
                                  gain=0.0, limit=target.true_peak - job.fmt.headroom, ceiling=target.true_peak)
        os.replace(best, job.output)
    return times[best]


def encode_whole(job: Assembly, output: Path, aim: loudness.Target,
                 headroom: float) -> tuple[list[Chapter], list[float]]:
    """Encode every section (and intro and outro) at `aim` loudness, limited `headroom` dB below the ceiling."""
    rate = job.fmt.sample_rate
    job.events.started("Encoding", len(job.plans))
    with tempfile.TemporaryDirectory(prefix="audio-edition-") as work:
        def normalised(audio: Speech, name: str) -> tuple[Path, float]:
            path = Path(work) / name
            path.write_bytes(loudness.normalised_pcm(audio, aim, rate, headroom))
            return path, path.stat().st_size / 2 / rate

        sections, durations = [], []
        for index, plan in enumerate(job.plans):
            audio, plan.cues = render.section_audio(section_speeches(plan, job.store), plan.pauses, job.options.pauses)
            path, duration = normalised(audio, f"{index}.pcm")
            sections.append(path)
            durations.append(duration)
            job.events.advanced()
        ends = [normalised(Speech(ffmpeg.decode_to_pcm(files.read_bytes(p, "audio file"), rate,
                                                       what=f"reading {p.name}"), rate), p.name)
                if p else None for p in (job.intro, job.outro)]
        chapters, starts = chapter_times(durations, job.plans, *(e[1] if e else 0.0 for e in ends))
        order = ([ends[0][0]] if ends[0] else []) + sections + ([ends[1][0]] if ends[1] else [])
        write_container(output, job.fmt, (p.read_bytes() for p in order), job.tags, chapters, job.options.bitrate)
    return chapters, starts


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


def bookend(source: Source, options: BuildOptions, which: str) -> Path | None:
    """Return the intro or outro audio file to use: the option's, else the front matter's (next to the article)."""
    meta: dict = dict(source.article.meta)
    path = getattr(options, which) or (files.beside_article(source.folder, meta[which], which)
                                       if meta.get(which) else None)
    if path is not None and not Path(path).exists():
        raise EditionError(f"{which} {path}: no such audio file")
    return files.check_regular(Path(path), "audio file") if path else None


def encoded_clip(path: Path | None, store: Cache, options: BuildOptions) -> render.EncodedSection | None:
    """Return an intro or outro as loudness-normalised MP3 frames, cached by the file's content."""
    if path is None:
        return None
    data = files.read_bytes(path, "audio file")
    clip_key = cache_mod.key("clip", hashlib.sha256(data).hexdigest(), options.loudness.__dict__, options.bitrate)
    cached = store.get_bytes(clip_key, ".mp3")
    if cached is not None:
        return render.EncodedSection(cached, render.count_mp3_frames(cached))
    audio = Speech(ffmpeg.decode_to_pcm(data, render.SAMPLE_RATE, what=f"reading {path.name}"), render.SAMPLE_RATE)
    encoded, _ = encode_normalised(audio, options)
    store.put_bytes(clip_key, ".mp3", encoded.mp3)
    return encoded


def encode_normalised(audio: Speech, options: BuildOptions,
                      hint: loudness.Level | None = None) -> tuple[render.EncodedSection, loudness.Level | None]:
    """Return audio as MP3 frames at the edition's loudness, and its level (`hint`: a level to try first)."""
    mp3, level = loudness.encode_at(audio, options.loudness,
                                   lambda filters: render.mp3_args(audio.sample_rate, options.bitrate, filters),
                                   hint=hint)
    return render.EncodedSection(mp3, render.count_mp3_frames(mp3)), level


def edition_tags(source: Source, cover: Path | None, events: Events) -> Tags:
    """Return the tags of the edition from the article's metadata."""
    article, meta = source.article, source.article.meta
    if cover is None and meta.get("cover"):
        cover = files.beside_article(source.folder, meta["cover"], "cover")
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
        language=iso_639_2(article.language),
    )


def edition_manifest(source: Source, output: Path, engine: Engine, plans: list[SectionPlan], chapters: list[Chapter],
                     starts: list[float], created: str, description: str, sentences: tuple[str, ...] = (),
                     voice_settings: dict | None = None, levels_for: str = "") -> manifest.Manifest:
    """Return the manifest that records this edition; `starts` are where each section's own audio begins."""
    sections = []
    for plan, chapter, offset in zip(plans, chapters, starts):
        chunks = tuple(
            manifest.ChunkRecord(key, chunk.text, chunk.spoken, round(offset + start, 3), round(offset + end, 3))
            for key, chunk, (start, end) in zip(plan.chunk_keys, plan.script.chunks, plan.cues)
        )
        encoded = plan.encoded
        sections.append(manifest.SectionRecord(plan.script.title, plan.key, plan.body_key, round(chapter.start, 3),
                                               round(chapter.end - chapter.start, 3), chunks, plan.level,
                                               encoded.frames if encoded else 0, len(encoded.mp3) if encoded else 0))
    article = source.article
    return manifest.Manifest(
        article=source.origin, title=article.title, audio=output.name, engine=engine.name,
        voice=engine.cache_key(), duration=round(chapters[-1].end, 3), sections=tuple(sections),
        meta=dict(article.meta), description=description, created=created, sentences=sentences,
        voice_settings=voice_settings or {}, levels_for=levels_for,
    )
