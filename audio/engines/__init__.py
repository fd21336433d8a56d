"""The voices, by name. Adding one means one module here and one line in `make`."""

from __future__ import annotations

from audio.engines.base import Engine, Speech

NAMES = ("espeak", "gtts")


def make(name: str, tld: str = "de", slow: bool = False) -> Engine:
    """Return the engine called `name`, set up for German."""
    if name == "espeak":
        from audio.engines.espeak import EspeakEngine

        return EspeakEngine()
    if name == "gtts":
        from audio.engines.google import GoogleEngine, GoogleSettings

        return GoogleEngine(GoogleSettings(tld=tld, slow=slow))
    raise ValueError(f"unknown engine {name!r}")


__all__ = ["Engine", "Speech", "NAMES", "make"]
