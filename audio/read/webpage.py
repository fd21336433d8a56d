"""Read a web page (saved, or fetched from a link) into an Article: its main text, subheads and metadata.

The main text comes from trafilatura, which was built on German news pages: it drops navigation,
cookie banners, related-article boxes, ads, share bars, tag lists, comments and captions, and
gives the article as Markdown with its `h2`–`h4` subheads, which the Markdown reader turns into
sections as for any Markdown article. Extractors tend to drop the lead (the bold teaser under the
headline), which a listener expects to hear first, so it is recovered here from the page itself.

The metadata is taken from, in this order (the first that names a field wins): the JSON-LD
`NewsArticle` (or `Article`, `BlogPosting`, …), Open Graph (`og:*`, `article:*`), then plain
`<meta>` tags, the `<h1>` and the `<title>`, and `<html lang>`.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from audio.errors import EditionError
from audio.files import parse_json
from audio.read.article import Article, decode, meta_value, parse_markdown, title_from_filename, without_controls

log = logging.getLogger(__name__)

ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
                 "BlogPosting", "Report", "LiveBlogPosting", "ScholarlyArticle", "BackgroundNewsArticle"}
LEAD_MARK = re.compile(r"(?:^|[-_\s])(?:teaser|intro|lead|leadin|standfirst|summary|abstract|excerpt|vorspann)"
                       r"(?:$|[-_\s]|text|er)", re.IGNORECASE)
NOT_LEAD = re.compile(r"related|more|recommend|weitere|list|box|promo|newsletter|paywall|nav|comment|caption"
                      r"|(?:^|[-_\s])ads?(?:$|[-_\s])|anzeige|werbung|cookie|consent", re.IGNORECASE)
LEAD_MIN_CHARS = 60
ELEMENTS_FOR_LEAD = 300  # how many elements from the top of the page may hold the lead
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)


def parse_html(html: str, fallback_title: str = "Artikel") -> Article:
    """Return the article of a web page: the main text (with its lead) as sections, the page's metadata as meta."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise EditionError(f"the page cannot be read as HTML ({exc})") from None
    meta = page_meta(tree)
    remove_furniture(tree)
    # No `deduplicate`: its memory of seen paragraphs spans calls, so a page read twice in one process lost its text.
    markdown = trafilatura.extract(copy.deepcopy(tree), output_format="markdown", include_formatting=True, include_comments=False,
                                   include_images=False, include_tables=True, include_links=False)
    if not markdown or not markdown.strip():
        raise EditionError("no article text found on the page")
    heading, body = split_title(markdown)
    title = meta.pop("title", None) or heading or page_title(tree) or fallback_title
    body = drop_byline(drop_headline(body, title), meta.get("author", ""))
    lead = find_lead(tree, body)
    if lead:
        body = f"{lead}\n\n{body}"
    article = parse_markdown(body, fallback_title=title)
    return Article(title, article.sections, {"title": title, **meta})


def read_page(data: bytes, name: str, declared: str | None = None, fallback_title: str = "Artikel") -> Article:
    """Return the article of a web page's bytes, decoded by the charset declared (header, else `<meta>`)."""
    text, notice = page_text(data, name, declared)
    article = parse_html(text, fallback_title)
    return Article(article.title, article.sections, article.meta, (notice,) if notice else ())


def page_text(data: bytes, name: str, declared: str | None = None) -> tuple[str, str | None]:
    """Return a page's text decoded by its declared charset (the HTTP header's, else its `<meta>`), else as a file.

    A charset counts only when it names one of the text encodings browsers know (the WHATWG Encoding
    standard's labels, with Latin-1 and ASCII read as Windows-1252, as browsers do): `punycode`, `idna`,
    `undefined` or `base64_codec` are Python codecs, not a page's encoding, and are treated as unknown.
    """
    import webencodings

    label = (declared or meta_charset(data) or "").strip()
    encoding = webencodings.lookup(label) if label else None
    if label and (encoding is None or encoding.name == "replacement"):
        guessed, notice = decode(data, name)
        return guessed, notice or f"{name} declares the charset {label[:40]!r}, which is not a text encoding; read as UTF-8"
    if encoding is not None and encoding.name != "utf-8":
        try:
            text: str | None = encoding.codec_info.decode(data)[0]
        except UnicodeDecodeError:
            text = None
        if text is not None and readable(text):
            return without_controls(text), None
        # not that charset: it fails, or (UTF-16 or EBCDIC declared for a UTF-8 page) it decodes into nonsense
        guessed, notice = decode(data, name)
        return guessed, f"{name} declares the charset {label[:40]}, but does not read as text in it; " \
                        f"{notice or 'read it as UTF-8'}"
    return decode(data, name)


