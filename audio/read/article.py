"""Read an article file (Markdown or plain text) into a title, metadata and sections."""

from __future__ import annotations

import codecs
import datetime
import functools
import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from audio.errors import EditionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

log = logging.getLogger(__name__)

META_KEYS = ("title", "author", "date", "description", "cover", "language", "publication", "intro", "outro", "engine",
             "voice",
             "intro_line")
HEADING_MAX_CHARS = 120
TITLE_JOINER = " – "


@dataclass(frozen=True)
class Section:
    """One chapter: a heading and the paragraphs spoken under it."""

    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The section's spoken body, paragraphs separated by a blank line."""
        return "\n\n".join(self.paragraphs)


class Meta(TypedDict, total=False):
    """What the front matter may say about an article (each key only when given)."""

    title: str
    author: str  # a list of authors is joined: "Anna und Ben"
    date: str
    description: str
    cover: str  # a file beside the article
    language: str  # BCP 47, e.g. "de" or "de-AT"
    publication: str
    intro: str  # audio files beside the article
    outro: str
    intro_line: str  # a template: "Sie hören: {title}."
    engine: str  # the voice to read this article with, unless an option names one
    voice: str  # that voice's own voice (a Piper voice name), unless an option names one
    image: str  # a web page's lead image (a URL, recorded, not downloaded)


DEFAULT_LANGUAGE = "de"
ISO_639_2 = {"de": "deu", "en": "eng", "fr": "fra", "it": "ita", "es": "spa", "nl": "nld", "pl": "pol", "tr": "tur"}


@dataclass(frozen=True)
class Article:
    title: str
    sections: tuple[Section, ...]
    meta: Meta = field(default_factory=dict)  # type: ignore[assignment]
    notices: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        """The article's language as BCP 47 (`de`, `de-AT`): the front matter's, else German."""
        return language_of(self.meta)


def language_of(meta: Mapping) -> str:
    """Return the language that front matter names (BCP 47), else German."""
    return str(meta.get("language") or DEFAULT_LANGUAGE).strip().replace("_", "-")


def iso_639_2(language: str) -> str:
    """Return the three-letter code that ID3 tags and MP4/Ogg streams use for a BCP 47 language (`de-AT` → `deu`)."""
    return ISO_639_2.get(language.split("-")[0].lower(), "und")


@dataclass(frozen=True)
class Block:
    """A unit of the source before sectioning: a heading or a paragraph."""

    kind: str  # "heading" or "paragraph"
    text: str


