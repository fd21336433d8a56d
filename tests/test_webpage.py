"""Saved web pages: what a listener hears (the lead, the body, the subheads) and what not (the page's furniture)."""

from __future__ import annotations

import pytest

from audio.read.webpage import authors, iso_date, page_text

# page: (section titles, phrases that are read, phrases that are not)
PAGES = {
    "tagesschau-bahnstreik.html": (
        ["Bahnstreik: Was Reisende jetzt wissen müssen", "Welche Züge fahren noch?", "Welche Rechte haben Fahrgäste?"],
        ["Millionen Pendler müssen sich auf Ausfälle einstellen",  # the bold teaser
         "Von Anna Schmidt", "Der Streik soll am Mittwochmorgen", "Im Regionalverkehr hängt", "alle Belege aufzubewahren"],
        ["Cookies", "Alle akzeptieren", "Startseite", "Mehr zum Thema", "GDL-Chef kündigt", "Reiseversicherung",
         "Anzeige", "leerer Bahnsteig", "teilen", "WhatsApp", "Schlagwörter", "Impressum", "ARD-aktuell", "Tarifkonflikt"],
    ),
    "spiegel-wohnungsmarkt.html": (
        ["Warum die Mieten in Großstädten weiter steigen", "Hohe Zinsen bremsen den Bau", "Was die Politik plant"],
        ["In den großen Städten fehlen Hunderttausende Wohnungen, und es wird kaum gebaut",  # bold teaser in a div
         "Von Anna Schmidt und Ben Weber", "braucht vor allem Geduld", "stornierten Aufträgen", "Sozialwohnungen"],
        ["Lesen Sie auch", "Baukrise", "Newsletter", "Lage am Morgen", "weiterlesen", "Digital-Abo", "kündbar",
         "Neubauten in Berlin-Lichtenberg", "Kalaene", "Artikel teilen", "Merken", "Immobilien", "Rechte vorbehalten",
         "abonnieren"],
    ),
    "zeit-klimagipfel.html": (
        ["Klimagipfel: Einigung in letzter Minute", "Enttäuschung bei den Inselstaaten", "Wie es weitergeht"],
        ["Nach zwei Wochen zäher Verhandlungen",  # the summary under the headline
         "Von Clara Müller und David Öztürk", "In der Nacht zum Samstag", "Auch die Europäische Union", "eineinhalb Grad"],
        ["Tracking", "Einverstanden", "Gesellschaft", "Strom für Ihr Zuhause", "Anzeige", "Delegierte der Inselstaaten",
         "Reuters", "Mehr zum Thema", "Wie warm wird es noch", "Drucken", "Kommentare", "heiße Luft", "ärmsten Ländern",
         "Leser123", "Hilfe und Kontakt"],
    ),
    "regional-freibad.html": (
        ["Stadtrat beschließt: Freibad bleibt geöffnet", "Bürgerinitiative jubelt"],
        ["Das Freibad am Stadtpark wird nicht geschlossen",  # a bold first paragraph, no class
         "Von Eva Klein", "vier Millionen Euro", "Die Fraktionen hatten", "ermäßigte Karten"],
        ["Diese Website verwendet Cookies", "Mehr erfahren", "Lesen Sie auch", "Hallenbad", "Modehaus",
         "Sommerschlussverkauf", "Newsletter", "Postfach", "Themen", "vernünftige Entscheidung", "Unverantwortlich",
         "Kommentare", "Impressum", "Verlag GmbH", "›"],
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_is_read_as_a_listener_expects(plan, pages, name):
    titles, read, not_read = PAGES[name]
    data = plan(pages / name)
    spoken = " ".join(section["spoken"] for section in data["sections"])
    assert [section["title"] for section in data["sections"]] == titles
    for phrase in read:
        assert phrase in spoken, phrase
    for phrase in not_read:
        assert phrase not in spoken, phrase


@pytest.mark.parametrize("name", PAGES)
def test_the_lead_is_read_first_and_once(plan, pages, name):
    _, read, _ = PAGES[name]
    first = plan(pages / name)["sections"][0]["spoken"]
    spoken = " ".join(s["spoken"] for s in plan(pages / name)["sections"])
    assert spoken.count(read[0]) == 1
    assert first.index(read[0]) < first.index(read[2])  # lead before the body's first paragraph


def test_json_ld_comes_before_open_graph_and_meta(plan, pages):
    meta = plan(pages / "spiegel-wohnungsmarkt.html")["meta"]
    assert meta == {
        "title": "Warum die Mieten in Großstädten weiter steigen",
        "author": "Anna Schmidt und Ben Weber",
        "date": "2026-02-11",
        "description": "In den großen Städten fehlen Hunderttausende Wohnungen. Ökonomen erwarten keine Entspannung.",
        "publication": "DER SPIEGEL",
        "image": "https://cdn.example.org/wohnung-16x9.jpg",
        "language": "de",
    }


def test_open_graph_comes_before_meta_and_a_link_is_no_author(plan, pages):
    meta = plan(pages / "zeit-klimagipfel.html")["meta"]
    assert meta["title"] == "Klimagipfel: Einigung in letzter Minute"  # og:title over <title> with the site's name
    assert meta["author"] == "Clara Müller und David Öztürk"  # article:author is a link: <meta name=author> is used
    assert meta["description"].startswith("Nach zwei Wochen Verhandlungen")
    assert meta["publication"] == "ZEIT ONLINE"
    assert meta["date"] == "2026-11-22"


def test_json_ld_in_a_graph(plan, pages):
    meta = plan(pages / "regional-freibad.html")["meta"]
    assert meta["author"] == "Eva Klein" and meta["publication"] == "Lokalzeitung" and meta["date"] == "2026-06-30"
    assert meta["image"] == "https://lokal.example.org/bilder/freibad.jpg"


def test_format_html_reads_a_page_saved_without_the_extension(plan, pages, tmp_path):
    saved = tmp_path / "seite.txt"
    saved.write_bytes((pages / "zeit-klimagipfel.html").read_bytes())
    assert plan(saved, "--format", "html")["title"] == "Klimagipfel: Einigung in letzter Minute"


def test_a_windows_1252_page_declared_in_meta(plan, tmp_path):
    page = tmp_path / "alt.htm"
    page.write_bytes(
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
        "<title>Grüße aus Köln</title></head><body><article><h1>Grüße aus Köln</h1>"
        "<p>Die Straßenbahn fährt wieder über die Brücke. Das freut die Pendler in der Südstadt sehr, "
        "denn der Umweg über die Äußere Kanalstraße kostete jeden Tag eine halbe Stunde.</p>"
        "<p>Die Bauarbeiten haben „länger gedauert“ als geplant – fast zwei Jahre.</p></article></body></html>"
        .encode("cp1252"))
    data = plan(page)
    assert data["title"] == "Grüße aus Köln"
    assert "Die Straßenbahn fährt wieder über die Brücke" in data["sections"][0]["text"]
    assert "„länger gedauert“ als geplant – fast" in data["sections"][0]["text"]


def test_a_page_without_article_text_is_refused(cli, tmp_path):
    page = tmp_path / "leer.html"
    page.write_text("<html><head><title>Leer</title></head><body><nav><a href='/'>Start</a></nav></body></html>")
    result = cli("sections", page)
    assert result.exit_code == 1
    assert result.stderr == "Error: no article text found on the page\n"


@pytest.mark.parametrize("value, expected", [
    ([{"@type": "Person", "name": "Anna Schmidt"}, {"name": "Ben Weber"}], "Anna Schmidt und Ben Weber"),
    ("Anna Schmidt, Ben Weber, Clara Müller", "Anna Schmidt, Ben Weber und Clara Müller"),
    ("Anna Schmidt und Ben Weber", "Anna Schmidt und Ben Weber"),
    ({"@type": "Organization", "name": "dpa"}, "dpa"),
    ("https://example.org/autor/anna", ""),
    ([{"name": "Anna Schmidt"}, {"name": "Anna Schmidt"}], "Anna Schmidt"),
])
def test_authors_read_naturally(value, expected):
    assert authors(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("2026-03-04T06:12:00+01:00", "2026-03-04"), ("2026-03-04", "2026-03-04"), ("04.03.2026", ""), ("", ""),
])
def test_dates_are_days(value, expected):
    assert iso_date(value) == expected


@pytest.mark.parametrize("declared, data, expected", [
    ("ISO-8859-1", "Grüße €".encode("cp1252"), "Grüße €"),  # Latin-1 labels are read as Windows-1252, as browsers do
    (None, "<meta charset=\"iso-8859-15\">Grüße".encode("iso-8859-15"), "<meta charset=\"iso-8859-15\">Grüße"),
    (None, "Grüße".encode(), "Grüße"),
    ("utf-8", "Grüße".encode(), "Grüße"),
    ("x-unknown", "Grüße".encode(), "Grüße"),
])
def test_page_text_honours_the_declared_charset(declared, data, expected):
    assert page_text(data, "page", declared)[0] == expected


@pytest.mark.parametrize("charset", ["punycode", "idna", "undefined", "base64_codec", "rot13", "unicode_escape"])
def test_a_charset_that_is_no_text_encoding_is_treated_as_unknown_with_a_note(charset):
    data = f'<meta charset="{charset}"><p>'.encode() + "Ein ganz gewöhnlicher Satz. ".encode() * 40_000  # 1 MB
    text, notice = page_text(data, "seite.html")
    assert text.count("Ein ganz gewöhnlicher Satz.") == 40_000
    assert notice == f"seite.html declares the charset {charset!r}, which is not a text encoding; read as UTF-8"


def test_a_page_read_again_in_the_same_process_keeps_its_text(pages):
    from audio.read.webpage import parse_html

    html = (pages / "regional-freibad.html").read_text(encoding="utf-8")
    first = parse_html(html)
    assert all(parse_html(html).sections == first.sections for _ in range(4))  # as `watch` and batches read pages


def test_a_printed_byline_is_not_read_twice(plan, tmp_path):
    page = tmp_path / "radwege.html"
    page.write_text("<html><head><meta name='author' content='Anna Schmidt, Ben Weber'></head><body><article>"
                    "<h1>Neue Radwege</h1><p>Von Anna Schmidt und Ben Weber, Stuttgart</p>"
                    "<p>Die Stadt baut in diesem Jahr zwölf Kilometer neue Radwege. Der Rat hat das Programm beschlossen.</p>"
                    "<p>Die ersten Arbeiten beginnen im Frühjahr. Dort fallen dafür einige Parkplätze weg.</p>"
                    "</article></body></html>", encoding="utf-8")
    spoken = plan(page)["sections"][0]["spoken"]
    assert spoken.startswith("Neue Radwege. Von Anna Schmidt und Ben Weber. Die Stadt baut")
    assert spoken.count("Von Anna Schmidt") == 1 and "Stuttgart" not in spoken


def test_text_in_a_wrapper_whose_class_names_ads_is_still_read(plan, tmp_path):
    paragraph = "<p>Absatz {n}: Die Gemeinde hat beschlossen, die Schule zu erweitern, weil immer mehr Familien zuziehen.</p>"
    page = tmp_path / "schule.html"
    page.write_text("<html><body><article><h1>Die Schule wird größer</h1>"
                    + "".join(paragraph.format(n=n) for n in range(1, 5))
                    + "<div class='article-section with-ads'>" + "".join(paragraph.format(n=n) for n in range(5, 8))
                    + "</div><div class='ad-slot'><p>Anzeige: Nachhilfe ab zehn Euro die Stunde, jetzt buchen.</p></div>"
                    + "</article></body></html>", encoding="utf-8")
    text = plan(page)["sections"][0]["text"]
    assert [f"Absatz {n}:" in text for n in range(1, 8)] == [True] * 7
    assert "Nachhilfe" not in text


def test_a_page_of_scripts_only_is_one_line_without_the_extractor_s_own_warnings(tmp_path):
    """trafilatura logs `discarding data: None` when it finds nothing; the user gets our one line only."""
    import subprocess
    import sys

    page = tmp_path / "skripte.html"
    page.write_text("<html><head><title>App</title></head><body><script>var artikel = 1;</script>"
                    "<noscript>Bitte JavaScript einschalten</noscript></body></html>", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "audio", "sections", str(page)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == "Error: no article text found on the page\n"


GERMAN_PAGE = ("<html><head>{meta}<title>Grüße aus Köln</title></head><body><article><h1>Grüße aus Köln</h1>"
               "<p>Die Straßenbahn fährt wieder über die Brücke. Das freut die Pendler in der Südstadt sehr, denn der "
               "Umweg über die Äußere Kanalstraße kostete jeden Tag eine halbe Stunde.</p></article></body></html>")


@pytest.mark.parametrize("declared", ["utf-16", "utf-16-le", "cp037", "utf-32"])
@pytest.mark.parametrize("where", ["header", "meta"])
def test_a_wrongly_declared_charset_is_not_read_aloud_as_garbage(declared, where):
    """A UTF-8 page that declares UTF-16 or EBCDIC decodes without an error into nonsense: it is read as UTF-8,
    with a note saying so."""
    from audio.read.webpage import read_page

    meta = f'<meta charset="{declared}">' if where == "meta" else ""
    data = GERMAN_PAGE.format(meta=meta).encode("utf-8")
    article = read_page(data, "seite.html", declared if where == "header" else None)
    assert article.title == "Grüße aus Köln"
    assert "Die Straßenbahn fährt wieder über die Brücke" in article.sections[0].text
    assert len(article.notices) == 1 and "declares the charset" in article.notices[0] and declared in article.notices[0]


def test_a_rightly_declared_charset_is_read_without_a_note():
    from audio.read.webpage import read_page

    for charset in ("utf-16", "cp1252", "iso-8859-15"):
        article = read_page(GERMAN_PAGE.format(meta="").encode(charset), "seite.html", charset)
        assert article.title == "Grüße aus Köln" and article.notices == ()
