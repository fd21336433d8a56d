"""Piper's neural German voices, run in this process with the piper-tts package, offline once downloaded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from audio import voices
from audio.engines.base import Speech
from audio.errors import EditionError
from audio.events import Events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    voice: str = field(default=voices.DEFAULT_VOICE,
                       metadata={"help": "A Piper voice name (audio-edition voices lists them) or the path of a "
                                         ".onnx file with its .onnx.json beside it."})


SUMMARY = "Piper's neural German voices, offline after a one-time download"
OFFLINE = True


def available(settings: Settings) -> str | None:
    """Return None when the voice is on this machine (no download needed), else why it cannot speak now."""
    name = settings.voice
    if voices.is_path(name):
        model = Path(name).expanduser()
        if not model.is_file():
            return f"has no voice file {model}"
        return None if Path(f"{model}.json").is_file() else f"has no {model.name}.json beside {model}"
    folder = voices.voices_folder()
    if (folder / f"{name}.onnx").is_file() and (folder / f"{name}.onnx.json").is_file():
        return None
    return f"has no {name} installed (audio-edition voices download {name})"


def load(settings: Settings, speed: float, events: Events) -> PiperEngine:
    """Return the voice loaded once, ready to speak; a named voice not yet installed is downloaded first."""
    if not speed > 0:
        raise EditionError(f"--speed must be above 0, not {speed}")
    return PiperEngine(voices.use(settings.voice, events), speed)


class PiperEngine:
    """One loaded Piper model; speaks a chunk of text at a time into 16-bit PCM."""

    name = "piper"
    max_chars = 500  # Piper speaks sentence by sentence; the limit only bounds pathological input
    concurrency = 1  # onnxruntime already uses every core for one model

    def __init__(self, installed: voices.Installed, speed: float = 1.0):
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError:  # pragma: no cover - a broken install
            raise EditionError("the Piper voice needs the piper-tts package: run scripts/setup") from None
        self.installed = installed
        self.speed = speed
        try:
            self._voice = PiperVoice.load(installed.model, config_path=installed.config)
        except Exception as exc:  # onnxruntime and json raise many types for a file that is not a voice
            raise EditionError(f"the Piper voice {installed.model} could not be loaded: "
                               f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        # Piper's length scale is a duration factor: the voice's own, stretched or shrunk by the speed.
        self.length_scale = round(self._voice.config.length_scale / speed, 4)
        self._synthesis = SynthesisConfig(length_scale=self.length_scale)

    def cache_key(self) -> str:
        return (f"piper-tts {_piper_version()} voice={self.installed.name} model={self.installed.checksum} "
                f"length_scale={self.length_scale} speed={self.speed}")

    def describe(self) -> str:
        return f"piper ({self.installed.name}, offline)"

    def synthesize(self, text: str) -> Speech:
        rate = self._voice.config.sample_rate
        pcm = b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, self._synthesis))
        return Speech(pcm=pcm, sample_rate=rate)

    def report(self) -> str | None:
        return None


def _piper_version() -> str:
    try:
        return version("piper-tts")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"