def decode(data: bytes, name: str = "article") -> tuple[str, str | None]:
    """Return the text of a file's bytes and a notice when it was not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte order mark ("Unicode" in Notepad)
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise EditionError(f"{name}: the file starts like UTF-16 text but is not") from None
    utf16, utf16_notice = utf16_without_bom(data), None
    if utf16:
        data = data.decode(utf16).encode("utf-8")
        utf16_notice = f"{name} is UTF-16 without a byte order mark; read it as {utf16.upper()}"
    if not data.strip():
        raise EditionError(f"{name}: the file is empty")
    if looks_binary(data):
        raise EditionError(f"{name}: this looks like a binary file, not an article (text or Markdown)")
    try:
        text, notice = data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        text, notice = decode_lines(data.removeprefix(b"\xef\xbb\xbf"), name)
    notice = notice or utf16_notice
    return without_controls(text.replace("\r\n", "\n").replace("\r", "\n")), notice


TERMINAL_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)", re.DOTALL)
PAGE_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def without_controls(text: str) -> str:
    """Return text without control characters: the one place text from a file is cleaned of them.

    XML 1.0 forbids them (one makes a whole feed unreadable), SRT and WebVTT readers stumble on them,
    and in a terminal they are commands (colours, titles, cursor moves). Line and page separators
    become line breaks; tabs and line breaks stay.
    """
    return CONTROLS.sub("", PAGE_BREAKS.sub("\n", TERMINAL_SEQUENCE.sub("", text)))


def decode_lines(data: bytes, name: str) -> tuple[str, str]:
    """Return text that is not all UTF-8, reading each byte that is not as Windows-1252, and a notice.

    Works for a whole Windows-1252 file and for a UTF-8 file with a few stray bytes pasted in.
    """
    try:
        text = data.decode("utf-8", errors=STRAY_AS_CP1252)
    except UnicodeDecodeError:
        raise EditionError(f"{name}: the file is neither UTF-8 nor Windows-1252 text") from None
    stray = data.decode("utf-8", errors="replace").count("\ufffd")
    if stray >= sum(1 for byte in data if byte > 127):  # no character was UTF-8
        return text, f"{name} is not UTF-8; read it as Windows-1252"
    return text, f"{name} is UTF-8 but for {stray} byte(s); read those as Windows-1252"


def _stray_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)  # registered for decoding only
    return error.object[error.start:error.end].decode("cp1252"), error.end  # raises for bytes cp1252 lacks


STRAY_AS_CP1252 = "audio-edition-cp1252"
codecs.register_error(STRAY_AS_CP1252, _stray_as_cp1252)


def utf16_without_bom(data: bytes) -> str | None:
    """Return 'utf-16-le' or 'utf-16-be' for UTF-16 text without a byte order mark, else None.

    Text that is mostly ASCII, as German is, has a NUL in every other byte in UTF-16, on the same
    side of each pair; binary files have NULs on both sides or none. Such a file is only UTF-16 if
    it decodes as UTF-16.
    """
    sample = data[:8192 - (min(len(data), 8192) % 2)]
    pairs = len(sample) // 2
    if pairs < 2 or len(data) % 2:
        return None
    nul_first, nul_second = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    for encoding, mostly, rarely in (("utf-16-le", nul_second, nul_first), ("utf-16-be", nul_first, nul_second)):
        if mostly >= 0.5 and rarely <= 0.02:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def looks_binary(data: bytes) -> bool:
    """Return True for bytes that are not plausibly a text document."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def title_from_filename(path: Path) -> str:
    """Return a readable title made from a file name, for articles without one."""
    words = re.sub(r"[-_]+", " ", without_controls(Path(path).stem)).strip()  # a name may hold terminal codes
    return words[:1].upper() + words[1:] if words else "Artikel"


# --- plain text -------------------------------------------------------------


def parse_text(text: str, fallback_title: str = "Artikel") -> Article:
    """Return the article in plain text: first line is the title, short lines are headings."""
    raw = drop_source_footer([b for b in (remove_leftovers(b) for b in split_blocks(text)) if speakable(b)])
    if not raw:
        raise EditionError("the article has no speakable text")
    first_line, _, rest = raw[0].partition("\n")
    has_title = is_heading_line(first_line)
    if has_title:
        raw = [first_line] + ([rest] if rest.strip() else []) + raw[1:]
    blocks = []
    for index, block in enumerate(raw):
        is_heading = (index == 0 and has_title) or (is_heading_line(block) and index < len(raw) - 1)
        blocks.append(Block("heading" if is_heading else "paragraph", clean_inline(unbold(block))))
    return assemble(blocks, {}, fallback_title)


def split_blocks(text: str) -> list[str]:
    """Return the blank-line separated blocks of a text, each stripped."""
    return [b.strip() for b in re.split(r"\n[ \t]*\n", text) if b.strip()]


SHORTCODE = re.compile(r"\[/?(?:ad|ads|adsense|advert|anzeige)_?\d*\]", re.IGNORECASE)


CREDIT_LINE = re.compile(  # a short line on its own, never a sentence of the article
    r"^(?:©|Copyright(?=\s)|Stand:\s*\d{1,2}\.\s?\w+\.?\s?\d{2,4}"
    r"|(?:Fotos?|Bild|Bilder|Bildquelle|Grafik|Symbolbild|Titelbild|Video)\s*:"
    r"|\[?(?:Anzeige|Werbung|Advertisement)\]?$)",
    re.IGNORECASE,
)
CREDIT_MAX_CHARS = 80


def remove_leftovers(block: str) -> str:
    """Return a block without what a web page left behind: shortcodes like `[ad_1]`, a `©` line, and a
    short line on its own that is only a photo credit (`Foto: dpa`), a dateline or an `Anzeige` label."""
    block = SHORTCODE.sub("", block).strip()
    if "\n" not in block and len(block) <= CREDIT_MAX_CHARS and CREDIT_LINE.match(block):
        return ""
    return "\n".join(line for line in block.split("\n") if not line.strip().startswith("©")).strip()


