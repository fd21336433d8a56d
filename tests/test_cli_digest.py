"""`digest`: many articles in one episode, a chapter each, made from what the cache already holds."""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from media import ebur128, ffprobe
from mutagen.id3 import ID3

from audio.cli import main
from audio.edition import manifest
from audio.sound.formats import MP3

BRIEFING = Path(__file__).resolve().parent / "briefing"  # small articles of one day, for briefings
ORDER = ("radwege.md", "freibad.md", "bibliothek.md")
TITLES = ["Neue Radwege für die Innenstadt", "Freibad öffnet früher", "Bibliothek verlängert Öffnungszeiten"]
FRAME = 1152 / 44100
DAY = "2026-12-02"


def run(*args):
    try:
        runner = CliRunner(mix_stderr=False)  # Click 8.1; 8.2 always keeps stderr apart
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """The three articles, each built as its own edition in out/ with the offline voice, then one briefing of them."""
    work = tmp_path_factory.mktemp("newsroom")
    shutil.copytree(BRIEFING, work / "articles")
    built = run("build", *(work / "articles" / name for name in ORDER), "--output-dir", work / "out",
                "--engine", "espeak", "--cache-dir", work / "cache", "--quiet")
    assert built.exit_code == 0, built.output
    made = run("digest", *(work / "articles" / name for name in ORDER), "--output-dir", work / "out",
               "--date", DAY, "--cache-dir", work / "cache")
    assert made.exit_code == 0, (made.output, made.stderr)
    return work, made


def digest(work: Path, *args):
    return run("digest", "--cache-dir", work / "cache", "--date", DAY, *args)


def synthesised(result) -> int:
    return int(re.search(r"(\d+) chunks synthesised, \d+ reused", result.stdout).group(1))


def test_three_articles_make_one_episode_with_an_intro_and_a_chapter_each(newsroom):
    work, made = newsroom
    audio = work / "out" / f"briefing-{DAY}.mp3"
    record = manifest.load(manifest.path_for(audio))
    probe = ffprobe(audio)
    chapters = [(c["tags"]["title"], float(c["start_time"]), float(c["end_time"])) for c in probe["chapters"]]
    assert [c[0] for c in chapters] == ["Die Nachrichten", *TITLES]
    assert chapters[0][1] == 0
    for (_, _, end), (_, start, _) in zip(chapters, chapters[1:]):
        assert end == pytest.approx(start, abs=0.002)
    # each article's chapter starts where its title is spoken (the section's first sample, after MP3's priming)
    for (title, start, _), section in zip(chapters[1:], record.sections[1:]):
        first = section.chunks[0]
        assert first.text == title
        assert first.start - start == pytest.approx(MP3.encoder_delay, abs=FRAME)
    # the articles' editions were not made again: only (some of) the introduction was synthesised, the
    # articles' titles it names being in the cache already, and only the introduction was encoded
    assert "voice espeak" in made.stdout
    assert 0 < synthesised(made) <= len(record.sections[0].chunks)
    assert "1 sections encoded" in made.stdout
    # the episode names the briefing, not its first article
    tags = probe["format"]["tags"]
    assert tags["title"] == "Die Nachrichten – Mittwoch, 2. Dezember 2026"
    assert tags["comment"].startswith("Die Themen: Neue Radwege")


def test_the_briefing_lasts_its_parts_plus_the_gaps(newsroom):
    work, _ = newsroom
    audio = work / "out" / f"briefing-{DAY}.mp3"
    record = manifest.load(manifest.path_for(audio))
    duration = float(ffprobe(audio)["format"]["duration"])
    editions = [float(ffprobe(work / "out" / f"{Path(name).stem}.mp3")["format"]["duration"]) for name in ORDER]
    intro = record.sections[0].chunks[-1].end + 1.6  # the intro's last sentence and the section pause
    gap = 2.0 - 1.6  # --gap 2: two seconds from one article's last word to the next title, of which 1.6 s are the
    # section pause each article ends with
    assert duration == pytest.approx(intro + 3 * gap + sum(editions), abs=3 * FRAME)
    # heard as a gap: about 2 s from the last word of an article to the next title
    for before, after in zip(record.sections[1:], record.sections[2:]):
        assert after.chunks[0].start - before.chunks[-1].end == pytest.approx(2.0, abs=2 * FRAME)