def readable(text: str) -> bool:
    """Return False when more than a fifth of the letters in `text` (its first 100,000 characters) are unprintable
    or of another script than Latin: what a page decoded by a wrong charset looks like."""
    letters = bad = 0
    for char in text[:100_000]:
        if char.isalpha():
            letters += 1
            bad += not is_latin(char)
        elif not char.isprintable() and not char.isspace():
            letters += 1
            bad += 1
    return bad * 5 <= letters


def is_latin(char: str) -> bool:
    """Return True for a letter of the Latin script (with its accents and ligatures)."""
    code = ord(char)
    return code < 0x250 or 0x1E00 <= code < 0x1F00 or 0x2C60 <= code < 0x2C80 or 0xA720 <= code < 0xA800 \
        or 0xFB00 <= code < 0xFB07 or 0xFF21 <= code < 0xFF5B


def meta_charset(data: bytes) -> str | None:
    """Return the charset that a page's `<meta charset>` or `http-equiv` tag declares near its top."""
    found = META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def name_for_url(url: str) -> str:
    """Return a title made of a link's last path segment, for a page that names none (`…/bahn-streik.html`)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return urlsplit(url).hostname or "Artikel"
    return title_from_filename(unquote(segments[-1]))  # type: ignore[arg-type]


# --- metadata ---------------------------------------------------------------------------------------------------


def page_meta(tree) -> dict:
    """Return what the page says about the article, JSON-LD first, then Open Graph, then plain `<meta>`."""
    meta: dict = {}
    for source in (json_ld_meta(tree), open_graph_meta(tree), plain_meta(tree)):
        for key, value in source.items():
            if value and key not in meta:
                meta[key] = without_controls(value)
    return meta


def json_ld_meta(tree) -> dict:
    """Return title, author, date, description, publication and image of the page's JSON-LD article."""
    for item in json_ld_items(tree):
        kinds = item.get("@type")
        kinds = set(kinds) if isinstance(kinds, list) else {kinds}
        if not kinds & ARTICLE_TYPES:
            continue
        publisher = item.get("publisher")
        return {
            "title": text_of(item.get("headline") or item.get("name")),
            "author": authors(item.get("author")),
            "date": iso_date(text_of(item.get("datePublished") or item.get("dateCreated"))),
            "description": text_of(item.get("description")),
            "publication": text_of(publisher.get("name")) if isinstance(publisher, dict) else text_of(publisher),
            "image": image_url(item.get("image")),
            "language": text_of(item.get("inLanguage")),
        }
    return {}


def json_ld_items(tree) -> Iterator[dict]:
    """Yield every JSON-LD object of the page, looking inside lists and `@graph`."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = parse_json(script.text or "")
        except ValueError:  # not JSON, or nested too deeply to read
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def open_graph_meta(tree) -> dict:
    """Return the Open Graph fields of the page."""
    def prop(name: str) -> str:
        return first(tree.xpath(f'//meta[@property="{name}"]/@content'))

    author = prop("article:author")
    return {
        "title": prop("og:title"),
        "author": "" if "://" in author else authors(author),  # often a link to the author's page
        "date": iso_date(prop("article:published_time")),
        "description": prop("og:description"),
        "publication": prop("og:site_name"),
        "image": prop("og:image"),
    }


def plain_meta(tree) -> dict:
    """Return what the page's plain `<meta>` tags, its `<h1>` and `<html lang>` say."""
    def named(*names: str) -> str:
        for name in names:
            found = first(tree.xpath(f'//meta[translate(@name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", '
                                     f'"abcdefghijklmnopqrstuvwxyz")="{name}"]/@content'))
            if found:
                return found
        return ""

    return {
        "title": first(tree.xpath("//h1//text()")) and clean(" ".join(tree.xpath("(//h1)[1]//text()"))),
        "author": authors(named("author", "dc.creator")),
        "date": iso_date(named("date", "pubdate", "publish-date", "dc.date", "dcterms.date")
                         or first(tree.xpath("//time/@datetime"))),
        "description": named("description", "dc.description"),
        "publication": named("application-name", "publisher", "dc.publisher"),
        "language": first(tree.xpath("/html/@lang")),
    }


