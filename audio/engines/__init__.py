"""The voices, by name, and the `auto` policy that picks one.

Takes the text of one chunk. Gives `Speech` (sound's clip type). `voices` is Piper's catalogue and its
verified downloads; `base` the interface every voice offers.

Adding a voice means one module in this package and one line in REGISTRY. A voice module declares:

- `Settings`: a frozen dataclass of the voice's own settings; each field is an option of the
  command line (its `metadata` holds the help text, and optionally `short` and `range`);
- `SUMMARY`: one line saying what the voice is;
- `OFFLINE`: True when it speaks without the network (once set up; `load` reports what is missing);
- `available(settings) -> str | None`: None when it can speak here and now, else why not;
- `load(settings, speed, events) -> Engine`: the voice, ready to speak.

A module imports its heavy libraries inside `load`, so naming a voice costs nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from audio.engines.base import Engine, Speech
from audio.errors import EditionError
from audio.events import Events, NoEvents

REGISTRY = {
    "gtts": "audio.engines.google",
    "espeak": "audio.engines.espeak",
    "piper": "audio.engines.piper",
}
AUTO = "auto"
AUTO_ORDER = ("gtts", "piper", "espeak")  # `auto` takes the first voice that is available here and now
NAMES = tuple(REGISTRY)


def module(name: str) -> ModuleType:
    """Return the module of the voice called `name`."""
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, [*REGISTRY, AUTO], n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; the voices are {', '.join(REGISTRY)}"
        raise EditionError(f"no voice named {name!r}{hint}")
    return importlib.import_module(REGISTRY[name])


def settings_fields() -> dict[str, dataclasses.Field]:
    """Return every voice setting by name (voices that share a setting name share its field)."""
    fields: dict[str, dataclasses.Field] = {}
    for name in REGISTRY:
        for field in dataclasses.fields(module(name).Settings):
            fields.setdefault(field.name, field)
    return fields


def settings_for(name: str, given: Mapping[str, Any]) -> Any:
    """Return the Settings of voice `name` from `given`, which may hold other voices' settings too."""
    unknown = set(given) - set(settings_fields())
    if unknown:
        raise EditionError(f"no voice has a setting called {sorted(unknown)[0]!r}")
    settings_type = module(name).Settings
    own = {f.name for f in dataclasses.fields(settings_type)}
    return settings_type(**{key: value for key, value in given.items() if key in own and value is not None})


def load(name: str, given: Mapping[str, Any] = {}, speed: float = 1.0, events: Events = NoEvents()) -> Engine:
    """Return the voice called `name`, set up with the settings in `given` and `speed`, ready to speak."""
    if not 0.5 <= speed <= 2.0:
        raise EditionError(f"speed {speed} is out of range; choose between 0.5 and 2.0 (1.0 is normal)")
    return module(name).load(settings_for(name, given), speed, events)


def choose(requested: str, previous: str | None, given: Mapping[str, Any], events: Events,
           check: bool = True) -> str:
    """Return the name of the voice to use for an edition.

    A named voice is taken as it is. `auto` keeps the voice of the previous edition of the same
    output (an episode never mixes voices), else takes the first voice in AUTO_ORDER that can
    speak here and now. `check=False` (a dry run) does not ask whether the previous voice can speak.
    """
    if requested != AUTO:
        module(requested)
        return requested
    if previous in REGISTRY:
        online = not getattr(module(previous), "OFFLINE", False)
        reason = module(previous).available(settings_for(previous, given)) if check and online else None
        if reason is not None:
            raise EditionError(f"this edition was made with the voice {previous}, which {reason} now; "
                               f"rebuild it with another voice, e.g. engine='espeak'")
        return previous
    passed_over: list[tuple[str, str]] = []
    for name in AUTO_ORDER:
        reason = module(name).available(settings_for(name, given))
        if reason is None:
            skipped = "".join(f"the voice {other} {why}; " for other, why in passed_over)
            text = f"{skipped}using {name}: {module(name).SUMMARY}"
            events.notice(text[0].upper() + text[1:])
            return name
        passed_over.append((name, reason))
    raise EditionError("no voice can speak here: " + "; ".join(f"{n} {why}" for n, why in passed_over))


__all__ = ["Engine", "Speech", "REGISTRY", "NAMES", "AUTO", "module", "settings_fields", "settings_for", "load",
           "choose"]