def test_the_briefing_is_at_podcast_loudness_as_a_whole_and_per_article(newsroom):
    work, _ = newsroom
    audio = work / "out" / f"briefing-{DAY}.mp3"
    whole, peak = ebur128(audio)
    assert whole == pytest.approx(-16, abs=1)
    assert peak <= -0.5
    for chapter in ffprobe(audio)["chapters"][1:]:
        start, end = float(chapter["start_time"]), float(chapter["end_time"])
        level, _ = ebur128(audio, start, end - start)
        assert level == pytest.approx(-16, abs=1.5), chapter["tags"]["title"]


def test_sidecars_and_manifest_follow_the_chapters(newsroom):
    work, _ = newsroom
    chapters = json.loads((work / "out" / f"briefing-{DAY}.chapters.json").read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == ["Die Nachrichten", *TITLES]
    vtt = (work / "out" / f"briefing-{DAY}.vtt").read_text(encoding="utf-8")
    assert "Die Themen: Neue Radwege für die Innenstadt." in vtt and "Der Eintritt ist frei." in vtt
    record = manifest.load(work / "out" / f"briefing-{DAY}.json")
    assert [a["title"] for a in record.articles] == TITLES
    starts = [chunk.start for section in record.sections for chunk in section.chunks]
    assert starts == sorted(starts)


def test_sections_make_a_nested_table_of_contents(newsroom):
    work, _ = newsroom
    out = work / "nested.mp3"
    result = digest(work, *(work / "articles" / name for name in ORDER), "-o", out, "--chapters", "sections")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert synthesised(result) == 0
    tags = ID3(out)
    tables = {toc.element_id: toc for toc in tags.getall("CTOC")}
    titles = {chap.element_id: chap.sub_frames["TIT2"].text[0] for chap in tags.getall("CHAP")}
    top = tables["toc"]
    assert top.flags & 1  # top level
    assert titles[top.child_element_ids[0]] == "Die Nachrichten"
    articles = [tables[child] for child in top.child_element_ids[1:]]
    assert [a.sub_frames["TIT2"].text[0] for a in articles] == TITLES
    assert [titles[c] for c in articles[0].child_element_ids] == [TITLES[0], f"{TITLES[0]} – Was sich ändert"]
    assert [titles[c] for c in articles[1].child_element_ids] == [TITLES[1]]
    assert len(articles[2].child_element_ids) == 2
    # where a format has no nesting (the chapters JSON), the same chapters as a flat list
    flat = json.loads(out.with_suffix(".chapters.json").read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in flat] == ["Die Nachrichten", *[titles[f"ch{n}"] for n in range(1, 6)]]


def test_an_edited_article_is_the_only_part_made_again(newsroom, tmp_path):
    work, _ = newsroom
    articles = tmp_path / "articles"
    shutil.copytree(work / "articles", articles)
    sources = [articles / name for name in ORDER]
    first = digest(work, *sources, "-o", tmp_path / "b.mp3")
    assert first.exit_code == 0, first.output
    assert synthesised(first) == 0  # the same briefing made from copies of the articles: all from the cache
    text = (articles / "freibad.md").read_text(encoding="utf-8")
    (articles / "freibad.md").write_text(text.replace("Der Förderverein hat die Heizung bezahlt.",
                                                      "Der Förderverein hat die neue Heizung bezahlt."), encoding="utf-8")
    second = digest(work, *sources, "-o", tmp_path / "b.mp3")
    assert second.exit_code == 0, second.output
    assert synthesised(second) == 1
    assert "1 sections encoded" in second.stdout
    lines = second.stdout.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["unchanged", "changed", "unchanged"]
    record = manifest.load(tmp_path / "b.json")
    assert "Der Förderverein hat die neue Heizung bezahlt." in [c.text for c in record.sections[2].chunks]


def test_a_jingle_of_another_rate_and_level_comes_out_at_the_briefings(newsroom, tmp_path):
    work, _ = newsroom
    jingle = tmp_path / "jingle.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=22050:duration=1",
                    "-af", "volume=-30dB", str(jingle)], check=True)
    out = tmp_path / "j.mp3"
    result = digest(work, *(work / "articles" / name for name in ORDER[:2]), "-o", out, "--jingle", jingle)
    assert result.exit_code == 0, (result.output, result.stderr)
    assert ffprobe(out)["streams"][0]["sample_rate"] == "44100"
    record = manifest.load(manifest.path_for(out))
    # the jingle follows the introduction's section pause, and the first article's
    first_end = record.sections[1].chunks[-1].end
    level, _ = ebur128(out, first_end + 1.6 + 0.05, 0.9)
    assert level == pytest.approx(-16, abs=1.5)