def page_title(tree) -> str:
    """Return the page's `<title>` without the site's name after a bar or dash (`Bahnstreik | tagesschau.de`)."""
    title = clean(" ".join(tree.xpath("//title//text()")))
    return re.split(r"\s+[|–—-]\s+", title)[0].strip() if title else ""


def authors(value) -> str:
    """Return the author names in a JSON-LD author, or a `<meta>` list, read naturally: `Anna und Ben`."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("name", "")
        if isinstance(item, str) and item.strip() and "://" not in item:
            names.extend(n for n in re.split(r"\s*(?:,|;|\bund\b|\band\b|&)\s*", clean(item)) if n)
    unique = list(dict.fromkeys(names))
    return meta_value(unique) if unique else ""


def image_url(value) -> str:
    """Return the URL of a JSON-LD image (a URL, an ImageObject, or a list of either)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or ""
    return value if isinstance(value, str) else ""


def iso_date(value: str) -> str:
    """Return the day of an ISO 8601 date or time (`2026-03-04T06:12:00+01:00` → `2026-03-04`), else ''."""
    found = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value or "")
    return found.group(1) if found else ""


def text_of(value) -> str:
    return clean(value) if isinstance(value, str) else ""


def first(values: list) -> str:
    return clean(str(values[0])) if values else ""


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- the main text ----------------------------------------------------------------------------------------------


FURNITURE_TAGS = ("nav", "footer", "aside", "form", "button", "figcaption", "noscript", "iframe")
FURNITURE_MARK = re.compile(
    r"(?:^|[-_])(?:paywall|newsletter|related|recommend\w*|share|sharing|social|shariff|tags?|taglist|keywords|comments?"
    r"|cookies?|consent|cmp|ads?|adslot|advert\w*|anzeige|werbung|sponsored|promo|breadcrumbs?|toolbox|outbrain"
    r"|taboola|banner|subscribe|abo|readmore|lesen-sie-auch|mehr-zum-thema)(?:$|[-_\d])", re.IGNORECASE)
FURNITURE_OPENING = re.compile(r"^(?:Lesen Sie (?:auch|mehr)|Mehr zum Thema|Auch interessant|Das könnte Sie auch"
                               r"|Weitere Artikel|Zum Thema|Newsletter|Jetzt weiterlesen|Weiterlesen mit"
                               r"|(?:Diesen )?Artikel teilen|Teilen|Schlagwörter|Themen|Anzeige|Werbung)\b", re.IGNORECASE)
BOX_MAX_CHARS = 400  # a box opened by such words is furniture; a longer passage is the article's own text
PROSE_CHARS = 80
LABELS = ("anzeige", "werbung", "advertisement", "sponsored", "gesponsert")


def remove_furniture(tree) -> None:
    """Remove what a listener does not want read: navigation, ads and `Anzeige` boxes, `Lesen Sie auch`/`Mehr
    zum Thema` boxes, newsletter and paywall boxes, share bars, tag lists, comments, captions, cookie banners.

    trafilatura drops most of these, but keeps some (a paywall box with a heading reads as a subhead);
    an element that holds the headline or half the page's paragraphs is never removed.
    """
    paragraphs = len(tree.xpath("//p")) or 1
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "main", "article", "head"):
            continue
        tokens = " ".join(element.get(a, "") for a in ("class", "id", "data-area", "role", "data-component")).split()
        text = clean(" ".join(element.itertext()))
        if (element.tag in FURNITURE_TAGS or any(FURNITURE_MARK.search(t) for t in tokens)
                or len(text) <= BOX_MAX_CHARS and FURNITURE_OPENING.match(text) and element.tag != "p"
                or text.casefold() in LABELS):
            doomed.append(element)
    for element in doomed:
        target = element
        if clean(" ".join(element.itertext())).casefold() in LABELS and element.getparent() is not None:
            parent = element.getparent()  # the box that the label marks as an ad
            if len(clean(" ".join(parent.itertext()))) <= BOX_MAX_CHARS * 2 and parent.tag not in ("body", "main",
                                                                                                  "article"):
                target = parent
        if target.xpath(".//h1") or len(target.xpath(".//p")) > paragraphs / 2 or target.getparent() is None:
            continue
        if sum(1 for p in target.xpath(".//p") if len(clean(" ".join(p.itertext()))) >= PROSE_CHARS) >= 3:
            continue  # three paragraphs of prose are the article's text in a wrapper named `with-ads` or so
        target.getparent().remove(target)


