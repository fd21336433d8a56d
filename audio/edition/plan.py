"""Plan an edition: where it goes, what each section says, and the cache keys that tell what is already made."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from audio.edition import cache as cache_mod
from audio.edition import changes, manifest
from audio.edition.cache import Cache
from audio.edition.options import BuildOptions
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.files import parse_json
from audio.read.source import Source
from audio.sound import formats, render
from audio.text import lexicon, speech, splitter

log = logging.getLogger(__name__)


@dataclass
class SectionPlan:
    """One section on its way to audio: its chunks, their cache keys, and the section's keys."""

    script: speech.SectionScript
    chunk_keys: list[str]
    key: str  # the whole section as encoded: its chunks, pauses and encoding settings
    body_key: str  # the same without the heading, to tell a renamed section from a new one
    encoded: render.EncodedSection | None = None  # the section's MP3 frames, once made or found in the cache
    cues: list[tuple[float, float]] = field(default_factory=list)  # each chunk's start and end in the section
    level: tuple[float, float] | None = None  # the gain and limit it was encoded with as MP3, once known
    level_hint: tuple[float, float] | None = None  # its previous version's level: the first to try when encoding

    @property
    def pauses(self) -> list[str]:
        return [chunk.pause_after for chunk in self.script.chunks]

    @property
    def state(self) -> changes.SectionState:
        return changes.SectionState(self.script.title, self.key, self.body_key)


def output_path(name: str, options: BuildOptions) -> tuple[Path, formats.AudioFormat]:
    """Return where the edition goes (the given path, else <output_dir or output>/<article name>.<format>) and its format."""
    asked = formats.FORMATS.get(options.audio_format or "")
    if options.audio_format and asked is None:
        raise EditionError(f"no audio format {options.audio_format!r}; use {', '.join(formats.NAMES)}")
    output = Path(options.output or Path(options.output_dir or "output") / f"{name}{(asked or formats.MP3).extension}")
    found = formats.by_extension(output)
    if found is None:
        *most, last = [f.extension for f in formats.FORMATS.values()]
        raise EditionError(f"{output}: name the audio file {', '.join(most)} or {last}")
    if asked and found != asked:
        raise EditionError(f"{output}: the extension does not match audio_format='{asked.name}'")
    if output.stem == "feed":  # feed.json and feed.xml belong to the podcast feed of the folder
        raise EditionError(f"{output}: the name 'feed' is kept for the podcast feed; choose another")
    if output.is_dir():
        raise EditionError(f"{output}: is a directory; give a file name ending in {found.extension}")
    return output, found


def scripts(source: Source, lexicons: tuple[Path, ...], voice: str | None, max_chars: int,
            intro_line: str | None = None, texts: TextCache | None = None) -> list[speech.SectionScript]:
    """Return what is said in each section, as `voice` says it: the one planning step of `build` and `sections`.

    With `texts`, what paragraphs and heading lines were said as before is taken from the cache.
    """
    said = lexicon.for_article(source.path, lexicons).for_voice(voice)
    if texts is None:
        return speech.script(source.article, max_chars, said, intro_line)
    return speech.script(source.article, max_chars, said, intro_line, texts.split, texts.memo(said, max_chars))


def plan_sections(source: Source, engine: Engine, options: BuildOptions, store: Cache,
                  texts: TextCache | None = None, previous: manifest.Manifest | None = None,
                  levels_for: str = "") -> list[SectionPlan]:
    """Return a plan per section, with its encoded audio already filled in when the cache has it.

    `previous`, the last edition's manifest, gives what it recorded of each section: a kept
    section's MP3 size and level, and for a changed section, the level its previous version (by
    title) was encoded at, the first to try when its levels were found for the same `levels_for`
    (`level_settings`).
    """
    records = {s.key: s for s in previous.sections} if previous else {}
    old_levels = {s.title: s.level for s in previous.sections} if previous and previous.levels_for == levels_for else {}
    voice = engine.cache_key()
    plans = []
    for script in scripts(source, options.lexicons, engine.name, engine.max_chars, options.intro_line, texts):
        keys = [cache_mod.key("chunk", voice, chunk.spoken) for chunk in script.chunks]
        pauses = [chunk.pause_after for chunk in script.chunks]
        settings = [options.pauses.__dict__, options.loudness.__dict__, options.bitrate]
        section_key = cache_mod.key("section", keys, pauses, settings)
        body_key = cache_mod.key("body", keys[script.opening:], pauses[script.opening:], settings)
        plan = SectionPlan(script, keys, section_key, body_key)
        kept = records.get(section_key)
        load_encoded(plan, store, (kept.frames, kept.size) if kept and kept.size else None)
        plan.level = kept.level if kept else None
        plan.level_hint = plan.level or old_levels.get(script.title)
        plans.append(plan)
    return plans