def speakable(text: str) -> bool:
    """Return True for text with something to say: a letter or a digit, not only `…`, `***` or emoji."""
    return any(ch.isalnum() for ch in text)


SOURCE_FOOTER = re.compile(r"^(?:Quelle|Quellen|Source|Source link|Sources)\s*(?::.*)?$", re.IGNORECASE)


def drop_source_footer(blocks: list[str]) -> list[str]:
    """Return blocks without the trailing `Quelle`/`Quelle: dpa`/`Source link` lines left over from publishing."""
    blocks = list(blocks)
    while blocks:
        lines = blocks[-1].split("\n")
        while lines and SOURCE_FOOTER.match(lines[-1].strip()):
            lines.pop()
        if lines:
            blocks[-1] = "\n".join(lines)
            break
        blocks.pop()
    return blocks


# A sentence ends inside a line: after a word of three or more small letters and a full stop, or after
# `!`, `?`, `…`; not after an abbreviation (`Dr.`, `St.`) or a number (`Der 1. FC Köln`).
SENTENCE_INSIDE = re.compile(r"(?:[a-zäöüß]{3}\.|[!?…])[\"“”»«']?\s+\S")


def is_heading_line(block: str) -> bool:
    """Return True for a standalone short line that reads as a heading, not a sentence.

    A heading may be a question, but has no full stop at its end, no second sentence inside,
    and is not a quotation or an exclamation of more than a few words (those are short paragraphs).
    """
    line = unbold(block.strip())
    if "\n" in line or not line or len(line) > HEADING_MAX_CHARS:
        return False
    if line[-1] in ".,;:…" or line[-1] in "\"“”»«" and line[-2:-1] in tuple(".!?,"):
        return False
    if SENTENCE_INSIDE.search(line) or line[0] in "„\"“»«'‚":
        return False
    if line.endswith("!") and len(line.split()) > 4:
        return False
    return any(ch.isalpha() for ch in line)


def unbold(text: str) -> str:
    """Return text without Markdown-style emphasis markers (`**Zwischentitel**`) pasted into plain text."""
    return re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)


def clean_inline(block: str) -> str:
    """Return a block with its hard line breaks and runs of spaces folded to one space."""
    return re.sub(r"\s+", " ", block).strip()


# --- Markdown ---------------------------------------------------------------

FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.DOTALL)