def test_from_dir_takes_the_newest_editions(newsroom, tmp_path):
    work, _ = newsroom
    out = tmp_path / "newest.mp3"
    result = digest(work, "--from-dir", work / "out", "--newest", "2", "-o", out)
    assert result.exit_code == 0, (result.output, result.stderr)
    titles = [c["tags"]["title"] for c in ffprobe(out)["chapters"]]
    assert titles == ["Die Nachrichten", TITLES[1], TITLES[0]]  # newest first: 2 December, then 1 December
    assert "1 sections encoded" in result.stdout  # the introduction alone: it names other topics
    since = digest(work, "--from-dir", work / "out", "--since", "2026-12-02", "-o", tmp_path / "since.mp3")
    assert since.exit_code == 0, since.output
    assert [c["tags"]["title"] for c in ffprobe(tmp_path / "since.mp3")["chapters"]][1:] == [TITLES[1]]


def test_feed_lists_briefings_apart_from_the_articles(newsroom):
    work, _ = newsroom
    result = digest(work, *(work / "articles" / name for name in ORDER), "--output-dir", work / "out", "--feed",
                    "--base-url", "https://example.org/pod/")
    assert result.exit_code == 0, result.output
    briefings = (work / "out" / "briefings.xml").read_text(encoding="utf-8")
    assert briefings.count("<item>") == 1
    assert f"https://example.org/pod/briefing-{DAY}.mp3" in briefings
    assert "https://example.org/pod/briefings.xml" in briefings
    articles = run("feed", "--dir", work / "out", "--base-url", "https://example.org/pod/")
    assert articles.exit_code == 0, articles.output
    feed = (work / "out" / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 3 and "briefing-" not in feed


def test_an_unreadable_article_stops_the_briefing_or_is_left_out(newsroom, tmp_path):
    work, _ = newsroom
    empty = tmp_path / "leer.md"
    empty.write_bytes(b"")
    out = tmp_path / "bad.mp3"
    good = work / "articles" / ORDER[1]
    first = digest(work, good, "-o", out)
    assert first.exit_code == 0
    before = out.read_bytes()
    failed = digest(work, good, empty, "-o", out)
    assert failed.exit_code == 1
    assert failed.stderr.count("\n") == 1 and "leer.md" in failed.stderr and "Traceback" not in failed.stderr
    assert out.read_bytes() == before  # the previous briefing is untouched
    skipped = digest(work, good, empty, "-o", out, "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    assert "leer.md" in skipped.stderr and "1 left out" in skipped.stdout


def test_an_m4b_briefing_has_the_same_chapters_and_loudness(newsroom, tmp_path):
    work, _ = newsroom
    out = tmp_path / "briefing.m4b"
    result = digest(work, work / "articles" / ORDER[2], "-o", out, "--chapters", "sections")
    assert result.exit_code == 0, (result.output, result.stderr)
    probe = ffprobe(out)
    titles = [c["tags"]["title"] for c in probe["chapters"]]
    assert titles == ["Die Nachrichten", TITLES[2], f"{TITLES[2]} – Neue Angebote"]
    record = manifest.load(manifest.path_for(out))
    for chapter, section in zip(probe["chapters"][1:], record.sections[1:]):
        assert section.chunks[0].start == pytest.approx(float(chapter["start_time"]), abs=0.05)
    assert ebur128(out)[0] == pytest.approx(-16, abs=1)
    assert float(probe["format"]["duration"]) == pytest.approx(record.duration, abs=0.1)


def test_the_python_api_makes_a_briefing_without_an_intro(newsroom, tmp_path):
    import audio

    work, _ = newsroom
    result = audio.digest([work / "articles" / name for name in ORDER], engine="espeak", cache_dir=work / "cache",
                          output=tmp_path / "api.mp3", spoken_intro=False, title="Morgenbriefing", date=DAY)
    assert [c.title for c in result.chapters] == TITLES
    assert result.chapters[0].start == 0 and result.synthesised == 0 and result.encoded == 0
    assert [a.state for a in result.articles] == ["new", "new", "new"]
    assert ffprobe(tmp_path / "api.mp3")["format"]["tags"]["title"] == "Morgenbriefing – Mittwoch, 2. Dezember 2026"
    with pytest.raises(audio.EditionError, match="chapters='chapter'"):
        audio.digest([work / "articles" / ORDER[0]], engine="espeak", chapters="chapter")


PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title} | Stadtblatt</title>
<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>
<p>{text}</p></article></body></html>"""


def test_from_feed_takes_the_newest_items_links(newsroom, web, tmp_path):
    work, _ = newsroom
    web.page("/markt.html", PAGE.format(title="Der Wochenmarkt zieht um", text="Der Markt ist ab Mai am Rathaus."))
    web.page("/zoo.html", PAGE.format(title="Der Zoo bekommt Pinguine", text="Vier Pinguine kommen im Sommer."))
    items = "".join(f"<item><title>{t}</title><link>{web.url(p)}</link><pubDate>{d}</pubDate></item>"
                    for t, p, d in (("Markt", "/markt.html", "Mon, 30 Nov 2026 06:00:00 +0100"),
                                    ("Zoo", "/zoo.html", "Wed, 02 Dec 2026 06:00:00 +0100"),
                                    ("Alt", "/alt.html", "Mon, 02 Nov 2026 06:00:00 +0100")))
    feed = web.page("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Stadtblatt</title>'
                                 f"{items}</channel></rss>", content_type="application/rss+xml")
    out = tmp_path / "aus-dem-feed.mp3"
    result = digest(work, "--from-feed", feed, "--newest", "2", "-o", out, "--engine", "espeak")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert [c["tags"]["title"] for c in ffprobe(out)["chapters"]] == \
        ["Die Nachrichten", "Der Zoo bekommt Pinguine", "Der Wochenmarkt zieht um"]
    assert web.hits("/alt.html") == 0  # the oldest item was not fetched
    missing = digest(work, "--from-feed", web.url("/nichts.xml"), "-o", out)
    assert missing.exit_code == 1 and "HTTP 404" in missing.stderr and missing.stderr.count("\n") == 1


def test_watch_makes_the_briefing_again_when_an_article_is_saved(newsroom, tmp_path):
    from test_cli_watch import lines_of, next_line

    work, _ = newsroom
    articles = tmp_path / "articles"
    shutil.copytree(work / "articles", articles)
    command = [sys.executable, "-m", "audio", "digest", articles / ORDER[0], articles / ORDER[1], "--watch",
               "--engine", "espeak", "--cache-dir", work / "cache", "--date", DAY, "-o", tmp_path / "w.mp3"]
    proc = subprocess.Popen([str(part) for part in command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lines_of, args=(proc.stdout, lines), daemon=True).start()
    try:
        assert "2 articles (2 new)" in next_line(lines, "Wrote")
        text = (articles / ORDER[1]).read_text(encoding="utf-8")
        (articles / ORDER[1]).write_text(text.replace("schon im April", "schon im März"), encoding="utf-8")
        assert next_line(lines, "changed").endswith("Freibad öffnet früher  (1 chunks synthesised)")
        assert "(1 changed, 1 unchanged)" in next_line(lines, "Wrote")
        (articles / ORDER[1]).write_bytes(b"")
        assert next_line(lines, "Error").endswith("the file is empty")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_article_built_in_another_voice_is_spoken_again_and_said_so(newsroom, tmp_path):
    work, _ = newsroom
    article = work / "articles" / ORDER[1]
    built = run("build", article, "--output-dir", tmp_path, "--engine", "espeak", "--speed", "1.3",
                "--cache-dir", work / "cache", "--quiet")
    assert built.exit_code == 0, built.output
    result = digest(work, article, "--output-dir", tmp_path, "--engine", "espeak", "--no-intro")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "freibad.md: its edition has another voice or speed (espeak); the briefing says it in espeak" in result.stderr
    assert synthesised(result) == 0  # at the briefing's speed the shared cache has it from the newsroom's editions


def test_wrong_options_are_one_line_errors(newsroom):
    work, _ = newsroom
    article = work / "articles" / ORDER[0]
    for args, expected in (((), "no articles: give article files, folders or links, --from-dir FOLDER or --from-feed FEED"),
                           ((article, "--intro-line", "Hallo {name}"), "may only name {title}, {date}, {topics}"),
                           ((article, "--date", "morgen"), "--date morgen: give a day as YYYY-MM-DD"),
                           ((article, "--from-dir", work / "articles"), "give articles, --from-dir FOLDER or")):
        result = digest(work, *args)
        assert result.exit_code == 1, args
        assert expected in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_serve_makes_the_briefings_feed_apart_from_the_articles(newsroom):
    import urllib.request
    import xml.etree.ElementTree as ET

    work, _ = newsroom
    assert (work / "out" / f"briefing-{DAY}.mp3").exists()
    proc = subprocess.Popen([sys.executable, "-m", "audio", "serve", "--dir", str(work / "out"), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().split(" at ")[1].split(";")[0]
        feeds = {name: ET.fromstring(urllib.request.urlopen(base + name, timeout=10).read())
                 for name in ("feed.xml", "briefings.xml")}
        briefings = [item.findtext("title") for item in feeds["briefings.xml"].iter("item")]
        assert briefings == ["Die Nachrichten – Mittwoch, 2. Dezember 2026"]
        assert feeds["briefings.xml"].findtext("channel/title") == "Die Nachrichten"
        enclosure = next(feeds["briefings.xml"].iter("enclosure")).get("url")
        assert enclosure == f"{base}briefing-{DAY}.mp3"
        assert sorted(item.findtext("title") for item in feeds["feed.xml"].iter("item")) == sorted(TITLES)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_opus_briefing_lists_the_sections_flat(newsroom, tmp_path):
    from mutagen.oggopus import OggOpus

    work, _ = newsroom
    out = tmp_path / "briefing.opus"
    result = digest(work, *(work / "articles" / name for name in ORDER[:2]), "-o", out, "--chapters", "sections",
                    "--no-intro")
    assert result.exit_code == 0, (result.output, result.stderr)
    tags = OggOpus(out).tags
    assert [tags[f"CHAPTER{n:03d}NAME"][0] for n in range(3)] == [TITLES[0], f"{TITLES[0]} – Was sich ändert", TITLES[1]]
    assert tags["CHAPTER000"] == ["00:00:00.000"]
    assert ffprobe(out)["streams"][0]["sample_rate"] == "48000"


def test_auto_speaks_in_the_voice_the_articles_were_built_with(newsroom, tmp_path, monkeypatch):
    work, _ = newsroom
    shutil.copytree(work / "out", tmp_path / "out")
    sources = [work / "articles" / name for name in ORDER]
    kept = digest(work, *sources, "--output-dir", tmp_path / "out")
    assert kept.exit_code == 0, (kept.output, kept.stderr)
    assert "cannot be reached" not in kept.stderr and "voice espeak" in kept.stdout
    assert synthesised(kept) == 0
    monkeypatch.chdir(tmp_path)  # without the editions, auto looks for the best voice there is, as `build` does
    chosen = digest(work, *sources, "-o", tmp_path / "elsewhere.mp3")
    assert chosen.exit_code == 0, (chosen.output, chosen.stderr)
    assert "cannot be reached" in chosen.stderr


def test_a_prune_keeps_what_the_briefing_uses(newsroom, tmp_path):
    work, _ = newsroom
    cache = tmp_path / "cache"
    shutil.copytree(work / "cache", cache)
    sources = [work / "articles" / name for name in ORDER]
    args = ("--date", DAY, "-o", tmp_path / "only" / "b.mp3", "--engine", "espeak")
    first = run("digest", *sources, "--cache-dir", cache, *args)
    assert first.exit_code == 0, first.output
    other = run("build", Path(__file__).parent / "articles" / "no-headings.txt", "-o", tmp_path / "other" / "x.mp3",
                "--engine", "espeak", "--cache-dir", cache)
    assert other.exit_code == 0, other.output
    pruned = run("cache", "prune", "--keep-for", tmp_path / "only", "--cache-dir", cache)
    assert pruned.exit_code == 0 and "kept what 1 editions use" in pruned.stdout, pruned.output
    assert not pruned.stdout.startswith("Removed 0 files")  # what the other edition alone used went
    again = run("digest", *sources, "--cache-dir", cache, *args, "--chapters", "sections")
    assert again.exit_code == 0, again.output
    assert synthesised(again) == 0 and "0 sections encoded" in again.stdout
