"""A voice module written only for the tests: it proves that a new voice needs this file and one registry line.

It "speaks" a tone whose length follows the text and the speed, and whose pitch is its one setting.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from audio.sound.clip import Speech

SUMMARY = "a test tone, one beep per text"
OFFLINE = True
RATE = 16000
loads = []  # every load() call, so tests can count them


@dataclass(frozen=True)
class Settings:
    pitch_hz: int = field(default=440, metadata={"help": "Frequency of the tone.", "range": (50, 4000)})


def available(settings: Settings) -> str | None:
    return None


def load(settings: Settings, speed: float, events) -> ToneVoice:
    loads.append((settings, speed))
    return ToneVoice(settings, speed)


class ToneVoice:
    name = "tone"
    max_chars = 200
    concurrency = 2

    def __init__(self, settings: Settings, speed: float):
        self.settings, self.speed, self.spoken = settings, speed, []

    def cache_key(self) -> str:
        return f"tone pitch={self.settings.pitch_hz} speed={self.speed:g}"

    def describe(self) -> str:
        return f"tone ({self.settings.pitch_hz} Hz)"

    def synthesize(self, text: str) -> Speech:
        self.spoken.append(text)
        samples = int(RATE * 0.05 * len(text) / self.speed)
        step = 2 * math.pi * self.settings.pitch_hz / RATE
        pcm = b"".join(struct.pack("<h", int(12000 * math.sin(step * i))) for i in range(samples))
        return Speech(pcm, RATE)

    def report(self) -> str | None:
        return f"{len(self.spoken)} beeps"
