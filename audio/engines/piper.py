"""Piper's neural German voices, run in this process with the piper-tts package, offline once downloaded."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from audio.engines import voices
from audio.errors import EditionError
from audio.events import Events
from audio.sound.clip import Speech

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
    return None if voices.on_disk(name) else f"has no {name} installed (audio-edition voices download {name})"


def load(settings: Settings, speed: float, events: Events) -> PiperEngine:
    """Return the voice loaded once, ready to speak; a named voice not yet installed is downloaded first."""
    if not speed > 0:
        raise EditionError(f"speed must be above 0, not {speed}")
    return PiperEngine(voices.use(settings.voice, events), speed)


class PiperEngine:
    """A Piper voice, its model loaded once on the first text; speaks a chunk of text at a time into 16-bit PCM.

    The model is loaded when first needed, so a rebuild with nothing to synthesise never loads it.
    """

    name = "piper"
    max_chars = 500  # Piper speaks sentence by sentence; the limit only bounds pathological input
    concurrency = 1  # onnxruntime already uses every core for one model

    def __init__(self, installed: voices.Installed, speed: float = 1.0):
        try:
            from piper import PiperConfig, SynthesisConfig
        except ImportError:  # pragma: no cover - a broken install
            raise EditionError("the Piper voice needs the piper-tts package, which is not installed") from None
        self.installed = installed
        self.speed = speed
        try:
            self.config = PiperConfig.from_dict(json.loads(installed.config.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise EditionError(f"the voice settings {installed.config} are not a Piper voice's .onnx.json "
                               f"({type(exc).__name__}: {str(exc)[:80]})") from None
        rate, scale = self.config.sample_rate, self.config.length_scale
        if not (isinstance(rate, int) and not isinstance(rate, bool) and 8000 <= rate <= 192000):
            raise EditionError(f"the voice settings {installed.config} give no usable sample rate "
                               f"(audio.sample_rate is {str(rate)[:20]}; Piper's voices have 16000 or 22050)")
        if not (isinstance(scale, (int, float)) and not isinstance(scale, bool) and 0.05 <= scale <= 20):
            raise EditionError(f"the voice settings {installed.config} give no usable length scale "
                               f"(inference.length_scale is {str(scale)[:20]}; Piper's voices have about 1)")
        # Piper's length scale is a duration factor: the voice's own, stretched or shrunk by the speed.
        self.length_scale = round(self.config.length_scale / speed, 4)
        self._synthesis = SynthesisConfig(length_scale=self.length_scale)
        self._voice = None
        self._lock = threading.Lock()

    def cache_key(self) -> str:
        return (f"piper-tts {_piper_version()} voice={self.installed.name} model={self.installed.checksum} "
                f"length_scale={self.length_scale} speed={self.speed}")

    def describe(self) -> str:
        return f"piper ({self.installed.name}, offline)"

    def synthesize(self, text: str) -> Speech:
        chunks = self._loaded().synthesize(text, self._synthesis)
        return Speech(pcm=b"".join(chunk.audio_int16_bytes for chunk in chunks), sample_rate=self.config.sample_rate)

    def report(self) -> str | None:
        return None

    def _loaded(self):
        """Return the PiperVoice, loading the model the first time."""
        from piper import PiperVoice

        with self._lock:
            if self._voice is None:
                try:
                    self._voice = PiperVoice.load(self.installed.model, config_path=self.installed.config)
                except Exception as exc:  # onnxruntime raises its own types for a file that is not a model
                    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    raise EditionError(f"the Piper voice {self.installed.model} could not be loaded: "
                                       f"{first_line}") from None
            return self._voice


def _piper_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # 10 ms: only when Piper speaks

    try:
        return version("piper-tts")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"
