"""Turn sections into what is said: sentence-sized chunks, each with the pause that follows it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from audio.errors import EditionError
from audio.read.article import Article, Section, speakable
from audio.text.lexicon import Lexicon
from audio.text.splitter import split_sentences

PAUSES = ("clause", "sentence", "paragraph", "section")  # from shortest to longest


@dataclass(frozen=True)
class Chunk:
    """One request to a voice: the text as written, the text as spoken, and the pause after it."""

    text: str
    spoken: str
    pause_after: str = "sentence"


@dataclass(frozen=True)
class SectionScript:
    """What is said in one chapter, in order; the first `opening` chunks are its heading lines."""

    title: str
    chunks: tuple[Chunk, ...]
    opening: int = 0


Memo = Callable[[str, str, Callable[[], list[Chunk]]], list[Chunk]]  # (kind, text, make) → its chunks, kept


def make_now(kind: str, text: str, make: Callable[[], list[Chunk]]) -> list[Chunk]:
    """The memo that keeps nothing: every piece is made."""
    return make()


def script(article: Article, max_chars: int, lexicon: Lexicon = Lexicon(), intro_line: str | None = None,
           split: Callable[[str], list[str]] | None = None, memo: Memo | None = None) -> list[SectionScript]:
    """Return the chunks of every section; the first opens with the title announcement (or `intro_line`).

    `split` splits a paragraph into sentences (`split_sentences`, or a cached copy of it); `memo`,
    given the kind ("paragraph" or "line") and text of a piece and the function that makes its
    chunks, may return chunks it made before instead (the build keeps them in its cache).
    """
    split = split or split_sentences
    say = spoken_form(lexicon)
    remember = memo or make_now
    scripts = []
    for index, section in enumerate(article.sections):
        lines = announcement(article, intro_line, split) if index == 0 else []
        if index > 0 or section.title != article.title:
            lines.append(section.title)
        opening = heading_chunks(lines, max_chars, say, remember)
        chunks = opening + body_chunks(section, max_chars, say, split, remember)
        if not chunks:  # a heading that is all editorial leftovers, like `[Werbung]`: say it as written
            chunks = opening = [Chunk(section.title, section.title, "paragraph")]
        chunks[-1] = with_pause(chunks[-1], "section")
        scripts.append(SectionScript(section.title, tuple(chunks), len(opening)))
    return scripts


def announcement(article: Article, intro_line: str | None = None,
                 split: Callable[[str], list[str]] = split_sentences) -> list[str]:
    """Return the lines that open an edition: the title (or the intro line made from its template), and the author.

    An intro line may name {title}, {author} and {publication}, e.g.
    `Sie hören: {title}. Eine Audio-Ausgabe von {publication}.`
    """
    template = intro_line or article.meta.get("intro_line")
    if template:
        values = {"title": article.title, "author": article.meta.get("author", ""),
                  "publication": article.meta.get("publication", "")}
        return split(fill(template, values))
    lines = [article.title]
    if article.meta.get("author"):
        lines.append(f"Von {article.meta['author']}")
    return lines


def fill(template: str, values: dict[str, str]) -> str:
    """Return `template` with each plain `{name}` replaced by its value.

    Not str.format: its format specs (`{title:>99999999999}`) and attribute lookups are not for a text
    that comes from an article's front matter.
    """
    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise EditionError(f"the intro line {template!r} may only name {{title}}, {{author}} and {{publication}}")
        return values[match.group(1)]

    if re.search(r"[{}]", PLACEHOLDER.sub("", template)):  # a lone brace: a mistyped placeholder
        raise EditionError(f"the intro line {template!r} may only name {{title}}, {{author}} and {{publication}}")
    return PLACEHOLDER.sub(value, template)


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def spoken_form(lexicon: Lexicon) -> Callable[[str], str]:
    """Return the function that turns a written sentence into its spoken form: lexicon first, then rules."""
    def say(text: str) -> str:
        from audio.text.normalise import normalise  # the rules load when something new is to be said

        return normalise(lexicon.apply(text))

    return say


def heading_chunks(lines: list[str], max_chars: int, say: Callable[[str], str] = str,
                   remember: Memo = make_now) -> list[Chunk]:
    """Return heading lines as chunks, each spoken as a sentence, the last followed by a paragraph pause."""
    chunks: list[Chunk] = []
    for line in lines:
        def make(line: str = line) -> list[Chunk]:
            return sentence_chunks(line, max_chars, lambda text: as_spoken_line(say(numbered_heading(text))))

        chunks += remember("line", line, make)
    if chunks:
        chunks[-1] = with_pause(chunks[-1], "paragraph")
    return chunks


def body_chunks(section: Section, max_chars: int, say: Callable[[str], str] = str,
                split: Callable[[str], list[str]] = split_sentences, remember: Memo = make_now) -> list[Chunk]:
    """Return the sentences of each paragraph as chunks, with a paragraph pause after each paragraph."""
    chunks: list[Chunk] = []
    for paragraph in section.paragraphs:
        def make(paragraph: str = paragraph) -> list[Chunk]:
            return [c for sentence in split(paragraph)
                    for c in sentence_chunks(sentence, max_chars, say)]

        said = remember("paragraph", paragraph, make)
        if said:
            chunks += said[:-1] + [with_pause(said[-1], "paragraph")]
    return chunks


def sentence_chunks(sentence: str, max_chars: int, say: Callable[[str], str] = str) -> list[Chunk]:
    """Return one sentence as chunks of its spoken form, cut to `max_chars` and joined by short clause pauses.

    The first chunk carries the sentence as written; the pieces after it carry none, so a
    transcript shows each sentence once.
    """
    spoken = say(sentence)
    if not speakable(spoken):
        return []  # nothing left to say once tags like `(AFP/red)` or emoji are gone
    pieces = fit(spoken, max_chars)
    last = len(pieces) - 1
    return [Chunk(sentence if i == 0 else "", p, "clause" if i < last else "sentence") for i, p in enumerate(pieces)]


def with_pause(chunk: Chunk, pause: str) -> Chunk:
    """Return the chunk followed by `pause` instead of its own."""
    return Chunk(chunk.text, chunk.spoken, pause)


def as_spoken_line(line: str) -> str:
    """Return a heading with a closing full stop, so voices end it with falling intonation."""
    return line if line[-1:] in ".!?…" else line + "."


def numbered_heading(line: str) -> str:
    """Return a numbered heading (`1. Einleitung`) with its number as a number, not an ordinal: `1: Einleitung`."""
    from audio.text.normalise import MONTH_NAMES

    return re.sub(rf"^(\d{{1,2}})\.\s+(?=\D)(?!(?:{MONTH_NAMES})(?!\w)|FC\b)", r"\1: ", line)


CLAUSE_END = re.compile(r"(?<=[,;:–—)])\s+|\s+(?=[–—(])")


def fit(sentence: str, max_chars: int) -> list[str]:
    """Return a sentence cut into pieces of at most `max_chars`: at clauses first, then at words."""
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    for clause in CLAUSE_END.split(sentence):
        pieces.extend([clause] if len(clause) <= max_chars else _by_words(clause, max_chars))
    return _pack(pieces, max_chars)


def _by_words(text: str, max_chars: int) -> list[str]:
    words: list[str] = []
    for word in text.split():
        words.extend(word[i:i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(words, max_chars)


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    """Return pieces joined greedily with spaces while the result stays within `max_chars`."""
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= max_chars:
            packed[-1] += " " + piece
        else:
            packed.append(piece)
    return packed
