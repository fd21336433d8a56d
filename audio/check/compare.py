"""Compare what was heard with what was written, word by word, after the same normalisation on both sides.

Pure functions: strings in, data out. Both sides go through the project's own German normalisation
(`audio.text.normalise`: numbers, dates, units and acronyms as they are said), then lose case and
punctuation, so `44 Milliarden` heard as `vierundvierzig Milliarden`, or `KI` heard as `Ka-I`, is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # letters and digits; hyphens, dashes and punctuation split words
MERGE = 3  # at most this many words on one side may be one word on the other: `Twitter-Daten` heard as `Twitterdaten`


@dataclass(frozen=True)
class Word:
    """A word as compared (`said`), the written word it stands for (`written`: `ze` stands for `CNBC`),
    and which written word of its sentence that is (`at`: the words said for `CNBC` share one)."""

    said: str
    written: str
    at: int


@dataclass(frozen=True)
class Comparison:
    """One sentence compared: its words, which of them were heard wrong and as what, and the word errors."""

    words: tuple[Word, ...]
    wrong: tuple[bool, ...]  # per word: heard as something else, or not at all
    heard_as: tuple[str, ...]  # per word: what was heard in its place ("" when nothing was)
    errors: int  # substitutions + deletions + insertions

    @property
    def wer(self) -> float:
        return self.errors / len(self.words) if self.words else float(self.errors > 0)


def said_words(text: str) -> list[str]:
    """Return the words of `text` as they are said, for comparing: normalised, lower case, without punctuation."""
    from audio.text.normalise import normalise  # the German rules load when there is something to compare

    return [fold(w) for w in WORD.findall(normalise(text))]


def written_words(text: str) -> list[Word]:
    """Return the words of a written sentence as compared, each with the written word it comes from.

    Normalisation turns one written word into several (`44` into `vierundvierzig`, `CNBC` into
    `Ze En Be Ze`); each of those stands for the written word, so a finding names what the article says.
    """
    written = WORD.findall(text)
    said = said_words(text)
    words: list[Word] = []
    matcher = SequenceMatcher(None, [fold(w) for w in written], said, autojunk=False)
    for tag, w1, w2, s1, s2 in matcher.get_opcodes():
        if tag == "equal":
            words += [Word(said[s1 + i], written[w1 + i], w1 + i) for i in range(s2 - s1)]
        else:  # said otherwise (a number, an acronym) or added by the rules: stands for the written words here
            source = " ".join(written[w1:w2])
            words += [Word(s, source or s, w1) for s in said[s1:s2]]
    return words


def compare(written: str, heard: str) -> Comparison:
    """Return how `heard` differs from `written`, word by word (Levenshtein over words, where up to
    three words on one side that spell one word on the other are a match, not an error)."""
    words = written_words(written)
    ref = [w.said for w in words]
    hyp = said_words(heard)
    wrong, heard_as, errors = align(ref, hyp)
    return Comparison(tuple(words), tuple(wrong), tuple(heard_as), errors)


def align(ref: list[str], hyp: list[str]) -> tuple[list[bool], list[str], int]:
    """Return, for each word of `ref`, whether it was heard wrong and what was heard there; and the errors."""
    n, m = len(ref), len(hyp)
    inf = n + m + 1
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            moves = [(1, 0, 1), (0, 1, 1)]  # a word not heard; a word heard that was not said
            if i < n and j < m:
                moves.append((1, 1, 0 if ref[i] == hyp[j] else 1))
            for k in range(2, MERGE + 1):
                if i + k <= n and j < m and "".join(ref[i:i + k]) == hyp[j]:
                    moves.append((k, 1, 0))
                if j + k <= m and i < n and "".join(hyp[j:j + k]) == ref[i]:
                    moves.append((1, k, 0))
            for di, dj, c in moves:
                a, b = i + di, j + dj
                if a <= n and b <= m and here + c < cost[a][b]:
                    cost[a][b] = here + c
                    step[a][b] = (di, dj)
    wrong = [False] * n
    heard_as = [""] * n
    i, j = n, m
    while i or j:
        move = step[i][j]
        assert move is not None
        di, dj = move
        if di and dj:
            piece = " ".join(hyp[j - dj:j])
            for r in range(i - di, i):
                heard_as[r] = piece
                wrong[r] = di == dj == 1 and ref[r] != piece
        elif di:
            wrong[i - 1] = True
        i, j = i - di, j - dj
    return wrong, heard_as, cost[n][m]


def fold(word: str) -> str:
    """Return a word as compared: case-folded, so `ß` is `ss` (Whisper writes either)."""
    return word.casefold()
