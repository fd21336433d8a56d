"""Lexicon lines to try for the words heard wrong: respellings spoken by the edition's own voice and heard right.

A respelling is only proposed when it was tried: the sentence where the word was heard wrong is spoken
again by the edition's voice with the respelling in place of the word, heard by the same recogniser, and
the word must now be heard as written. The candidates, in this order:

- the word as written, when a lexicon line respelled it (the line made it worse: `Hamburg = Hamburg`
  overrides it; better, delete the line);
- German spellings of sounds that the voice reads otherwise: a voiceless `ß` or a `z` for an initial
  `s` (espeak's voiced `s` in `seine` is heard as `m`), and for names spelled the English way `u` → `a`
  (`Musk` → `Mask`), `i` → `ai` after a first consonant, `j` → `dsch`, `y` → `j`, `c` → `k`, `sh` → `sch`,
  `th` → `t`, `ee`/`ea` → `i`, `oo` → `u`, `ou`/`ow` → `au`, `w` → `u` after a consonant, `ph` → `f`,
  and all that apply at once.

At most `WORDS` words, `CANDIDATES` candidates each, all heard in one batch; what was found is cached
by the word, the sentence, the voice and the model, like the hearings.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any

from audio import engines
from audio.check.compare import compare, fold
from audio.check.recogniser import RATE, Clip, Recogniser
from audio.check.report import Finding, occurrences
from audio.check.sentences import Sentence
from audio.edition import cache as cache_mod
from audio.edition import manifest
from audio.edition.cache import Cache
from audio.errors import EditionError
from audio.events import Events
from audio.files import parse_json

log = logging.getLogger(__name__)

WORDS = 5  # the worst words tried
CANDIDATES = 5  # respellings tried per word
SCHEMA = 1
VOWEL = "aeiouäöüy"
CONSONANT = "bcdfghjklmnpqrstvwxzßBCDFGHJKLMNPQRSTVWXZ"
RULES: list[tuple[str, str, Any]] = [  # (what, pattern, replacement): one German reading of a spelling a voice reads otherwise
    ("voiceless s", rf"^[Ss](?=[{VOWEL}])", "ß"),
    ("ts for s", rf"^s(?=[{VOWEL}])|^S(?=[{VOWEL}])", lambda m: "z" if m.group() == "s" else "Z"),
    ("u as a", rf"(?<=[{CONSONANT}])u(?=[{CONSONANT}]{{2}}|[{CONSONANT}]$)", "a"),
    ("i as ai", rf"(?<=^[{CONSONANT}])i(?=[{CONSONANT}])", "ai"),
    ("j as dsch", rf"^J(?=[{VOWEL}])", "Dsch"),
    ("y as j", rf"^Y(?=[{VOWEL}])", "J"),
    ("cc as kk", r"cc", "kk"),
    ("c as k", r"c(?=[aouklrt]|$)", "k"),
    ("sh as sch", r"sh", "sch"),
    ("th as t", r"th", "t"),
    ("ee as i", r"ee|ea", "i"),
    ("oo as u", r"oo", "u"),
    ("ou as au", rf"ou|ow(?![{VOWEL}])", "au"),
    ("w as u", rf"(?<=[{CONSONANT}])w(?=[{VOWEL}])", "u"),
    ("ph as f", r"ph", "f"),
]


def suggestions(found: list[Finding], results: list, sentences: list[Sentence], record: manifest.Manifest,
                hearer: Recogniser | str, model_key: str, language: str, store: Cache,
                events: Events) -> list[Finding]:
    """Return the findings, each with the respelling the edition used (if a lexicon line respelled it) and a
    lexicon line that was heard right, where one was found; `hearer` is the loaded recogniser, or the model
    to load if a respelling is to be heard, `model_key` its identity."""
    tries: list[tuple[int, str, str, Sentence]] = []  # (finding, candidate, spoken sentence, sentence)
    done: dict[int, str | None] = {}
    keys: dict[int, str] = {}
    updated = list(found)
    for index, finding in enumerate(found[:WORDS]):
        sentence = shortest_misheard(finding, results, sentences)
        if sentence is None:
            continue
        respelling = respelled_as(finding.word, sentence)
        updated[index] = replace(finding, lexicon=respelling)
        spoken_word = respelling or finding.word
        if not re.search(whole(spoken_word), sentence.spoken):
            continue  # the rules said it otherwise (a number, an acronym): no respelling of the word reaches the voice
        candidates = candidates_for(finding.word, respelling)
        keys[index] = cache_mod.key("suggestion", SCHEMA, finding.word, candidates, sentence.text, sentence.spoken,
                                    record.voice, model_key, language)
        cached = store.get_bytes(keys[index], ".json")
        if cached is not None:
            try:
                done[index] = parse_json(cached)["suggestion"]
                continue
            except (ValueError, KeyError, TypeError):
                pass
        tries += [(index, c, re.sub(whole(spoken_word), c, sentence.spoken), sentence) for c in candidates]
    if tries:
        heard = hear_tries(tries, record, hearer, language, events)
        for index in sorted({t[0] for t in tries}):
            done[index] = None
            for (i, candidate, _, sentence), text in zip(tries, heard):
                if i == index and heard_right(found[index].word, sentence.text, text):
                    done[index] = candidate
                    break
            store.put_bytes(keys[index], ".json", json.dumps({"suggestion": done[index]}).encode())
    voice = f"[{record.engine}] " if record.engine in ("espeak", "piper") else ""  # a respelling is for one voice
    for index, line in done.items():
        if line is not None:
            updated[index] = replace(updated[index], suggestion=f"{voice}{found[index].word} = {line}")
    return updated


def candidates_for(word: str, respelling: str | None) -> list[str]:
    """Return the respellings to try for `word`, most likely first (see the module's docstring)."""
    singles: list[str] = []
    every = word  # all the rules that apply at once: a name spelled the English way needs several
    for name, pattern, replacement in RULES:
        changed = re.sub(pattern, replacement, word)
        if changed != word:
            singles.append(changed)
            if name != "ts for s":  # the other reading of the same `s`
                every = re.sub(pattern, replacement, every)
    found = ([word] if respelling else []) + ([every] if every not in singles and every != word else []) + singles
    unique = [c for i, c in enumerate(found) if c not in found[:i] and c != respelling]
    return unique[:CANDIDATES]


def shortest_misheard(finding: Finding, results: list, sentences: list[Sentence]) -> Sentence | None:
    """Return the shortest sentence in which the word was heard wrong (the cheapest to say and hear again)."""
    key = fold(finding.word)
    misheard = [s for r, s in zip(results, sentences)
                if any(fold(w) == key and bad for w, bad, _ in occurrences(r.comparison))]
    return min(misheard, key=lambda s: len(s.spoken), default=None)


def respelled_as(word: str, sentence: Sentence) -> str | None:
    """Return what a lexicon line made of `word` in the spoken sentence, or None when it was said as written."""
    from audio.text.normalise import normalise

    if re.search(whole(word), sentence.spoken):
        return None
    ruled = re.findall(r"\w+", normalise(sentence.text))
    spoken = re.findall(r"\w+", sentence.spoken)
    if word not in ruled:
        return None
    at = ruled.index(word)
    for tag, r1, r2, s1, s2 in SequenceMatcher(None, ruled, spoken, autojunk=False).get_opcodes():
        if tag == "replace" and r1 <= at < r2 and r2 - r1 == 1:
            return " ".join(spoken[s1:s2])
    return None


def hear_tries(tries: list, record: manifest.Manifest, hearer: Recogniser | str, language: str,
               events: Events) -> list[str]:
    """Return what was heard of each tried sentence, spoken by the edition's voice; nothing when it cannot speak."""
    import numpy as np

    from audio.sound import ffmpeg

    try:
        why = engines.module(record.engine).available(engines.settings_for(record.engine, record.voice_settings))
        if why:  # never download a voice for this (a Piper voice not installed), nor wait for one that is not there
            raise EditionError(f"{record.engine} {why}")
        voice = engines.load(record.engine, record.voice_settings)
        clips = []
        for _, _, spoken, _ in tries:
            speech = voice.synthesize(spoken)
            pcm = ffmpeg.run(["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0", "-f", "s16le",
                              "-ar", str(RATE), "pipe:1"], stdin=speech.pcm, what="resampling a respelling")
            samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
            clips.append(Clip(samples, len(spoken.split())))
    except EditionError as exc:
        events.notice(f"no lexicon lines were tried: the edition's voice cannot speak here ({exc})")
        return ["" for _ in tries]
    loaded = hearer if isinstance(hearer, Recogniser) else Recogniser(hearer, language)
    events.started("Trying respellings", len(clips))
    return loaded.hear(clips, events.advanced)


def heard_right(word: str, written: str, heard: str) -> bool:
    """Return True when every occurrence of `word` in the sentence was heard as written."""
    key = fold(word)
    places = [bad for w, bad, _ in occurrences(compare(written, heard)) if fold(w) == key]
    return bool(places) and not any(places)


def whole(word: str) -> str:
    return rf"(?<!\w){re.escape(word)}(?!\w)"
