"""The pronunciation lexicon: the user's own list of how words are said.

A lexicon file has one entry per line, `written = spoken`; `#` at the start of a line or after a
space starts a comment, so `C# = C Sharp` is an entry and `\\#` is a `#` anywhere. Entries match
whole words, case-sensitively; a `~` before the written form matches any case. An entry that
starts with voice names in brackets (`[espeak, piper] Musk = Mask`) applies only to those voices:
a respelling that helps espeak can hurt a voice that already knows the name. Later files win
over earlier ones: the built-in list, then `lexicon.txt` next to the article, then `--lexicon` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from audio import files
from audio.engines import REGISTRY
from audio.errors import EditionError

FILE_NAME = "lexicon.txt"
BUILT_IN = Path(__file__).with_name("lexicon.txt")
VOICE_LIMIT = re.compile(r"^\[([^\]]*)\]\s*")


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, str] = field(default_factory=dict)  # written → spoken, case-sensitive
    any_case: dict[str, str] = field(default_factory=dict)  # casefolded written → spoken
    by_voice: dict[str, Lexicon] = field(default_factory=dict)  # engine name → entries for that voice only

    def apply(self, text: str, voice: str | None = None) -> str:
        """Return `text` with every whole-word entry replaced by how it is said by `voice`.

        Without a voice only the entries for every voice apply: `[espeak] Musk = Mask` does not.
        """
        if voice is not None:
            return self.for_voice(voice).apply(text)
        if self.entries:
            text = _pattern(tuple(self.entries), 0).sub(lambda m: self.entries[m.group(0)], text)
        if self.any_case:
            text = _pattern(tuple(self.any_case), re.IGNORECASE).sub(
                lambda m: self.any_case[m.group(0).casefold()], text)
        return text

    def for_voice(self, voice: str | None) -> Lexicon:
        """Return the lexicon `voice` speaks with: the entries for every voice and those limited to it
        (None: the entries for every voice only)."""
        own = self.by_voice.get(voice, Lexicon()) if voice else Lexicon()
        return Lexicon({**self.entries, **own.entries}, {**self.any_case, **own.any_case})

    def merged(self, other: Lexicon) -> Lexicon:
        """Return this lexicon with `other`'s entries on top; an entry in `other` for every voice also
        replaces this lexicon's entries for the same word limited to a voice."""
        voices = {}
        for voice in set(self.by_voice) | set(other.by_voice):
            mine = self.by_voice.get(voice, Lexicon())
            entries = {w: s for w, s in mine.entries.items() if w not in other.entries}
            any_case = {w: s for w, s in mine.any_case.items() if w not in other.any_case}
            voices[voice] = Lexicon(entries, any_case).merged(other.by_voice.get(voice, Lexicon()))
        return Lexicon({**self.entries, **other.entries}, {**self.any_case, **other.any_case}, voices)


_patterns: dict[tuple, re.Pattern] = {}


def _pattern(words: tuple[str, ...], flags: int) -> re.Pattern:
    if (words, flags) not in _patterns:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        _patterns[(words, flags)] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)
    return _patterns[(words, flags)]


def parse(text: str, name: str = FILE_NAME) -> Lexicon:
    """Return the lexicon written in `text`; a line that is not `[voices] written = spoken` is an error.

    `[espeak, piper] Musk = Mask` is an entry for those two voices only; later lines win.
    """
    entries: dict[str, str] = {}
    any_case: dict[str, str] = {}
    own: dict[str, tuple[dict[str, str], dict[str, str]]] = {}  # voice → its entries, case-sensitive and any case
    for number, line in enumerate(text.splitlines(), 1):  # each line once, into dicts: linear in the file's size
        line = without_comment(line).strip()
        if not line:
            continue
        limit = VOICE_LIMIT.match(line)
        voices = [v.strip() for v in limit.group(1).split(",")] if limit else []
        unknown = [v for v in voices if v not in REGISTRY]  # a typo would otherwise silently never apply
        if unknown or (limit and not voices):
            raise EditionError(f"{name}, line {number}: unknown voice {', '.join(unknown) or '[]'!r}; "
                               f"name voices from {', '.join(REGISTRY)}, as in `[espeak, piper] Musk = Mask`")
        written, sep, spoken = (part.strip() for part in line[limit.end() if limit else 0:].partition("="))
        if not sep or not written.lstrip("~").strip() or not spoken:
            raise EditionError(f"{name}, line {number}: write entries as `written = spoken`")
        kind = 1 if written.startswith("~") else 0
        word = written[1:].strip().casefold() if kind else written
        for voice in voices:
            own.setdefault(voice, ({}, {}))[kind][word] = spoken
        if not voices:  # an entry for every voice replaces the earlier lines' entries for one voice (as `merged`)
            (any_case if kind else entries)[word] = spoken
            for limited in own.values():
                limited[kind].pop(word, None)
    return Lexicon(entries, any_case, {voice: Lexicon(*found) for voice, found in own.items()})


COMMENT_OR_ESCAPE = re.compile(r"\\#|(?:^|(?<=\s))#")


def without_comment(line: str) -> str:
    """Return a lexicon line without its comment, `\\#` written as `#`.

    Only a `#` that starts the line or follows a space opens a comment: inside a word it is part
    of the word (C#, F#), as in the entries people write.
    """
    for mark in COMMENT_OR_ESCAPE.finditer(line):
        if mark.group() == "#":
            line = line[:mark.start()]
            break
    return line.replace("\\#", "#")


def load(path: Path) -> Lexicon:
    try:
        return parse(files.read_bytes(Path(path), "lexicon").decode("utf-8-sig"), str(path))
    except UnicodeDecodeError as exc:
        raise EditionError(f"{path}: cannot read the lexicon ({exc})") from None


def files_for(article: Path | None, extra: tuple[Path, ...] = ()) -> list[Path]:
    """Return the lexicon files that apply to `article` (None: an article given as text), weakest first."""
    beside = Path(article).parent / FILE_NAME if article else None
    return [BUILT_IN] + ([beside] if beside and beside.is_file() else []) + [Path(p) for p in extra]


def for_article(article: Path | None, extra: tuple[Path, ...] = ()) -> Lexicon:
    """Return the merged lexicon for `article`."""
    lexicon = Lexicon()
    for path in files_for(article, extra):
        lexicon = lexicon.merged(load(path))
    return lexicon
