"""What a build can be asked to do: the options of an edition, with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio.edition.manifest import SIDECARS
from audio.engines.base import Engine
from audio.sound.loudness import Target
from audio.sound.render import Pauses


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None  # the audio file; else <output_dir>/<article name>.<format>
    output_dir: Path | None = None  # where editions named after their article go; else output/
    audio_format: str | None = None  # mp3, m4b or opus; else from the output's extension, else mp3
    engine: str | Engine = "auto"  # a voice's name, "auto", or a loaded voice
    voice_settings: Mapping[str, Any] = field(default_factory=dict)  # each voice takes the settings it declares
    speed: float = 1.0  # 0.5–2.0, for every voice
    cache_dir: Path | None = None  # else ~/.cache/audio-edition (or AUDIO_EDITION_CACHE)
    pauses: Pauses = field(default_factory=Pauses)
    loudness: Target = field(default_factory=Target)
    bitrate: int = 64  # kbit/s
    cover: Path | None = None  # else the front matter's cover
    fmt: str | None = None  # how to read the article: markdown or text; else from its extension
    lexicons: tuple[Path, ...] = ()  # on top of the built-in lexicon and the article's own lexicon.txt
    intro: Path | None = None  # audio placed before the speech (else the front matter's `intro`)
    outro: Path | None = None  # audio placed after it (else the front matter's `outro`)
    intro_line: str | None = None  # spoken instead of the title, e.g. "Sie hören: {title}."
    sidecars: tuple[str, ...] = tuple(SIDECARS)
    dry_run: bool = False  # report what would change; synthesise and write nothing
    replace: bool = False  # build over the edition of another article of the same name (else refused)
    preview: Path | None = None  # an MP3 of only the sentences this build synthesised, each between silences

    def __post_init__(self):  # paths may be given as strings
        for name in ("output", "output_dir", "cache_dir", "cover", "intro", "outro", "preview"):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, Path(getattr(self, name)))
        object.__setattr__(self, "lexicons", tuple(Path(p) for p in self.lexicons))