def parse_markdown(text: str, fallback_title: str = "Artikel") -> Article:
    """Return the article in Markdown, with front matter as metadata."""
    meta, body = split_front_matter(text)
    blocks = [Block(b.kind, remove_leftovers(b.text)) for b in markdown_blocks(body)]
    blocks = [b for b in blocks if speakable(b.text)]
    texts = drop_source_footer([b.text for b in blocks])
    blocks = [Block(b.kind, t) for b, t in zip(blocks, texts)]
    return assemble(blocks, meta, fallback_title)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return the YAML (---) or TOML (+++) front matter of a Markdown text and the rest."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fence, raw = match.group(1), match.group(2)
    import yaml  # loaded only for front matter: a rebuild of a plain text need not pay for it

    try:
        data = yaml.load(raw, Loader=_loader()) if fence == "---" else tomllib.loads(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        kind = "YAML" if fence == "---" else "TOML"
        first = str(exc).strip().splitlines()[0]
        raise EditionError(f"the front matter is not valid {kind}: {first}") from None
    if not isinstance(data, dict):  # `---` rules around a paragraph, not front matter
        return {}, text
    meta = {key: meta_value(data[key]) for key in META_KEYS if data.get(key) not in (None, "", [])}
    return {key: value for key, value in meta.items() if value}, text[match.end():]


@functools.cache
def _loader() -> type:
    """Return YAML's safe loader without aliases: `*a` repeats what `&a` names, and nine nested levels of
    repeats made a 426-byte front matter expand to gigabytes. Nobody needs them for a title or an author."""
    import yaml

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                alias = self.peek_event()
                raise yaml.composer.ComposerError(None, None, f"it refers to &{alias.anchor} with *{alias.anchor}; "
                                                  "write each value out", alias.start_mark)
            return super().compose_node(parent, index)

    return NoAliases


PLAIN = (str, int, float, datetime.date)  # what a field's value may be made of (bool is an int)


def meta_value(value) -> str:
    """Return a front matter value as text; a list (`author: [Anna, Ben]`) as `Anna und Ben`. Only plain
    values are read: a mapping, or a list inside the list, is no title or name and gives nothing."""
    if isinstance(value, (list, tuple)):
        # YAML escapes (\x07) decode to control characters
        items = [text for item in value if isinstance(item, PLAIN) and (text := without_controls(str(item)).strip())]
        return " und ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)
    return without_controls(str(value)).strip() if isinstance(value, PLAIN) else ""


def markdown_blocks(body: str) -> list[Block]:
    """Return the headings and readable paragraphs of a Markdown body, in order."""
    # markdown-it stops reading, silently, at its nesting limit (20 tokens deep, about ten list levels);
    # nesting is capped in the source instead, where deeper levels are read at the deepest one kept
    from markdown_it import MarkdownIt  # loaded for Markdown only, like yaml
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"maxNesting": 100_000}).enable(["table", "strikethrough"]).use(footnote_plugin)
    blocks: list[Block] = []
    for piece in pieces(body):  # markdown-it holds a whole text's tokens at once: ten times its size
        try:
            tokens = md.parse(flatten_nesting(piece))
        except RecursionError:
            raise EditionError("the article nests lists or quotes too deeply to be read; flatten them") from None
        blocks += token_blocks(tokens)
    return blocks


PIECE_CHARS = 500_000
DEFINITION = re.compile(r"(?m)^ {0,3}\[[^\]\n]+\]:")  # `[1]: https://…`, `[^1]: …`: used anywhere in the text
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING_LINE = re.compile(r"#{1,6}(?:[ \t]|$)")
# CommonMark's HTML blocks that run to a closing mark rather than to a blank line, and their closing marks
HTML_BLOCK = re.compile(r" {0,3}(<!--|<\?|<!\[CDATA\[|<![A-Za-z]|<(?:pre|script|style|textarea)(?=[\s>]|$))", re.I)
HTML_BLOCK_ENDS = {"<!--": "-->", "<?": "?>", "<![cdata[": "]]>", "<pre": "</pre>", "<script": "</script>",
                   "<style": "</style>", "<textarea": "</textarea>"}


def pieces(body: str) -> list[str]:
    """Return a Markdown body cut before headings into pieces of about PIECE_CHARS that read as the whole does.

    A heading at the start of a line after a blank line ends any list, quote or paragraph, so
    the text before it reads the same alone; not inside a fenced code block or an HTML block that
    blank lines do not end (a comment, `<pre>`), and not at all when the text defines links or
    footnotes, which may be used in another piece.
    """
    if len(body) <= PIECE_CHARS or DEFINITION.search(body):
        return [body]
    found, start, position, fence, blank, html_end = [], 0, 0, "", True, ""
    for line in body.splitlines(keepends=True):
        opening = FENCE.match(line)
        html = None if fence or html_end else HTML_BLOCK.match(line)
        if html:
            html_end = HTML_BLOCK_ENDS.get(html.group(1).lower(), ">")
        if html_end:
            html_end = "" if html_end in line[html.end() if html else 0:].lower() else html_end
        elif fence:
            closing = opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence)
            fence = "" if closing and not line.strip().strip(fence[0]) else fence
        elif opening:
            fence = opening.group(1)
        elif blank and position - start >= PIECE_CHARS and HEADING_LINE.match(line):
            found.append(body[start:position])
            start = position
        blank = not line.strip()
        position += len(line)
    return found + [body[start:]]


