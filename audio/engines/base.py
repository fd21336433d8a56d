"""What every voice offers: text in, mono 16-bit PCM out."""

from __future__ import annotations

from typing import Protocol

from audio.sound.clip import Speech

__all__ = ["Engine", "Speech"]  # Speech is sound's clip type, named here too as every voice returns it


class Engine(Protocol):
    """A voice, loaded and ready to speak. Made by its module's `load(settings, speed, events)`."""

    name: str  # the registry name, as recorded in an edition's manifest
    max_chars: int  # the longest text one synthesize() call accepts
    concurrency: int  # how many synthesize() calls may run at once

    def cache_key(self) -> str:
        """Return everything about this voice that changes the audio it makes (settings and speed included)."""

    def describe(self) -> str:
        """Return the voice as a user reads it in the summary line."""

    def synthesize(self, text: str) -> Speech:
        """Return the speech for one chunk of text; raise EditionError when it cannot."""

    def report(self) -> str | None:
        """Return what the summary should add about this build's use of the voice (e.g. "3 retries"), or None."""
