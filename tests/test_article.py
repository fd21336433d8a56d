"""The article stage: every rule of reading a file into sections, on small articles."""

from __future__ import annotations

import re
import time

import pytest

from audio.errors import EditionError
from audio.read.article import (
    decode,
    drop_source_footer,
    is_heading_line,
    parse_markdown,
    parse_text,
)
from audio.read.source import read_article


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def spoken(article) -> str:
    return "\n\n".join(s.text for s in article.sections)


def assert_each_once(article, expected_sentences):
    text = spoken(article)
    for sentence in expected_sentences:
        assert text.count(sentence) == 1, f"{sentence!r} occurs {text.count(sentence)} times"


def test_seed_title_and_four_headings(seed):
    article = read_article(seed)
    assert article.title == "Twitter greift Microsoft wegen angeblichen Missbrauchs von Twitter-Daten an"
    assert [s.title for s in article.sections] == [
        "Elon Musk betont seine Haltung zur Meinungsfreiheit auf Twitter",
        "Twitter beschuldigt Microsoft des Missbrauchs von Twitter-Daten",
        "Elon Musk kämpft gegen OpenAI und Microsoft",
        "Der Geldaspekt ist für Elon Musk nicht die Priorität",
    ]


def test_seed_every_body_sentence_spoken_once_and_no_leftovers(seed):
    raw = seed.read_text(encoding="utf-8")
    article = read_article(seed)
    body_paragraphs = [b for b in raw.split("\n\n") if b.strip().endswith((".", "?", "“"))]
    assert len(body_paragraphs) == 5
    assert_each_once(article, [s for p in body_paragraphs for s in sentences(p)])
    text = spoken(article)
    assert "[ad_1]" not in text and "Quelle" not in text
    assert all(s.title not in s.text for s in article.sections)


def test_markdown_front_matter_setext_and_what_is_not_read(articles):
    article = read_article(articles / "front-matter-setext.md")
    assert article.title == "Bahn erhöht die Preise & streicht Verbindungen"
    assert article.meta == {
        "title": "Bahn erhöht die Preise & streicht Verbindungen",
        "author": "Erika Muster",
        "date": "2026-11-02",
        "description": "Was sich für Pendler ändert.",
        "language": "de",
        "cover": "cover.png",
    }
    assert [s.title for s in article.sections] == [
        "Bahn erhöht die Preise & streicht Verbindungen",
        "Was sich für Pendler ändert",
        "Wie Verbände reagieren",
    ]
    assert article.sections[1].paragraphs == (
        "Monatskarten werden teurer, wie die Pressestelle mitteilte.",
        "Fernverkehr wird teurer.",
        "Nahverkehr bleibt gleich.",
        "Wir bedauern die Erhöhung.",
    )
    text = spoken(article)
    for unread in ("Redaktion", "Ein Zug", "zug.jpg", "print(", "abonnieren", "https://", "==="):
        assert unread not in text
    assert_each_once(article, [
        "Die Bahn hat am Montag neue Tarife vorgestellt.", "Sie gelten ab Dezember.",
        "Der Fahrgastverband kritisiert die Pläne scharf.", "Er fordert einen Preisstopp.",
    ])


def test_toml_front_matter_merges_and_drops_headings_without_body(articles):
    article = read_article(articles / "toml-front-matter.md")
    assert article.title == "Neue Regeln für E-Scooter"
    assert article.meta == {"title": "Neue Regeln für E-Scooter", "author": "Max Beispiel"}
    assert [s.title for s in article.sections] == ["Hintergrund", "Teil 2 – Was sich ändert"]
    assert_each_once(article, ["Nun greift der Bund ein.", "Ab Januar gilt eine Helmpflicht."])


def test_plain_text_question_headings_intro_and_leftovers(articles):
    article = read_article(articles / "questions-and-leftovers.txt")
    assert article.title == "Heizkosten steigen im Winter deutlich"
    assert [s.title for s in article.sections] == [
        "Heizkosten steigen im Winter deutlich",
        "Was bedeutet das für Verbraucher?",
        "Wie lange bleibt es so?",
    ]
    assert article.sections[1].text == "Verbraucher sollten ihre Abschläge prüfen. Experten raten zu einem Puffer."
    text = spoken(article)
    assert "[ad_" not in text and "Source" not in text