def drop_headline(body: str, title: str) -> str:
    """Return extracted Markdown without a heading at its top that repeats the headline (`## Kicker Headline`)."""
    first_block, _, rest = body.strip().partition("\n\n")
    if first_block.startswith("#") and title.casefold() in first_block.casefold():
        return rest
    return body


BYLINE = re.compile(r"^(?:Von|By|Ein (?:Bericht|Kommentar|Gastbeitrag) von)\s+\S.{0,100}$")


def drop_byline(body: str, author: str) -> str:
    """Return extracted Markdown without a printed byline near its top that names the author(s) from the metadata,
    which the edition already says (`Von Anna Schmidt und Ben Weber`)."""
    if not author:
        return body
    names = [name for name in re.split(r",\s*|\s+und\s+", author) if name]
    blocks = body.strip().split("\n\n")
    for index, block in enumerate(blocks[:3]):
        line = clean(re.sub(r"[*_]", "", block))
        if BYLINE.match(line) and any(name in line for name in names):
            return "\n\n".join(blocks[:index] + blocks[index + 1:])
    return body


def split_title(markdown: str) -> tuple[str, str]:
    """Return the `# headline` that the extracted Markdown opens with (or '') and the rest."""
    lines = markdown.strip().split("\n", 1)
    if lines[0].startswith("# "):
        return lines[0][2:].strip(), lines[1] if len(lines) > 1 else ""
    return "", markdown


def find_lead(tree, body: str) -> str:
    """Return the page's lead paragraph when the extracted text lacks it, else ''.

    The lead is an element above the first extracted paragraph that is marked as one (a class or
    id with teaser, intro, lead, standfirst, summary …) or a paragraph wholly in bold; a box of
    links with a heading or a list (`Mehr zum Thema`) is not a lead, even when its class says teaser.
    """
    opening = first_paragraph(body)
    said = clean(re.sub(r"[*_`]", "", body))
    for count, element in enumerate(tree.iter("p", "div", "section", "header")):
        text = clean(" ".join(element.itertext()))
        if opening and text.startswith(opening):  # the body begins: a lead is above it
            break
        if count > ELEMENTS_FOR_LEAD:
            break
        if len(text) < LEAD_MIN_CHARS or text in said or not is_lead(element, text):
            continue
        return text
    return ""


def is_lead(element, text: str) -> bool:
    """Return True for an element that holds a lead: marked as one or wholly bold, one run of prose, few links."""
    if element.xpath(".//h1|.//h2|.//h3|.//h4|.//ul|.//ol|.//button|.//form|ancestor::nav|ancestor::aside"
                     "|ancestor::footer"):
        return False
    marks = " ".join(element.get(attr, "") for attr in ("class", "id")) + " " + " ".join(
        " ".join(a.get("class", "") + " " + a.get("id", "") for a in element.iterancestors()))
    if NOT_LEAD.search(marks):
        return False
    linked = sum(len(clean(" ".join(a.itertext()))) for a in element.xpath(".//a"))
    if linked > len(text) / 3 or not re.search(r"[.!?]", text):
        return False
    own = " ".join(element.get(attr, "") for attr in ("class", "id"))
    bold = clean(" ".join(t for b in element.xpath("./strong|./b") for t in b.itertext()))
    return bool(LEAD_MARK.search(own)) or (element.tag in ("p", "div") and bold == text)


def first_paragraph(body: str) -> str:
    """Return the first 40 characters of the first paragraph of extracted Markdown (not a heading)."""
    for block in re.split(r"\n\s*\n", body):
        block = clean(re.sub(r"[*_`]", "", block))
        if block and not block.startswith("#"):
            return block[:40]
    return ""