def token_blocks(tokens: list) -> list[Block]:
    """Return the headings and readable paragraphs in markdown-it's tokens of one text."""
    blocks: list[Block] = []
    stack: list[str] = []
    row: list[str] = []
    for token in tokens:
        if token.nesting == 1:
            stack.append(token.type)
        elif token.nesting == -1:
            stack.pop()
            if token.type == "tr_close" and row:
                blocks.append(Block("paragraph", as_sentence(", ".join(row))))
                row = []
        if token.type != "inline" or "footnote_block_open" in stack:
            continue
        text = inline_text(token.children or [])
        if not speakable(text):
            continue
        if stack and stack[-1] == "heading_open" or is_bold_line(token, stack):
            blocks.append(Block("heading", text))
        elif stack and stack[-1] in ("th_open", "td_open"):
            row.append(text)
        elif "bullet_list_open" in stack or "ordered_list_open" in stack or "blockquote_open" in stack:
            blocks.append(Block("paragraph", as_sentence(text)))
        else:
            blocks.append(Block("paragraph", text))
    return blocks


MAX_INDENT = 120  # spaces: 60 list levels of two, 30 of four
MAX_QUOTES = 12  # markdown-it's time doubles with each quote level: 22 levels take 0.2 s, 30 a minute


def flatten_nesting(body: str) -> str:
    """Return Markdown whose lists and quotes nest at most MAX_INDENT / MAX_QUOTES deep: deeper lines
    move up to that depth, so their text is still read (as items or quotes of the deepest level kept)."""
    def indent(match: re.Match) -> str:
        return match.group(0) if len(match.group(0).expandtabs(4)) <= MAX_INDENT else " " * MAX_INDENT

    body = re.sub(r"(?m)^[ \t]+", indent, body)
    return re.sub(rf"((?: {{0,3}}> ?){{{MAX_QUOTES}}})(?: {{0,3}}> ?)+", r"\1", body)  # in list items too


def inline_text(children: list) -> str:
    """Return what is read of a Markdown inline run: link text yes, images and HTML no."""
    parts, struck = [], False
    for child in children:
        if child.type == "s_open":
            struck = True
        elif child.type == "s_close":
            struck = False
        elif struck:
            continue  # ~~struck~~ text was taken back; it is not read
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or re.fullmatch(r"<br\s*/?>", child.content.strip(), re.I):
            parts.append(" ")
    return clean_inline(without_controls("".join(parts)))  # character references (&#7;) decode to them


def is_bold_line(token, stack: list[str]) -> bool:
    """Return True for a paragraph that is one short run of bold text: a subheading typed as `**…**`."""
    children = [c for c in token.children or [] if c.type != "text" or c.content.strip()]
    return (stack == ["paragraph_open"] and len(children) >= 3 and children[0].type == "strong_open"
            and children[-1].type == "strong_close"
            and sum(1 for c in children if c.type == "strong_open") == 1
            and is_heading_line(inline_text(children)))


def as_sentence(text: str) -> str:
    """Return text ending in punctuation, so a list item or quote is spoken as a sentence."""
    return text if text[-1] in ".!?…:;\"“”»«)" else text + "."


# --- sections ----------------------------------------------------------------


def assemble(blocks: list[Block], meta: dict, fallback_title: str) -> Article:
    """Return the article made of typed blocks: title, then one section per heading."""
    blocks = list(blocks)
    title = meta.get("title")
    if blocks and blocks[0].kind == "heading":
        if not title or blocks[0].text.casefold() == title.casefold():
            title = title or blocks[0].text
            blocks.pop(0)
    title = title or fallback_title
    sections: list[Section] = []
    # Headings in a row are joined into one title; kept as a list, as adding each to a string
    # takes time in the square of their number (an article of short lines is all headings).
    titles, paragraphs, pending = [title], [], False
    for block in blocks:
        if block.kind == "paragraph":
            paragraphs.append(block.text)
            continue
        if paragraphs:
            sections.append(Section(TITLE_JOINER.join(titles), tuple(paragraphs)))
            titles, paragraphs = [block.text], []
        elif pending:
            titles.append(block.text)
        else:
            titles = [block.text]
        pending = True
    if paragraphs:
        sections.append(Section(TITLE_JOINER.join(titles), tuple(paragraphs)))
    elif pending:
        log.info("dropped heading without text: %s", TITLE_JOINER.join(titles))
    if not sections:
        raise EditionError("the article has no speakable text")
    return Article(title, tuple(sections), meta)  # type: ignore[arg-type]
