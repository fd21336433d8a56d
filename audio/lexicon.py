"""The pronunciation lexicon: the user's own list of how words are said.

A lexicon file has one entry per line, `written = spoken`; `#` starts a comment. Entries match
whole words, case-sensitively; a `~` before the written form matches any case. Later files win
over earlier ones: the built-in list, then `lexicon.txt` next to the article, then `--lexicon` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from audio import files
from audio.errors import EditionError

FILE_NAME = "lexicon.txt"
BUILT_IN = Path(__file__).with_name("lexicon.txt")


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, str] = field(default_factory=dict)  # written → spoken, case-sensitive
    any_case: dict[str, str] = field(default_factory=dict)  # casefolded written → spoken

    def apply(self, text: str) -> str:
        """Return `text` with every whole-word entry replaced by how it is said."""
        if self.entries:
            text = _pattern(tuple(self.entries), 0).sub(lambda m: self.entries[m.group(0)], text)
        if self.any_case:
            text = _pattern(tuple(self.any_case), re.IGNORECASE).sub(
                lambda m: self.any_case[m.group(0).casefold()], text)
        return text

    def merged(self, other: Lexicon) -> Lexicon:
        return Lexicon({**self.entries, **other.entries}, {**self.any_case, **other.any_case})


_patterns: dict[tuple, re.Pattern] = {}


def _pattern(words: tuple[str, ...], flags: int) -> re.Pattern:
    if (words, flags) not in _patterns:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        _patterns[(words, flags)] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)
    return _patterns[(words, flags)]


def parse(text: str, name: str = FILE_NAME) -> Lexicon:
    """Return the lexicon written in `text`; a line that is not `written = spoken` is an error."""
    entries: dict[str, str] = {}
    any_case: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        written, sep, spoken = (part.strip() for part in line.partition("="))
        if not sep or not written.lstrip("~").strip() or not spoken:
            raise EditionError(f"{name}, line {number}: write entries as `written = spoken`")
        if written.startswith("~"):
            any_case[written[1:].strip().casefold()] = spoken
        else:
            entries[written] = spoken
    return Lexicon(entries, any_case)


def load(path: Path) -> Lexicon:
    try:
        return parse(files.read_bytes(Path(path), "lexicon").decode("utf-8-sig"), str(path))
    except UnicodeDecodeError as exc:
        raise EditionError(f"{path}: cannot read the lexicon ({exc})") from None


def files_for(article: Path, extra: tuple[Path, ...] = ()) -> list[Path]:
    """Return the lexicon files that apply to `article`, weakest first."""
    beside = Path(article).parent / FILE_NAME
    return [BUILT_IN] + ([beside] if beside.is_file() else []) + [Path(p) for p in extra]


def for_article(article: Path, extra: tuple[Path, ...] = ()) -> Lexicon:
    """Return the merged lexicon for `article`."""
    lexicon = Lexicon()
    for path in files_for(article, extra):
        lexicon = lexicon.merged(load(path))
    return lexicon
