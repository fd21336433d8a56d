"""German sentences: SoMaJo's splitter, and its compiled form kept so that a rebuild starts it in a tenth of the time.

SoMaJo spends about 0.3 s of every start compiling some 140 regular expressions. A rebuild after an
edit needs it for the edited paragraph only, so the compiled tokenizer is stored (a pickle of it,
whose patterns carry their compiled code) and loaded again in 0.03 s. It is loaded by an unpickler
that makes nothing but SoMaJo's three classes and compiled patterns, so a cache entry that someone
else wrote can at worst split sentences badly, never run code.
"""

from __future__ import annotations

import functools
import io
import logging
import pickle
import platform
import re
import sys
from typing import Any

log = logging.getLogger(__name__)

SPLITTER = "somajo de_CMC, numbers end sentences, 1"  # change it when the splitting changes: cached splits renew

_loaded: list[Any] = []  # the process's one tokenizer, once made or loaded


def split_sentences(paragraph: str) -> list[str]:
    """Return the sentences of a German paragraph; `z. B.`, `Dr.` and `1. Januar` end none."""
    return split_with(tokenizer(), paragraph)


def split_with(somajo: Any, paragraph: str) -> list[str]:
    """Return the sentences of `paragraph` as the SoMaJo tokenizer `somajo` and our number rule split it."""
    sentences = []
    for tokens in somajo.tokenize_text([paragraph]):
        text = "".join(t.text + (" " if t.space_after else "") for t in tokens).strip()
        sentences += [part for part in number_ends_sentence().split(text) if part]
    return sentences


@functools.cache
def number_ends_sentence() -> re.Pattern:
    """`Die Zahl stieg auf 23. Die Polizei …` and `Das sagte Karl V. Danach …`: SoMaJo takes `23.` and `V.` for
    an ordinal and does not end the sentence; this pattern finds where one ends all the same."""
    from audio.text.normalise import STARTER

    return re.compile(rf"(?<=[\dIVX]\.)\s+(?={STARTER})")


def tokenizer() -> Any:
    """Return the tokenizer: the loaded one, else a new one (compiling its patterns)."""
    if not _loaded:
        from somajo import SoMaJo

        _loaded.append(SoMaJo("de_CMC", split_camel_case=False))
    return _loaded[0]


def ready() -> bool:
    """Return True when the tokenizer is made or loaded, so splitting costs nothing more to start."""
    return bool(_loaded)


def forget() -> None:
    """Drop the tokenizer, as if the process had just started."""
    _loaded.clear()


def compiled_name() -> str:
    """Return what a compiled tokenizer depends on: the splitting, SoMaJo's, regex's and Python's versions."""
    import regex
    import somajo

    return f"{SPLITTER}; somajo {somajo.__version__}; regex {regex.__version__}; {sys.version}; {platform.machine()}"


def compiled() -> bytes:
    """Return the tokenizer in its compiled form, for `load_compiled` in a later run."""
    return pickle.dumps(tokenizer(), protocol=pickle.HIGHEST_PROTOCOL)


ALLOWED = {("somajo.somajo", "SoMaJo"), ("somajo.tokenizer", "Tokenizer"),
           ("somajo.sentence_splitter", "SentenceSplitter"), ("regex._regex", "compile")}
TRIAL = ("Am 1. Januar sagte Dr. Müller z. B. nichts. Die Zahl stieg auf 23. Dann ging er!",
         ["Am 1. Januar sagte Dr. Müller z. B. nichts.", "Die Zahl stieg auf 23.", "Dann ging er!"])


class _TokenizerUnpickler(pickle.Unpickler):
    """Makes SoMaJo's objects and compiled patterns only; anything else in the data is refused.

    SoMaJo's classes are handed out as throwaway subclasses, so that the data can change at most
    the objects it makes, never the classes every later tokenizer of the process uses.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a tokenizer")
        found = super().find_class(module, name)
        return type(name, (found,), {}) if isinstance(found, type) else found


def load_compiled(data: bytes) -> bool:
    """Use the tokenizer that `compiled()` gave in an earlier run; return False (loading nothing) if `data` is not one
    that splits a trial paragraph as SoMaJo does."""
    from somajo import SoMaJo

    try:
        loaded = _TokenizerUnpickler(io.BytesIO(data)).load()
        if not isinstance(loaded, SoMaJo) or split_with(loaded, TRIAL[0]) != TRIAL[1]:
            raise ValueError("it does not split sentences as SoMaJo does")
    except Exception as exc:  # noqa: BLE001 - damaged or foreign data of any kind: compile the patterns instead
        log.warning("the stored sentence splitter is unusable (%s); starting it afresh", exc)
        return False
    _loaded[:] = [loaded]
    return True
