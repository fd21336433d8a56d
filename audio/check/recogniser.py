"""The speech recogniser: a Whisper model in CTranslate2's format, through faster-whisper, on the CPU.

The one module that imports faster-whisper, which is an optional extra (`audio-edition[check]`).
A model is a folder (config.json, model.bin, tokenizer.json, vocabulary.*) or a name that faster-whisper
fetches once from the model hub (`base`, `small`, or `owner/repository`) into huggingface_hub's cache
(`HF_HOME`; `HF_ENDPOINT` names another hub, a mirror).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audio.errors import EditionError

log = logging.getLogger(__name__)

RATE = 16000  # Whisper hears 16 kHz mono
BATCH = 4  # clips heard together: 8 takes as much CPU as 4 but 260 MB more memory, 1 a sixth more CPU
GROUP = 64  # clips prepared at once (about 1 MB of features each), so a long edition's memory stays flat
SETTINGS = {"beam_size": 5, "temperature": 0.0, "without_timestamps": True}  # what shapes what is heard
INSTALL = "pip install 'audio-edition[check]'"
MODEL_FILES = ("config.json", "model.bin", "tokenizer.json")


@dataclass(frozen=True)
class Clip:
    """A stretch of audio to hear on its own: samples of 16 kHz mono float32 and the most words to expect."""

    samples: object  # numpy.ndarray
    max_words: int


class Recogniser:
    """A loaded model: `hear(clips)` returns what was heard in each, in order."""

    def __init__(self, model: str, language: str = "de"):
        self.name = model
        self.language = language
        self._folder = locate(model).resolve()
        self.identity = identity(self._folder)
        self._model = load_model(self._folder)

    def hear(self, clips: list[Clip], advanced: Callable[[int], None] = lambda n: None) -> list[str]:
        """Return the text heard in each clip, each heard on its own (none conditions another); `advanced(n)`
        is told as each group of clips is done."""
        import numpy as np
        from faster_whisper import BatchedInferencePipeline

        pipeline = BatchedInferencePipeline(self._model)
        heard: list[str] = []
        for first in range(0, len(clips), GROUP):
            group = clips[first:first + GROUP]
            gap = np.zeros(RATE // 10, dtype=np.float32)
            parts, stamps, at = [], [], 0
            for clip in group:
                samples = np.asarray(clip.samples, dtype=np.float32)
                stamps.append({"start": at / RATE, "end": (at + len(samples)) / RATE})
                parts += [samples, gap]
                at += len(samples) + len(gap)
            budget = 20 + 4 * max(c.max_words for c in group)  # tokens: a word is one to three; a loop stops here
            segments, _ = pipeline.transcribe(np.concatenate(parts), language=self.language, clip_timestamps=stamps,
                                              batch_size=BATCH, max_new_tokens=min(budget, 440), **SETTINGS)
            texts: dict[int, list[str]] = {}
            seeks = {int(int(s["start"] * RATE) / RATE * 100): i for i, s in enumerate(stamps)}
            for segment in segments:  # each names its clip by where it starts (`seek`, in 10 ms frames)
                index = seeks.get(segment.seek)
                if index is None:  # another faster-whisper: the clip whose start is nearest the segment's
                    index = min(range(len(stamps)), key=lambda i: abs(stamps[i]["start"] - segment.start))
                texts.setdefault(index, []).append(segment.text.strip())
            heard += [" ".join(texts.get(i, [])).strip() for i in range(len(group))]
            advanced(len(group))
        return heard


def available() -> bool:
    """Return True when faster-whisper can be imported."""
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return False
    return True


def locate(model: str) -> Path:
    """Return the folder of `model`: itself when it is a folder, else the hub's copy, fetched once."""
    path = Path(model).expanduser()
    if path.is_dir():
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise EditionError(f"{model}: not a Whisper model folder in CTranslate2's format (no {', '.join(missing)})")
        return path
    if looks_like_path(model):
        raise EditionError(f"{model}: no such model folder; give a folder with a Whisper model in CTranslate2's "
                           f"format, or a model's name such as 'base' or 'small'")
    if not available():
        raise EditionError(f"checking needs the speech recogniser: {INSTALL}")
    from faster_whisper.utils import available_models, download_model

    if "/" not in model and model not in available_models():
        raise EditionError(f"unknown model {model!r}: give a folder, or one of {', '.join(available_models())}")
    try:
        return Path(download_model(model, local_files_only=True))  # fetched before: no need to ask the hub
    except Exception:  # not in huggingface_hub's cache (its errors have no common base but Exception)
        pass
    try:
        return Path(download_model(model))
    except Exception as exc:  # huggingface_hub's errors: offline, not found, refused, a broken download
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EditionError(f"could not fetch the speech model {model!r} ({reason[:200]}); give a model folder "
                           f"instead, or fetch it once with internet") from None


def cached_identity(model: str) -> str | None:
    """Return the identity of a model given by name when it was fetched before, without the network; else None."""
    if looks_like_path(model) or not available():
        return None
    from faster_whisper.utils import download_model

    try:
        return identity(Path(download_model(model, local_files_only=True)).resolve())
    except Exception:  # not fetched yet, or not a name faster-whisper knows
        return None


def looks_like_path(model: str) -> bool:
    """Return True when `model` is written as a path (not a hub name like `base` or `Systran/faster-whisper-small`)."""
    return model.startswith((".", "/", "~")) or os.sep in model.strip("/").replace("/", "", 1) or \
        model.endswith(os.sep) or (os.altsep or "\0") in model


@functools.cache
def identity(folder: Path) -> str:
    """Return what identifies a model's content, cheaply: its small files and the ends of model.bin, and its size.

    Part of every cached result's key, so a different model hears again; hashing all of model.bin
    (145 MB for `base`, 480 MB for `small`) would cost more than a one-sentence check.
    """
    digest = hashlib.sha256()
    for name in sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "model.bin"):
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    model = folder / "model.bin"
    size = model.stat().st_size
    with open(model, "rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    digest.update(str(size).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=2)  # a library user (a service, a test session) checking edition after edition loads it once
def load_model(folder: Path):
    """Return the loaded model; a folder that CTranslate2 cannot read is an EditionError."""
    if not available():
        raise EditionError(f"checking needs the speech recogniser: {INSTALL}")
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 0)
    except (RuntimeError, ValueError, OSError) as exc:
        raise EditionError(f"{folder}: cannot load the speech model ({str(exc).strip().splitlines()[0][:200]})") from None