def test_no_headings_is_one_section_titled_from_file_name(articles):
    article = read_article(articles / "no-headings.txt")
    assert article.title == "No headings"
    assert len(article.sections) == 1
    assert article.sections[0].paragraphs == (
        "Der Stadtrat hat am Abend den Haushalt beschlossen. Die Opposition stimmte dagegen. "
        "Die Sitzung dauerte bis nach Mitternacht.",
        "Am Ende fehlten zwei Stimmen zur Mehrheit für den Änderungsantrag.",
    )


def test_windows_1252_with_crlf_is_read_with_a_notice(articles):
    article = read_article(articles / "cp1252-crlf.txt")
    assert article.title == "Größere Brücke für Köln"
    assert [s.title for s in article.sections] == ["Größere Brücke für Köln", "Was sagen die Bürger?"]
    assert article.sections[0].text == "Die Stadt plant eine größere Brücke über den Rhein. Die Kosten liegen bei 5 Mio. €."
    assert "Quelle" not in spoken(article)
    assert article.notices == ("cp1252-crlf.txt is not UTF-8; read it as Windows-1252",)


def test_utf8_bom_is_not_part_of_the_title():
    text, notice = decode("\ufeffTitel\n\nText.".encode("utf-8"))
    assert text == "Titel\n\nText." and notice is None


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (bytes(range(256)) * 4, "binary"),
])
def test_unreadable_bytes_are_refused(data, message):
    with pytest.raises(EditionError, match=message):
        decode(data, "x.txt")


@pytest.mark.parametrize("text", ["[ad_1]\n\nQuelle\n", "# Nur eine Überschrift\n\n## Und noch eine\n"])
def test_no_speakable_text_is_refused(text):
    parse = parse_markdown if text.startswith("#") else parse_text
    with pytest.raises(EditionError, match="no speakable text"):
        parse(text)


@pytest.mark.parametrize("line, expected", [
    ("Was bedeutet das für Verbraucher?", True),
    ("Elon Musk kämpft gegen OpenAI und Microsoft", True),
    ("Das ist ein ganzer Satz.", False),
    ("Er sagte: „Ich gehe.“", False),
    ("Die Gründe:", False),
    ("2023", False),
    ("Zeile eins\nZeile zwei", False),
    ("Sehr " * 30, False),
    ("1. Einleitung", True),
    ("**Was Verbraucher tun können**", True),
    ("„Das war niemals ein Elfmeter!“", False),
    ("Wer hätte das gedacht? Niemand!", False),
    ("Die Regierung hat das beschlossen. (dpa)", False),
    ("Das ist ein Satz mit einem Ausruf am Ende!", False),
    ("Der 1. FC Köln steigt ab", True),
    ("Dr. Müller tritt zurück", True),
    ("Am 3. Oktober feiert Deutschland", True),
])
def test_heading_lines(line, expected):
    assert is_heading_line(line) is expected


@pytest.mark.parametrize("blocks, expected", [
    (["Text.", "Quelle"], ["Text."]),
    (["Text.", "Quelle: dpa"], ["Text."]),
    (["Text.", "Source link"], ["Text."]),
    (["Text.\nQuelle: Reuters"], ["Text."]),
    (["Die Quelle ist unklar."], ["Die Quelle ist unklar."]),
    (["Text.", "Quelle: dpa\nSource link"], ["Text."]),
    (["Text.", "Quelle: dpa", "Source link"], ["Text."]),
])
def test_source_footer(blocks, expected):
    assert drop_source_footer(blocks) == expected


def test_markdown_lists_quotes_and_tables_are_read_as_sentences():
    article = parse_markdown(
        "# Titel\n\nEinleitung hier.\n\n1. Erstens\n2. Zweitens!\n\n| Stadt | Preis |\n|---|---|\n| Köln | 3 Euro |\n"
    )
    assert article.sections[0].paragraphs == (
        "Einleitung hier.", "Erstens.", "Zweitens!", "Stadt, Preis.", "Köln, 3 Euro.",
    )


def test_invalid_front_matter_is_an_error():
    with pytest.raises(EditionError, match="front matter is not valid YAML"):
        parse_markdown("---\ntitle: [unclosed\n---\n\nText.\n")


