"""The offline voice: espeak-ng, loaded from the library that the espeakng-loader package ships."""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from pathlib import Path

from audio.errors import EditionError
from audio.events import Events
from audio.sound.clip import Speech

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE = 1
ESPEAK_PITCH = 3
EE_OK = 0

SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


SUMMARY = "espeak-ng's German voice, offline and instant, but robotic"
OFFLINE = True
RATE = 165  # words per minute at speed 1.0; espeak's own 175 is hurried for news


@dataclass(frozen=True)
class Settings:
    """espeak has no settings a user needs; its rate follows the common speed."""


@dataclass(frozen=True)
class EspeakSettings:
    voice: str = "de"
    rate: int = RATE
    pitch: int = 50


def available(settings: Settings) -> str | None:
    """Return None: espeak-ng ships with the project and always speaks."""
    return None


def load(settings: Settings, speed: float = 1.0, events: Events | None = None) -> EspeakEngine:
    """Return the espeak-ng voice speaking at `speed` times its normal rate."""
    return EspeakEngine(EspeakSettings(rate=round(RATE * speed)))


class EspeakEngine:
    """German speech from the espeak-ng library, in this process, without network."""

    name = "espeak"
    max_chars = 600  # a sentence is one request; the limit only bounds pathological input
    concurrency = 1  # one library per process, which speaks one text at a time

    def __init__(self, settings: EspeakSettings = EspeakSettings()):
        self.settings = settings
        self._library = _Library.get()

    def cache_key(self) -> str:
        s = self.settings
        return f"espeak-ng {self._library.version} voice={s.voice} rate={s.rate} pitch={s.pitch}"

    def describe(self) -> str:
        return f"espeak ({self.settings.voice}, offline)"

    def synthesize(self, text: str) -> Speech:
        return self._library.speak(text, self.settings)

    def report(self) -> str | None:
        return None


class _Library:
    """The loaded libespeak-ng: one per process, used by one thread at a time."""

    _instance: _Library | None = None
    _create_lock = threading.Lock()

    @classmethod
    def get(cls) -> _Library:
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self):
        try:
            import espeakng_loader
        except ImportError:  # pragma: no cover - a broken install
            raise EditionError("the offline voice needs the espeakng-loader package, which is not installed") from None
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [SYNTH_CALLBACK]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        data_dir = str(Path(espeakng_loader.get_data_path()).parent).encode()
        self.sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_dir, 0)
        if self.sample_rate <= 0:
            raise EditionError("espeak-ng could not be started (its data files are missing)")
        self.version = lib.espeak_Info(None).decode()
        self._lib = lib
        self._lock = threading.Lock()
        self._buffer: list[bytes] = []
        self._callback = SYNTH_CALLBACK(self._collect)  # kept alive as long as the library
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: EspeakSettings | None = None

    def speak(self, text: str, settings: EspeakSettings) -> Speech:
        """Return the PCM that espeak-ng makes of `text` with `settings`."""
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            self._use(settings)
            self._buffer = []
            status = self._lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None)
            if status != EE_OK:
                raise EditionError(f"espeak-ng failed to speak a sentence (status {status})")
            pcm = b"".join(self._buffer)
        return Speech(pcm=pcm, sample_rate=self.sample_rate)

    def _use(self, settings: EspeakSettings) -> None:
        if settings == self._voice:
            return
        if self._lib.espeak_SetVoiceByName(settings.voice.encode()) != EE_OK:
            raise EditionError(f"espeak-ng has no voice named {settings.voice!r}")
        self._lib.espeak_SetParameter(ESPEAK_RATE, settings.rate, 0)
        self._lib.espeak_SetParameter(ESPEAK_PITCH, settings.pitch, 0)
        self._voice = settings

    def _collect(self, wav, count, events) -> int:
        if wav and count > 0:
            self._buffer.append(ctypes.string_at(wav, count * 2))
        return 0
