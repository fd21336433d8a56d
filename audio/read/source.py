"""Where an article comes from: a file (text, Markdown or a saved web page), a link, or text given in Python.

The entry to the read stage: it picks the reader (audio.article for text and Markdown,
audio.webpage for HTML) and keeps what a build needs besides the text (the folder, the name).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from audio import files
from audio.errors import EditionError
from audio.read.article import Article, decode, parse_markdown, parse_text, title_from_filename

FORMATS = ("markdown", "text", "html")


def read_article(path: Path, fmt: str | None = None) -> Article:
    """Return the article stored at `path`, parsed as Markdown or plain text."""
    path = Path(path)
    if not path.exists():
        raise EditionError(f"{path}: no such file")
    if path.is_dir():
        raise EditionError(f"{path}: is a directory, not an article file")
    data = files.read_bytes(path, "article")
    fmt = fmt or format_for(path)
    if fmt == "html":
        from audio.read import webpage

        return webpage.read_page(data, path.name, fallback_title=title_from_filename(path))
    text, notice = decode(data, path.name)
    parse = parse_markdown if fmt == "markdown" else parse_text
    article = parse(text, fallback_title=title_from_filename(path))
    notices = (notice,) if notice else ()
    return Article(article.title, article.sections, article.meta, notices)


def format_for(path: Path) -> str:
    """Return the input format implied by a file's extension."""
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return "html"
    return "markdown" if path.suffix.lower() in (".md", ".markdown", ".mdown") else "text"


def parse_article(text: str, fmt: str = "text", name: str = "Artikel") -> Article:
    """Return an article given as text (plain text, Markdown or HTML); `name` is its title if it names none."""
    if fmt not in FORMATS:
        raise EditionError(f"no input format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt == "html":
        from audio.read import webpage

        return webpage.parse_html(text, fallback_title=name)
    parse = parse_markdown if fmt == "markdown" else parse_text
    return parse(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), fallback_title=name)


@dataclass(frozen=True)
class Source:
    """An article and the file or link it came from (neither when it was given as text): what a build needs
    besides the text."""

    article: Article
    path: Path | None = None
    url: str | None = None  # a web page's link; nothing beside it is looked up (no lexicon, cover, intro, outro)

    @property
    def folder(self) -> Path:
        """Where the article's own lexicon, cover, intro and outro are found."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def name(self) -> str:
        """The edition's file name without extension, unless the user names one."""
        return self.path.stem if self.path else slug(self.article.title)

    @property
    def origin(self) -> str:
        """What the manifest records as the article: its file (the absolute path), or its link."""
        return str(self.path.resolve()) if self.path else self.url or ""

    def is_origin(self, recorded: str, title: str) -> bool:
        """Return True when an edition that records `recorded` as its article (and `title` as its title) is this
        article's: the same file however it is named, the same link; for an article given as text, the same title."""
        if self.path:
            if not recorded or os.path.isabs(recorded) or is_link(recorded):
                return recorded == self.origin
            return recorded == str(self.path) or Path(recorded).resolve() == self.path.resolve()  # recorded as given
        return recorded == self.origin and (bool(self.url) or title == self.article.title)


def open_source(article: Path | str | Article | Source, fmt: str | None = None) -> Source:
    """Return the article to build: read from a file (a path), fetched from a link (`https://…`), or as given
    (an Article from `parse_article`, or a Source)."""
    if isinstance(article, Source):
        return article
    if isinstance(article, Article):
        return Source(article)
    if is_link(article):
        return open_link(str(article))
    return Source(read_article(Path(article), fmt), Path(article))


def is_link(article: object) -> bool:
    """Return True for an article given as a web link (`http://` or `https://`) rather than a file."""
    return isinstance(article, str) and re.match(r"https?://", article, re.IGNORECASE) is not None


GERMAN_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def slug(title: str, limit: int = 60) -> str:
    """Return a file name made of a title: lower-case ASCII words joined by hyphens (`Über uns` → `ueber-uns`)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", title.translate(GERMAN_LETTERS)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = "-".join(words)[:limit].rstrip("-")
    return name or "artikel"


def open_link(url: str, limits=None) -> Source:
    """Return the article at a web link, fetched; the edition is named after the page's title."""
    from audio.read import fetch, webpage

    page = fetch.get_page(url, limits or fetch.Limits())
    article = webpage.read_page(page.data, url, page.charset, fallback_title=webpage.name_for_url(page.url))
    return Source(article, url=url)
