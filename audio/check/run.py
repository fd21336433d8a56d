"""Check an edition: hear each sentence on its own where the manifest says it is spoken, and compare.

What was heard is cached like the synthesis, by the sentence's audio keys and the model, so after an
edit only the sentences whose audio changed are heard again; with nothing new to hear the model is not
even loaded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from audio.check.compare import WORD, compare, fold
from audio.check.recogniser import RATE, SETTINGS, Clip, Recogniser, cached_identity, identity
from audio.check.report import CheckReport, SentenceResult, findings
from audio.check.sentences import Sentence, sentences_of
from audio.edition import cache as cache_mod
from audio.edition import manifest
from audio.edition.cache import Cache
from audio.errors import EditionError
from audio.events import Events, NoEvents
from audio.files import parse_json
from audio.sound import formats

log = logging.getLogger(__name__)

MARGIN = 0.15  # seconds of audio heard before and after a sentence (at most half the pause to its neighbour)
SCHEMA = 1  # of a cached hearing; bump when what is stored or how it is heard changes
FEW = 4  # up to this many sentences to hear are decoded one by one (a seek each), more from the whole file
LONGEST = 28.0  # seconds: Whisper hears 30 s at once; a longer sentence is heard in the pieces the voice said


def check(edition: Path | str, model: str = "base", language: str = "de", words: Iterable[str] | None = None,
          cache_dir: Path | None = None, output_dir: Path | None = None, suggest: bool = True,
          events: Events | None = None) -> CheckReport:
    """Return what a recogniser hears in an edition, sentence by sentence, compared with what was written.

    `edition` is the edition's audio, its manifest (`.json`), or the article (its edition in `output_dir`,
    default `output/`). `model` is a Whisper model's name (`base`, `small`: fetched once) or folder.
    `words` limits the check to the sentences with these words and the findings to them.
    `suggest`: try respellings of the words heard wrong on the edition's own voice (see `suggest`).
    """
    events = events or NoEvents()
    record, audio = find_edition(Path(edition), output_dir)
    sentences = sentences_of(record)
    only = {fold(w) for w in words} if words else None
    if only is not None:
        sentences = [s for s in sentences if only & {fold(w) for w in word_list(s.text)}]
    store = Cache(cache_dir or cache_mod.default_dir())
    heard: dict[int, str] = {}
    loaded: Recogniser | None = None
    model_key = model_identity(model)
    if model_key is not None:
        heard = {i: text for i, s in enumerate(sentences) if (text := cached(store, s, model_key, language)) is not None}
    todo = [i for i in range(len(sentences)) if i not in heard]
    if todo:
        loaded = Recogniser(model, language)
        if model_key is None:  # a name fetched just now: the same model may have heard these from a folder before
            model_key = loaded.identity
            heard = {i: text for i, s in enumerate(sentences) if (text := cached(store, s, model_key, language)) is not None}
            todo = [i for i in range(len(sentences)) if i not in heard]
    if todo and loaded is not None:
        model_key = loaded.identity
        clips = slices(audio, sentences, todo, record.duration)
        events.started("Hearing", len(clips))
        for (i, _), text in zip(clips, loaded.hear([clip for _, clip in clips], events.advanced)):
            heard[i] = f"{heard[i]} {text}".strip() if i in heard else text
        for i in todo:
            store.put_bytes(hearing_key(sentences[i], model_key, language), ".json",
                            json.dumps({"heard": heard[i]}, ensure_ascii=False).encode("utf-8"))
    results = [SentenceResult(s.start, s.end, s.text, heard[i], compare(s.text, heard[i])) for i, s in enumerate(sentences)]
    found = findings(results, only)
    report = CheckReport(str(audio), model, record.duration, tuple(results), tuple(found), len(todo))
    if suggest and found:
        from audio.check.suggest import suggestions

        report = replace(report, words=tuple(suggestions(found, results, sentences, record, loaded or model,
                                                          model_key or model, language, store, events)))
    return report


def find_edition(path: Path, output_dir: Path | None) -> tuple[manifest.Manifest, Path]:
    """Return the manifest of the edition that `path` names (its audio, its manifest, or its article) and its audio."""
    if not path.is_file():
        raise EditionError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        record_path = path
    elif formats.is_audio(path):
        record_path = manifest.path_for(path)
    else:  # an article: its last edition, named as `build` names it
        record_path = manifest.path_for(Path(output_dir or "output") / f"{path.stem}.mp3")
        if not record_path.exists():
            raise EditionError(f"{path}: no edition of it in {record_path.parent} (no {record_path.name}); build it "
                               f"first, or give the edition's audio file")
    record = manifest.load(record_path)
    if record is None:
        raise EditionError(f"{path}: not an edition made by audio-edition (no readable record {record_path.name} "
                           f"beside it)")
    audio = record_path.parent / record.audio
    if not audio.is_file():
        raise EditionError(f"{audio}: the edition's audio is missing")
    if not manifest.describes(record, audio):
        raise EditionError(f"{audio}: the audio is not the one its record {record_path.name} describes (a build was "
                           f"cut short?); build it again")
    return record, audio


def word_list(text: str) -> list[str]:
    return WORD.findall(text)


def model_identity(model: str) -> str | None:
    """Return the identity of a model folder without loading it, or None when it is a name not yet resolved
    (then cached hearings are looked up once it is known)."""
    folder = Path(model).expanduser()
    if folder.is_dir() and (folder / "model.bin").is_file():
        return identity(folder.resolve())
    return cached_identity(model)


def hearing_key(sentence: Sentence, model_key: str, language: str) -> str:
    return cache_mod.key("hearing", SCHEMA, sentence.keys, model_key, language, SETTINGS, MARGIN, LONGEST)


def cached(store: Cache, sentence: Sentence, model_key: str, language: str) -> str | None:
    """Return what was heard in `sentence` before with this model, or None (a damaged entry is heard again)."""
    data = store.get_bytes(hearing_key(sentence, model_key, language), ".json")
    if data is None:
        return None
    try:
        heard = parse_json(data)["heard"]
        return heard if isinstance(heard, str) else None
    except (ValueError, KeyError, TypeError):
        log.warning("a cached hearing is damaged; hearing the sentence again")
        return None


def slices(audio: Path, sentences: list[Sentence], todo: list[int], duration: float) -> list[tuple[int, Clip]]:
    """Return the audio of each sentence in `todo` with a margin on either side, as the recogniser takes it, each
    with the index of its sentence: one clip a sentence, or several for one longer than the recogniser hears."""
    import numpy as np

    spans = []
    for i in todo:
        before = sentences[i - 1].end if i > 0 else 0.0
        after = sentences[i + 1].start if i + 1 < len(sentences) else duration
        for start, end in parts(sentences[i]):
            start = max(0.0, start - min(MARGIN, max(0.0, start - before) / 2))
            end = end + min(MARGIN, max(0.0, after - end) / 2)
            spans.append((i, start, end))
            before = end
    if len(spans) <= FEW:
        audio_of = [decode(audio, start, end - start) for _, start, end in spans]
    else:
        whole = decode(audio)
        audio_of = [whole[int(start * RATE):int(end * RATE)] for _, start, end in spans]
    return [(i, Clip(np.asarray(samples), len(word_list(sentences[i].text))))
            for (i, _, _), samples in zip(spans, audio_of)]


def parts(sentence: Sentence) -> list[tuple[float, float]]:
    """Return the stretches to hear a sentence in: all of it, or, beyond what Whisper hears at once (30 s), its
    pieces as the voice said them, joined while they fit."""
    if sentence.end - sentence.start <= LONGEST or len(sentence.pieces) < 2:
        return [(sentence.start, sentence.end)]
    joined: list[tuple[float, float]] = []
    for start, end in sentence.pieces:
        if joined and end - joined[-1][0] <= LONGEST:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def decode(audio: Path, start: float = 0.0, length: float | None = None):
    """Return (a stretch of) an edition's audio as the recogniser hears it: 16 kHz mono float32 samples."""
    import numpy as np

    from audio.sound import ffmpeg

    seek = ["-ss", f"{start:.3f}", "-t", f"{length:.3f}"] if length is not None else []
    pcm = ffmpeg.run([*seek, "-i", str(audio), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "pipe:1"],
                     what=f"reading {audio.name}")
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
