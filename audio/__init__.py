"""audio-edition: German news articles as chaptered podcast episodes.

Use from Python:

    import audio
    result = audio.build("article/twitter-microsoft.txt", engine="espeak", output="output/ep1.mp3")
    print(result.output, result.duration, [chapter.title for chapter in result.chapters])

Other names are loaded when first used.
"""

from __future__ import annotations

import importlib

# Imported at once: importing the module audio.build would otherwise make `audio.build` the module.
from audio.build import BuildResult, build  # noqa: E402
from audio.check import check  # noqa: E402  (the same for the package audio.check)
from audio.version import __version__  # noqa: E402

_PUBLIC = {
    "BuildOptions": "audio.edition.options",
    "Events": "audio.events",
    "NoEvents": "audio.events",
    "EditionError": "audio.errors",
    "Article": "audio.read.article",
    "Section": "audio.read.article",
    "read_article": "audio.read.source",
    "parse_article": "audio.read.source",
    "Chapter": "audio.sound.export",
    "Pauses": "audio.sound.render",
    "Target": "audio.sound.loudness",
    "engines": "audio.engines",
    "build_many": "audio.batch",
    "BatchItem": "audio.batch",
    "digest": "audio.briefing",
    "BriefingOptions": "audio.briefing",
    "BriefingResult": "audio.briefing",
    "CheckReport": "audio.check.report",
}

__all__ = ["build", "BuildResult", "check", *_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'audio' has no attribute {name!r}")
    module = importlib.import_module(_PUBLIC[name])
    return module if module.__name__ == f"audio.{name}" else getattr(module, name)


def __dir__() -> list[str]:
    return sorted(__all__)
