"""What a check found: every sentence as written and as heard, the error rate, and the systematic mis-hearings."""

from __future__ import annotations

from dataclasses import dataclass, field

from audio.check.compare import Comparison, fold

LEAST_OCCURRENCES = 2  # a word heard wrong once is noise; one heard wrong every time is a pronunciation to fix


@dataclass(frozen=True)
class SentenceResult:
    """One sentence of the edition: where it is spoken, what it says, what was heard, and how far apart they are."""

    start: float
    end: float
    text: str
    heard: str
    comparison: Comparison

    @property
    def wer(self) -> float:
        return self.comparison.wer


@dataclass(frozen=True)
class Finding:
    """A written word heard wrong at more than half of its occurrences: when, and as what."""

    word: str  # as written in the article
    occurrences: int
    times: tuple[float, ...]  # the start of each sentence where it was heard wrong
    heard: tuple[str, ...]  # what was heard there, one per time ("" for nothing)
    suggestion: str | None = None  # a lexicon line (`Wort = Respelling`) the recogniser heard right
    lexicon: str | None = None  # the respelling the edition was built with, when a lexicon line respelled it

    @property
    def misheard(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class CheckReport:
    """The result of `audio.check`: `as_json()` is what `audio-edition check --json` prints."""

    edition: str
    model: str
    duration: float
    sentences: tuple[SentenceResult, ...]
    words: tuple[Finding, ...]
    heard_now: int = 0  # sentences that were transcribed in this run (the others came from the cache)
    notes: tuple[str, ...] = field(default=())

    @property
    def wer(self) -> float:
        """Return the edition's word error rate: word errors over written words, all sentences together."""
        words = sum(len(s.comparison.words) for s in self.sentences)
        errors = sum(s.comparison.errors for s in self.sentences)
        return errors / words if words else 0.0

    def worst(self, count: int = 5) -> list[SentenceResult]:
        """Return the sentences heard worst, worst first, leaving out those heard without an error."""
        ranked = sorted((s for s in self.sentences if s.comparison.errors), key=lambda s: (-s.wer, s.start))
        return ranked[:count]

    def as_json(self) -> dict:
        return {
            "edition": self.edition,
            "model": self.model,
            "duration": round(self.duration, 3),
            "wer": round(self.wer, 4),
            "sentences": [{"start": s.start, "end": s.end, "text": s.text, "heard": s.heard, "wer": round(s.wer, 4)}
                          for s in self.sentences],
            "words": [{"word": f.word, "occurrences": f.occurrences, "misheard": f.misheard, "times": list(f.times),
                       "heard": list(f.heard), "suggestion": f.suggestion} for f in self.words],
        }


def findings(sentences: list[SentenceResult], only: set[str] | None = None) -> list[Finding]:
    """Return the written words that occur at least twice and were heard wrong at more than half of their
    occurrences, worst first; `only`: just these words (case-folded)."""
    seen: dict[str, list[tuple[str, float, bool, str]]] = {}  # word → (as written, time, wrong, heard) per occurrence
    for sentence in sentences:
        for written, bad, heard in occurrences(sentence.comparison):
            if any(ch.isalpha() for ch in written):
                seen.setdefault(fold(written), []).append((written, sentence.start, bad, heard))
    found = []
    for key, places in seen.items():
        wrong = [(time, heard) for _, time, bad, heard in places if bad]
        if len(places) >= LEAST_OCCURRENCES and len(wrong) * 2 > len(places) and (only is None or key in only):
            forms = [written for written, *_ in places]
            found.append(Finding(max(forms, key=forms.count), len(places), tuple(t for t, _ in wrong),
                                 tuple(h for _, h in wrong)))
    return sorted(found, key=lambda f: (-f.misheard, -f.misheard / f.occurrences, f.word.casefold()))


def occurrences(comparison: Comparison) -> list[tuple[str, bool, str]]:
    """Return each written word of a compared sentence once: as written, whether it was heard wrong, what was heard.

    The words said for one written word (`Ze En Be Ze` for `CNBC`) are one occurrence, wrong if any of them is.
    """
    result: dict[tuple[int, str], tuple[bool, list[str]]] = {}
    for word, wrong, heard in zip(comparison.words, comparison.wrong, comparison.heard_as):
        bad, pieces = result.get((word.at, word.written), (False, []))
        if heard and (not pieces or pieces[-1] != heard):
            pieces.append(heard)
        result[(word.at, word.written)] = (bad or wrong, pieces)
    return [(written, bad, " ".join(pieces)) for (_, written), (bad, pieces) in result.items()]