def alias_bomb(levels: int) -> str:
    """Front matter whose `author` expands, through YAML aliases, to 9**levels names (the issue's had nine levels)."""
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    names = "abcdefghij"
    for parent, child in zip(names[:levels - 1], names[1:levels]):
        lines.append(f"{child}: &{child} [" + ", ".join([f"*{parent}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + f"\nauthor: [*{names[levels - 1]}, x]\ntitle: Titel\n---\n\nText.\n"


def test_front_matter_with_yaml_aliases_is_refused_in_one_line():
    start = time.perf_counter()
    with pytest.raises(EditionError) as error:
        parse_markdown(alias_bomb(6))
    assert str(error.value) == "the front matter is not valid YAML: it refers to &a with *a; write each value out"
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("value", ["{name: Anna}", "[[Anna, Ben]]", "[{name: Anna}, Ben]"])
def test_front_matter_fields_are_read_from_their_plain_values_only(value):
    article = parse_markdown(f"---\ntitle: Titel\nauthor: {value}\n---\n\nText.\n")
    assert article.meta.get("author", "Ben") in ("Ben", "")  # a mapping or nested list is not a name


def test_short_paragraphs_between_headings_stay_body_text():
    article = parse_text(
        "Trainer nach dem Spiel\n\nDer Trainer war außer sich.\n\n„Das war niemals ein Elfmeter!“\n\n"
        "Wer hätte das gedacht? Niemand!\n\nWie geht es weiter?\n\nAm Samstag gegen Leipzig.\n"
    )
    assert [s.title for s in article.sections] == ["Trainer nach dem Spiel", "Wie geht es weiter?"]
    assert article.sections[0].paragraphs == (
        "Der Trainer war außer sich.", "„Das war niemals ein Elfmeter!“", "Wer hätte das gedacht? Niemand!",
    )


def test_credit_lines_scene_breaks_and_bold_headings_in_plain_text():
    article = parse_text(
        "Titel\n\nFoto: picture alliance / dpa | Michael Kappeler\n\nErster Absatz.\n\n***\n\n"
        "[Werbung]\n\n**Zweiter Teil**\n\nZweiter Absatz.\n© dpa-infocom, dpa:240307-99-12345/3\n"
    )
    assert [(s.title, s.paragraphs) for s in article.sections] == [
        ("Titel", ("Erster Absatz.",)), ("Zweiter Teil", ("Zweiter Absatz.",)),
    ]


def test_sentences_that_start_like_credits_are_kept():
    article = parse_text(
        "Titel\n\nCopyright-Klagen gegen OpenAI häufen sich, sagen Anwälte in den USA seit Monaten.\n\n"
        "Drei Punkte:\n(a) die Länder,\n(b) der Bund,\n(c) die Aufsicht durch die Länder.\n\nStand: 7. März 2024\n"
    )
    assert article.sections[0].paragraphs == (
        "Copyright-Klagen gegen OpenAI häufen sich, sagen Anwälte in den USA seit Monaten.",
        "Drei Punkte: (a) die Länder, (b) der Bund, (c) die Aufsicht durch die Länder.",
    )


def test_utf16_with_byte_order_mark_is_read():
    text, notice = decode("\ufeffTitel\n\nGrüße.".encode("utf-16"))
    assert text == "Titel\n\nGrüße." and notice is None


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read_with_a_notice(encoding):
    text, notice = decode("Titel\r\n\r\nGrüße aus Köln, 30 € – „gut“.".encode(encoding), "x.txt")
    assert text == "Titel\n\nGrüße aus Köln, 30 € – „gut“."
    assert notice == f"x.txt is UTF-16 without a byte order mark; read it as {encoding.upper()}"


@pytest.mark.parametrize("data", [
    b"\x00\x00" * 600,  # NULs on both sides of each pair: not text
    "Titel\n\nText".encode("utf-16-le") + b"\x00",  # odd length
    b"A\x00" * 300 + b"\x00\xd8A\x00",  # a lone surrogate: does not decode as UTF-16
])
def test_binary_with_nul_bytes_is_not_taken_for_utf16(data):
    with pytest.raises(EditionError, match="binary"):
        decode(data, "x.bin")


def test_utf8_with_a_stray_windows_byte_keeps_its_umlauts():
    text, notice = decode("Größe\n\nDie Bürger zahlen 30 ".encode() + b"\x80.", "x.txt")
    assert text == "Größe\n\nDie Bürger zahlen 30 €."
    assert notice == "x.txt is UTF-8 but for 1 byte(s); read those as Windows-1252"


def test_markdown_footnotes_bold_subheadings_and_author_lists():
    article = parse_markdown(
        "---\nauthor: [Anna Berg, Ben Kurz, Cem Lau]\n---\n# Titel\n\nDie Studie[^1] zeigt es.<br>Klar.\n\n"
        "**Was Verbraucher tun können**\n\nWechseln lohnt ~~nie~~ sich.\n\n[^1]: Studie des DIW, 2023.\n"
    )
    assert article.meta["author"] == "Anna Berg, Ben Kurz und Cem Lau"
    assert [(s.title, s.paragraphs) for s in article.sections] == [
        ("Titel", ("Die Studie zeigt es. Klar.",)), ("Was Verbraucher tun können", ("Wechseln lohnt sich.",)),
    ]


def test_rules_around_a_first_paragraph_are_not_front_matter():
    article = parse_markdown("---\nEin wichtiger Vorspann.\n---\n\nText.\n", fallback_title="Vorspann")
    assert "Text." in article.sections[-1].paragraphs
    assert any("Ein wichtiger Vorspann" in s.title or "Ein wichtiger Vorspann." in s.paragraphs
               for s in article.sections)


def nested_list(depth: int, indent: str = "  ", marker: str = "- ") -> str:
    return "\n".join(indent * level + marker + f"Punkt {level}" for level in range(depth))


@pytest.mark.parametrize("nesting", [
    nested_list(12), nested_list(40, "    ", "1. "), nested_list(1000), "> " * 30 + "Tief zitiert",
    "> " * 500 + "Tief zitiert", "- " + "> " * 40 + "Tief zitiert",
    "\n".join("  " * n + "- " + "> " * n + f"Punkt {n}" for n in range(40)),
])
def test_deeply_nested_lists_and_quotes_lose_no_text(tmp_path, nesting):
    path = tmp_path / "tief.md"
    path.write_text(f"# Tief\n\nVorher.\n\n{nesting}\n\n## Später\n\nDer Rest.\n", encoding="utf-8")
    article = read_article(path)
    assert [s.title for s in article.sections] == ["Tief", "Später"]
    said = " ".join(article.sections[0].paragraphs)
    expected = re.findall(r"Punkt \d+|Tief zitiert", nesting)
    assert re.findall(r"Punkt \d+|Tief zitiert", said) == expected
    assert article.sections[1].paragraphs == ("Der Rest.",)


LONG_MARKDOWN = """# Lange Ausgabe

Einleitung mit einem Absatz.

## Erster Teil

- Ein Punkt
- Noch einer, der weitergeht

  und einen zweiten Absatz hat

> Ein Zitat
> über zwei Zeilen

```
# kein Titel, sondern Code

# auch keiner
```

| Stadt | Preis |
|---|---|
| Köln | 3 Euro |

## Zweiter Teil
Direkt darunter Text.
# Ohne Leerzeile davor
Text.

~~~~
nicht vorgelesen
~~~
# noch im Code
~~~~

<!-- ein Kommentar

# kein Titel im Kommentar

-->

<pre>

# auch kein Titel, vorformatiert

</pre>

### Dritter Teil

Letzter Absatz.
"""


def test_a_long_markdown_text_read_in_pieces_reads_as_the_whole(monkeypatch):
    from audio.read import article

    body = LONG_MARKDOWN * 40
    whole = article.markdown_blocks(body)
    monkeypatch.setattr(article, "PIECE_CHARS", 300)
    assert len(article.pieces(body)) > 40
    assert "".join(article.pieces(body)) == body
    assert article.markdown_blocks(body) == whole
    assert not any("kein Titel" in b.text or "noch im Code" in b.text for b in whole)
    assert [b.text for b in whole[:8]] == ["Lange Ausgabe", "Einleitung mit einem Absatz.", "Erster Teil", "Ein Punkt.",
                                           "Noch einer, der weitergeht.", "und einen zweiten Absatz hat.",
                                           "Ein Zitat über zwei Zeilen.", "Stadt, Preis."]


def test_a_text_that_defines_links_or_footnotes_is_read_whole(monkeypatch):
    from audio.read import article

    monkeypatch.setattr(article, "PIECE_CHARS", 10)
    body = "Die Studie[^1] zeigt es.\n\n# Teil\n\nText.\n\n[^1]: Quelle.\n"
    assert article.pieces(body) == [body]


def test_many_short_lines_in_a_row_are_read_in_linear_time():
    # each short line is a heading; 40,000 of them in a row took 70 s when each was added to the title
    lines = "\n\n".join(f"Kurze Zeile {i}" for i in range(40_000))
    started = time.monotonic()
    article = parse_text(f"Titel\n\n{lines}\n\nEin Satz, der endlich ein Absatz ist.")
    assert time.monotonic() - started < 5
    assert article.sections[0].title.count(" – ") == 39_999
