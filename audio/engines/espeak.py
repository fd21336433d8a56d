"""The offline voice: espeak-ng, loaded from the library that the espeakng-loader package ships."""

from __future__ import annotations

import contextlib
import ctypes
import os
import tempfile
import threading
from collections.abc import Iterator
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
        return f"espeak-ng {self._library.version} afresh voice={s.voice} rate={s.rate} pitch={s.pitch}"

    def describe(self) -> str:
        return f"espeak ({self.settings.voice}, offline)"

    def synthesize(self, text: str) -> Speech:
        return self._library.speak(text, self.settings)

    def report(self) -> str | None:
        return None


class _Library:
    """libespeak-ng, loaded afresh for every text: the same text always gives the same samples.

    The library keeps state between texts that changes the audio (the phase of its pitch flutter, its gain
    control), so a sentence spoken after another sounded slightly different from the same sentence spoken
    first, and a cached sentence differed from a freshly made one. A private copy of the library is opened,
    used for one text and closed again (1-2 ms), so every text starts from the same state. One text at a time.
    """

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
        # A private copy: a library that something else in this process has open would not start afresh.
        self._path, self._keep = _private_copy(Path(espeakng_loader.get_library_path()))
        self._data = str(Path(espeakng_loader.get_data_path()).parent).encode()
        self._lock = threading.Lock()
        self._buffer: list[bytes] = []
        self._callback = SYNTH_CALLBACK(self._collect)  # kept alive as long as the library
        self._voices: dict[str, bytes] = {}  # a voice's name → the file it was found in, which loads fastest
        with self._opened() as lib:
            self.sample_rate = self._rate
            self.version = lib.espeak_Info(None).decode()

    def speak(self, text: str, settings: EspeakSettings) -> Speech:
        """Return the PCM that espeak-ng makes of `text` with `settings`."""
        data = text.encode("utf-8") + b"\0"
        with self._lock, self._opened() as lib:
            self._use(lib, settings)
            self._buffer = []
            status = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None)
            if status != EE_OK:
                raise EditionError(f"espeak-ng failed to speak a sentence (status {status})")
            pcm = b"".join(self._buffer)
        return Speech(pcm=pcm, sample_rate=self.sample_rate)

    @contextlib.contextmanager
    def _opened(self) -> Iterator[ctypes.CDLL]:
        """Yield the library freshly loaded and started; it is closed (and forgets everything) afterwards."""
        lib = ctypes.CDLL(self._path, mode=getattr(os, "RTLD_LOCAL", 0))
        try:
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
            lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
            self._rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, self._data, 0)
            if self._rate <= 0:
                raise EditionError("espeak-ng could not be started (its data files are missing)")
            lib.espeak_SetSynthCallback(self._callback)
            yield lib
        finally:
            lib.espeak_Terminate()
            _close(lib)

    def _use(self, lib: ctypes.CDLL, settings: EspeakSettings) -> None:
        name = self._voices.get(settings.voice, settings.voice.encode())
        if lib.espeak_SetVoiceByName(name) != EE_OK:
            raise EditionError(f"espeak-ng has no voice named {settings.voice!r}")
        if settings.voice not in self._voices:  # `de` is found by reading every voice file; `gmw/de` directly
            self._voices[settings.voice] = lib.espeak_GetCurrentVoice().contents.identifier or name
        lib.espeak_SetParameter(ESPEAK_RATE, settings.rate, 0)
        lib.espeak_SetParameter(ESPEAK_PITCH, settings.pitch, 0)

    def _collect(self, wav, count, events) -> int:
        if wav and count > 0:
            self._buffer.append(ctypes.string_at(wav, count * 2))
        return 0


class _Voice(ctypes.Structure):
    """The start of espeak_VOICE: the fields read here."""

    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_char_p), ("identifier", ctypes.c_char_p)]


def _private_copy(library: Path) -> tuple[str, object]:
    """Return the path of a copy of `library` that only this process opens, and what keeps it alive.

    In memory where the system allows (Linux: nothing is left on disk, even by a killed process), else
    in a temporary folder removed at exit.
    """
    data = library.read_bytes()
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("libespeak-ng.so")
        handle = os.fdopen(fd, "wb", closefd=True)  # open for the life of the process
        handle.write(data)
        handle.flush()
        return f"/proc/self/fd/{fd}", handle
    folder = tempfile.TemporaryDirectory(prefix="audio-edition-espeak-")
    path = Path(folder.name) / library.name
    path.write_bytes(data)
    return str(path), folder


def _close(lib: ctypes.CDLL) -> None:
    """Unload a library opened with ctypes, so that the next open starts it afresh."""
    import _ctypes

    close = getattr(_ctypes, "dlclose", None) or getattr(_ctypes, "FreeLibrary", None)
    if close is not None:
        close(lib._handle)
