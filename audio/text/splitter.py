"""German sentences: SoMaJo's splitter, started once per process.

SoMaJo spends about 0.1 s of a start compiling some 140 regular expressions. It is started only
when a paragraph's split is not in the cache (an edit), and never loaded from the cache: a kept
compiled form (a pickle, whose patterns carry the code the regex engine trusts) let a file in the
cache folder crash every build or run code. Kept that way, a rebuild after an edit started 0.08 s
sooner (README, benchmark).
"""

from __future__ import annotations

import functools
import re
from typing import Any

SPLITTER = "somajo de_CMC, numbers end sentences, 1"  # change it when the splitting changes: cached splits renew

_loaded: list[Any] = []  # the process's one tokenizer, once made


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
    """Return the tokenizer: the process's one, else a new one (compiling its patterns)."""
    if not _loaded:
        from somajo import SoMaJo

        _loaded.append(SoMaJo("de_CMC", split_camel_case=False))
    return _loaded[0]


def forget() -> None:
    """Drop the tokenizer, as if the process had just started."""
    _loaded.clear()
