"""`audio-edition build` with links and with many articles at once."""

from __future__ import annotations

import json
import shutil
import threading
import xml.etree.ElementTree as ET

import pytest
from media import ffprobe, summary_of

from audio.edition import manifest

ARTICLE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Neue Radwege für die Innenstadt | Stadtblatt</title>
<meta property="og:title" content="Neue Radwege für die Innenstadt">
<meta name="author" content="Anna Schmidt, Ben Weber">
<meta property="og:image" content="/bilder/radweg.jpg">
</head><body>
<nav><a href="/">Start</a> <a href="/verkehr">Verkehr</a></nav>
<article><h1>Neue Radwege für die Innenstadt</h1>
<p class="lead">Die Stadt baut in diesem Jahr zwölf Kilometer neue Radwege. Der Rat hat das Programm am Abend beschlossen.</p>
<p>Die ersten Arbeiten beginnen im Frühjahr an der Hauptstraße. Dort fallen dafür einige Parkplätze weg.</p>
<h2>Kritik vom Handel</h2>
<p>Die Händler fürchten, dass weniger Kunden kommen. Sie fordern mehr Parkhäuser am Rand der Innenstadt.</p>
<div class="share-bar">Artikel teilen: Facebook, E-Mail</div>
</article><footer>Impressum Datenschutz</footer></body></html>"""
SENTENCE = "Sie fordern mehr Parkhäuser am Rand der Innenstadt."


@pytest.fixture
def build_link(cli, tmp_path, web, monkeypatch):
    """Build the page at a link into tmp_path/output with the offline voice; returns (url, build)."""
    monkeypatch.chdir(tmp_path)
    url = web.page("/verkehr/radwege.html", ARTICLE)

    def build(*extra):
        return cli("build", url, "--engine", "espeak", "--cache-dir", tmp_path / "c", *extra)

    return url, build


def test_a_link_is_built_into_an_edition_named_after_the_page(build_link, tmp_path):
    url, build = build_link
    result = build()
    assert result.exit_code == 0, result.output
    output = tmp_path / "output" / "neue-radwege-fuer-die-innenstadt.mp3"
    chapters = ffprobe(output)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Neue Radwege für die Innenstadt", "Kritik vom Handel"]
    record = manifest.load(manifest.path_for(output))
    assert record.article == url
    assert record.meta["author"] == "Anna Schmidt und Ben Weber" and record.meta["image"] == "/bilder/radweg.jpg"
    spoken = " ".join(chunk.spoken for section in record.sections for chunk in section.chunks)
    assert "Von Anna Schmidt und Ben Weber" in spoken and "zwölf Kilometer neue Radwege" in spoken
    assert "teilen" not in spoken and "Impressum" not in spoken and "Start" not in spoken


def test_building_a_link_again_rebuilds_only_what_changed_on_the_page(build_link, web):
    url, build = build_link
    assert build().exit_code == 0
    again = summary_of(build().stdout)
    assert again["synthesised"] == "0" and again["changed"] == "0"
    web.page("/verkehr/radwege.html", ARTICLE.replace(SENTENCE, "Sie wollen mehr Parkhäuser am Stadtrand."))
    edited = build()
    assert edited.exit_code == 0, edited.output
    assert summary_of(edited.stdout)["synthesised"] == "1"
    assert "changed  Kritik vom Handel" in edited.stdout


def test_a_link_that_fails_is_one_line_naming_it(cli, web, tmp_path):
    result = cli("build", web.url("/weg.html"), "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {web.url('/weg.html')}: the server answered HTTP 404 Not Found\n"


def test_sections_of_a_link(plan, web):
    data = plan(web.page("/a.html", ARTICLE))
    assert data["title"] == "Neue Radwege für die Innenstadt"
    assert data["sections"][0]["text"].startswith("Die Stadt baut in diesem Jahr")


def test_watch_refuses_a_link(cli, web):
    result = cli("watch", web.url("/a.html"), "--engine", "espeak")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "a link cannot be watched" in result.stderr


# --- many articles -------------------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path, articles, pages):
    """A folder of three articles (Markdown, text, a saved page) and its lexicon, which is not an article."""
    folder = tmp_path / "artikel"
    folder.mkdir()
    shutil.copy(articles / "front-matter-setext.md", folder)
    shutil.copy(articles / "no-headings.txt", folder)
    shutil.copy(pages / "regional-freibad.html", folder)
    (folder / "lexicon.txt").write_text("Stadtpark = Schtatpark\n", encoding="utf-8")
    return folder


def test_many_articles_in_one_build_with_a_summary_table(cli, tmp_path, folder, web, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = web.page("/radwege.html", ARTICLE)
    result = cli("build", folder, url, web.url("/fehlt.html"), "--engine", "espeak", "--cache-dir", tmp_path / "c",
                 "--output-dir", "editionen")
    assert result.exit_code == 1  # one article failed; the others were built
    built = sorted(p.name for p in (tmp_path / "editionen").glob("*.mp3"))
    assert built == ["front-matter-setext.mp3", "neue-radwege-fuer-die-innenstadt.mp3", "no-headings.mp3",
                     "regional-freibad.mp3"]
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["article", "duration", "chapters", "changed", "voice"]
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert rows[url].split()[2:4] == ["2", "new"] and "espeak" in rows[url]
    assert rows[web.url("/fehlt.html")].split()[1] == "failed"
    assert rows[web.url("/fehlt.html")].endswith("Error: " + web.url("/fehlt.html") + ": the server answered HTTP 404 Not Found")
    assert lines[-1] == "4 of 5 articles built, 1 failed"
    freibad = manifest.load(tmp_path / "editionen" / "regional-freibad.json")
    assert freibad.duration == pytest.approx(float(ffprobe(tmp_path / "editionen" / "regional-freibad.mp3")["format"]["duration"]), abs=0.1)
    assert any("Schtatpark" in chunk.spoken for s in freibad.sections for chunk in s.chunks)  # the folder's lexicon


def test_a_batch_again_builds_nothing_and_says_so(cli, tmp_path, folder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = cli("build", folder, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert first.exit_code == 0, first.output
    again = cli("build", folder, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert again.exit_code == 0
    rows = [line.split() for line in again.stdout.splitlines()[1:-1]]
    assert [row[0] for row in rows] == [str(folder / name) for name in ("front-matter-setext.md", "no-headings.txt",
                                                                         "regional-freibad.html")]
    assert [row[3:5] for row in rows] == [["0", "of"]] * 3
    assert again.stdout.splitlines()[-1] == "3 of 3 articles built"


def test_output_names_one_file_only(cli, tmp_path, folder):
    result = cli("build", folder, "-o", tmp_path / "e.mp3", "--engine", "espeak")
    assert result.exit_code == 2
    assert "for several articles give --output-dir DIR" in result.stderr and result.stderr.count("\n") == 1


def test_output_dir_for_one_article(cli, tmp_path, articles):
    result = cli("build", articles / "no-headings.txt", "--engine", "espeak", "--cache-dir", tmp_path / "c",
                 "--output-dir", tmp_path / "hier")
    assert result.exit_code == 0, result.output
    assert summary_of(result.stdout)["output"] == str(tmp_path / "hier" / "no-headings.mp3")


def test_build_feed_lists_every_edition_with_the_saved_channel(cli, tmp_path, folder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output").mkdir()
    assert cli("feed", "--title", "Meine Artikel", "--base-url", "https://example.org/pod/").exit_code == 0
    result = cli("build", folder, "--engine", "espeak", "--cache-dir", tmp_path / "c", "--feed")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Wrote {'output/feed.xml'}: 3 episodes"
    channel = ET.parse(tmp_path / "output" / "feed.xml").getroot().find("channel")
    assert channel.findtext("title") == "Meine Artikel"
    enclosures = sorted(i.find("enclosure").get("url") for i in channel.findall("item"))
    assert enclosures == [f"https://example.org/pod/{name}.mp3" for name in ("front-matter-setext", "no-headings",
                                                                              "regional-freibad")]


def test_two_articles_of_one_name_do_not_overwrite_each_other(cli, tmp_path, articles, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(articles / "no-headings.txt", tmp_path / sub)
    result = cli("build", tmp_path / "a", tmp_path / "b", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert "is also that of" in result.stdout and result.stdout.splitlines()[-1] == "1 of 2 articles built, 1 failed"


def test_the_voice_is_loaded_once_and_its_limit_holds_across_the_batch(tmp_path, folder, monkeypatch):
    import tone_voice

    import audio
    from audio import engines

    monkeypatch.setitem(engines.REGISTRY, "tone", "tone_voice")
    tone_voice.loads.clear()
    busy, most, lock = [0], [0], threading.Lock()
    speak = tone_voice.ToneVoice.synthesize

    def counted(self, text):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        try:
            threading.Event().wait(0.01)
            return speak(self, text)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(tone_voice.ToneVoice, "synthesize", counted)
    items = audio.build_many([folder], engine="tone", cache_dir=tmp_path / "c",
                             output_dir=tmp_path / "out", jobs=3)
    assert [item.error for item in items] == [None, None, None]
    assert len(tone_voice.loads) == 1
    assert most[0] == tone_voice.ToneVoice.concurrency  # 2 at once for the whole run, not 2 per article
    assert json.loads((tmp_path / "out" / "no-headings.chapters.json").read_text())["chapters"]


def test_a_batch_chooses_each_voice_as_a_single_build_would(tmp_path, articles, google):
    """The front matter's `engine:` holds in a batch too, and each manifest records its voice's settings."""
    import audio

    folder = tmp_path / "artikel"
    folder.mkdir()
    (folder / "offline.md").write_text("---\ntitle: Ohne Netz\nengine: espeak\n---\n\nEin Satz.\n", encoding="utf-8")
    shutil.copy(articles / "no-headings.txt", folder)
    items = audio.build_many([folder], cache_dir=tmp_path / "c", output_dir=tmp_path / "out")
    assert [item.error for item in items] == [None, None]
    assert manifest.load(tmp_path / "out" / "offline.json").engine == "espeak"
    google_edition = manifest.load(tmp_path / "out" / "no-headings.json")
    assert google_edition.engine == "gtts"
    assert google_edition.voice_settings == {"tld": "de", "slow": False, "jobs": 8}


def page_titled(title: str, head: str = "") -> str:
    return ARTICLE.replace("Neue Radwege für die Innenstadt", title).replace("<head>", "<head>" + head, 1)


def test_whatever_goes_wrong_with_one_link_the_others_are_built(cli, tmp_path, articles, web, monkeypatch):
    monkeypatch.chdir(tmp_path)
    failing = [
        web.page("/bad-len", page_titled("Laenge"), chunked=True, headers={"Content-Length": "abc"}),
        web.page("/to-v6", "", status=302, headers={"Location": "http://[::1"}),
        web.page("/to-long-label", "", status=302, headers={"Location": "http://" + "a" * 64 + ".example/"}),
    ]
    read_anyway = [  # a charset that is no text encoding is treated as unknown; JSON-LD nested too deep is skipped
        web.page("/undefined", page_titled("Header undefiniert"), content_type="text/html; charset=undefined"),
        web.page("/meta-undefined", page_titled("Meta undefiniert", '<meta charset="undefined">'),
                 content_type="text/html"),
        web.page("/punycode", page_titled("Punycode", '<meta charset="punycode">'), content_type="text/html"),
        web.page("/deep", page_titled("Tief", '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000
                                      + "</script>"), content_type="text/html"),
    ]
    result = cli("build", *failing, *read_anyway, articles / "no-headings.txt", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    for url in failing:
        assert rows[url].split()[1] == "failed" and url in rows[url].split("Error: ", 1)[1], rows[url]
    for url in read_anyway:
        assert rows[url].split()[1] != "failed", rows[url]
    assert result.stdout.splitlines()[-1] == "5 of 8 articles built, 3 failed"
    assert len(list((tmp_path / "output").glob("*.mp3"))) == 5


def test_the_same_article_given_twice_is_built_once_and_said_so(cli, tmp_path, articles, monkeypatch):
    """By another path, through a link, or inside a folder given too: one edition, built once, and a note."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    shutil.copy(articles / "no-headings.txt", tmp_path / "a" / "kurz.txt")
    (tmp_path / "verweis.txt").symlink_to(tmp_path / "a" / "kurz.txt")
    result = cli("build", "a/kurz.txt", "./a/../a/kurz.txt", "verweis.txt", "a", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 of 1 articles built"
    assert result.stderr.count("given more than once; built once") == 3