class TextCache:
    """How paragraphs split into sentences, and what paragraphs and heading lines are said as, kept in the cache
    by their text.

    A rebuild of text it has seen needs neither the sentence splitter (a tenth of a second to start)
    nor the German rules (their imports and patterns); an edit needs them for the edited paragraph
    only. Only data is kept (lists of text), never the splitter itself: what is read from the cache
    must never become code or compiled patterns. `keys` are the entries used, for the manifest (so a
    prune keeps them).
    """

    def __init__(self, store: Cache):
        self.store = store
        self.keys: list[str] = []

    def split(self, paragraph: str) -> list[str]:
        """Return `splitter.split_sentences(paragraph)`, from the cache when it was split before."""
        key = split_key(paragraph)
        sentences = self.load(key, lambda found: found if all(isinstance(s, str) for s in found) else None)
        if sentences is None:
            sentences = splitter.split_sentences(paragraph)
            self.store.put_bytes(key, ".json", json.dumps(sentences, ensure_ascii=False).encode("utf-8"))
        return sentences

    def memo(self, said: lexicon.Lexicon, max_chars: int) -> speech.Memo:
        """Return the memo of `speech.script` for this lexicon and chunk size: chunks made before come from the cache."""
        saying = cache_mod.key("saying", rules_fingerprint(), sorted(said.entries.items()),
                               sorted(said.any_case.items()), max_chars, splitter.SPLITTER)

        def remember(kind: str, text: str, make: Callable[[], list[speech.Chunk]]) -> list[speech.Chunk]:
            key = cache_mod.key("said", saying, kind, text)
            if kind == "paragraph":  # its split stays kept too: a change of lexicon needs it again
                self.keys.append(split_key(text))
            chunks = self.load(key, chunks_from_json)
            if chunks is None:
                chunks = make()
                data = [[c.text, c.spoken, c.pause_after] for c in chunks]
                self.store.put_bytes(key, ".json", json.dumps(data, ensure_ascii=False).encode("utf-8"))
            return chunks

        return remember

    def load(self, key: str, check: Callable[[list], T | None]) -> T | None:
        """Return the cached JSON list under `key` as `check` makes it, None when there is none (or it is damaged)."""
        self.keys.append(key)
        found = self.store.get_bytes(key, ".json")
        if found is None:
            return None
        try:
            data = parse_json(found)
            made = check(data) if isinstance(data, list) else None
        except (ValueError, TypeError):
            made = None
        if made is None:
            log.warning("cached text %s is damaged; making it again", key[:12])
        return made


T = TypeVar("T")


def split_key(paragraph: str) -> str:
    return cache_mod.key("sentences", splitter.SPLITTER, rules_fingerprint(), paragraph)


def chunks_from_json(data: list) -> list[speech.Chunk] | None:
    """Return chunks stored as [text, spoken, pause] lists, or None when `data` is not that."""
    if not all(isinstance(c, list) and len(c) == 3 and all(isinstance(v, str) for v in c) and c[2] in speech.PAUSES
               for c in data):
        return None
    return [speech.Chunk(*c) for c in data]


RULES = {"audio": ("text/speech.py", "text/normalise.py", "text/lexicon.py", "read/article.py", "text/acronyms.txt",
                   "text/splitter.py"),
         "num2words": ("__init__.py", "base.py", "lang_EU.py", "lang_DE.py", "currency.py", "utils.py", "compat.py"),
         "somajo": ("somajo.py", "tokenizer.py", "sentence_splitter.py", "utils.py", "data")}  # what splits and says


@functools.cache
def rules_fingerprint() -> str:
    """Return a hash of the code and data that split and turn written text into chunks (ours, num2words' and
    SoMaJo's, found without importing them): a change to any of them renews what the cache holds of it."""
    import importlib.util

    digest = hashlib.sha256()
    for package, names in RULES.items():
        spec = importlib.util.find_spec(package)
        folder = Path(spec.origin).parent if spec and spec.origin else Path(package)
        for path in (folder / name for name in names):
            for part in sorted(path.rglob("*.txt")) if path.is_dir() else [path]:
                digest.update(part.name.encode() + (part.read_bytes() if part.is_file() else b""))
    return digest.hexdigest()


def level_settings(voice: str, options: BuildOptions) -> str:
    """Return what a section's level depends on besides its speech: the voice, the loudness target, the bitrate."""
    return cache_mod.key("level", voice, options.loudness.__dict__, options.bitrate)


def previous_states(record: manifest.Manifest) -> list[changes.SectionState]:
    """Return the sections of a previous edition as the comparison with a new plan needs them."""
    return [changes.SectionState(s.title, s.key, s.body_key) for s in record.sections]


def load_encoded(plan: SectionPlan, store: Cache, known: tuple[int, int] | None = None) -> None:
    """Fill in a section's encoded audio and cue times from the cache, when both are there and whole.

    `known` is the MP3's frames and bytes as the previous edition recorded them: an MP3 of that
    size needs no counting of its frames (for an hour of audio, a tenth of a second).
    """
    mp3, cues = store.get_bytes(plan.key, ".mp3"), store.get_bytes(plan.key, ".json")
    if mp3 is None or cues is None:
        return
    try:
        frames = known[0] if known and known[1] == len(mp3) and render.plausible_frames(mp3, known[0]) \
            else render.count_mp3_frames(mp3)
        plan.encoded = render.EncodedSection(mp3, frames)
        plan.cues = [(float(start), float(end)) for start, end in parse_json(cues)]
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
