"""`audio-edition feed`: an RSS podcast feed that a real XML parser and podcast apps accept."""

from __future__ import annotations

import email.utils
import shutil
import xml.etree.ElementTree as ET

import pytest

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}


def build_into(cli, article, folder, cache):
    result = cli("build", article, "-o", folder / f"{article.stem}.mp3", "--engine", "espeak", "--cache-dir", cache)
    assert result.exit_code == 0, result.output


def test_feed_has_the_required_tags_and_escapes_titles(cli, articles, tmp_path):
    folder = tmp_path / "out"
    article = tmp_path / "bahn.md"
    article.write_text('---\ntitle: Bahn & Bus <neu> "billiger"\nauthor: Erika\ndate: 2026-11-02\n---\n\n'
                       "Die Bahn senkt die Preise.\n", encoding="utf-8")
    build_into(cli, article, folder, tmp_path / "c")
    build_into(cli, articles / "questions-and-leftovers.txt", folder, tmp_path / "c")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")  # an image already in the folder, named by its file name
    result = cli("feed", "--dir", folder, "--base-url", "https://example.org/pod/", "--title", "Nachrichten & mehr",
                 "--author", "Redaktion", "--image", "cover.jpg", "--explicit")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Wrote " + str(folder / "feed.xml") + ": 2 episodes, https://example.org/pod/\n"
    root = ET.parse(folder / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "Nachrichten & mehr"
    assert channel.findtext("language") == "de"
    assert channel.findtext("itunes:author", namespaces=NS) == "Redaktion"
    assert channel.find("itunes:image", NS).get("href") == "https://example.org/pod/cover.jpg"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    assert channel.find("itunes:category", NS).get("text") == "News"
    items = channel.findall("item")
    titles = [i.findtext("title") for i in items]
    assert 'Bahn & Bus <neu> "billiger"' in titles
    for item in items:
        enclosure = item.find("enclosure")
        audio = folder / enclosure.get("url").rsplit("/", 1)[1]
        assert enclosure.get("url").startswith("https://example.org/pod/")
        assert int(enclosure.get("length")) == audio.stat().st_size
        assert enclosure.get("type") == "audio/mpeg"
        assert item.find("guid").get("isPermaLink") == "false"
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert int(item.findtext("itunes:duration", namespaces=NS)) > 5
        assert item.find("podcast:chapters", NS).get("type") == "application/json+chapters"
        assert [t.get("type") for t in item.findall("podcast:transcript", NS)] == ["text/vtt", "application/srt"]
        assert item.findtext("description")


def test_guid_and_date_stay_when_an_edition_is_regenerated_and_settings_are_remembered(cli, articles, tmp_path):
    folder = tmp_path / "out"
    article = tmp_path / "a.txt"
    shutil.copy(articles / "questions-and-leftovers.txt", article)
    build_into(cli, article, folder, tmp_path / "c")
    assert cli("feed", "--dir", folder, "--title", "Mein Podcast").exit_code == 0
    before = ET.parse(folder / "feed.xml").getroot().find("channel/item")
    article.write_text(article.read_text(encoding="utf-8").replace("Das ist unklar.", "Niemand weiß es."),
                       encoding="utf-8")
    build_into(cli, article, folder, tmp_path / "c")
    assert cli("feed", "--dir", folder).exit_code == 0
    channel = ET.parse(folder / "feed.xml").getroot().find("channel")
    after = channel.find("item")
    assert channel.findtext("title") == "Mein Podcast"
    assert after.findtext("guid") == before.findtext("guid")
    assert after.findtext("pubDate") == before.findtext("pubDate")
    assert after.find("enclosure").get("length") != before.find("enclosure").get("length")


def test_feed_of_a_missing_folder_is_an_error(cli, tmp_path):
    result = cli("feed", "--dir", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no such folder: {tmp_path / 'nope'}\n"


@pytest.mark.parametrize("settings, message", [
    ("[1]", "expected the channel's settings as a JSON object"),
    ('{"title": 5}', "'title' should be text"),
    ('{"explicit": "ja"}', "'explicit' should be true or false"),
])
def test_hand_edited_channel_settings_are_checked(cli, tmp_path, settings, message):
    (tmp_path / "feed.json").write_text(settings, encoding="utf-8")
    result = cli("feed", "--dir", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_image_file_is_copied_into_the_folder_and_base_url_is_checked(cli, tmp_path):
    folder, cover = tmp_path / "out", tmp_path / "bild.png"
    folder.mkdir()
    cover.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = cli("feed", "--dir", folder, "--image", cover, "--base-url", "https://example.org/pod/")
    assert result.exit_code == 0, result.output
    assert (folder / "bild.png").read_bytes() == cover.read_bytes()
    channel = ET.parse(folder / "feed.xml").find("channel")
    assert channel.find("image/url").text == "https://example.org/pod/bild.png"
    missing = cli("feed", "--dir", folder, "--image", tmp_path / "nope.jpg")
    assert missing.exit_code == 1 and "no such image" in missing.stderr
    bad = cli("feed", "--dir", folder, "--base-url", "not a url")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: not a url: the base URL must start with http")


def test_control_characters_never_reach_the_feed_transcripts_or_terminal(cli, tmp_path):
    folder = tmp_path / "out"
    article = tmp_path / "steuer.md"
    article.write_text("---\ntitle: \"Steuer\\x01reform \\e[31mjetzt\\e[0m\"\n"
                       "description: \"Kurz\\x07 gesagt\"\n---\n\n"
                       "Der Rat\x08 hat \x1b]0;hacked\x07beschlossen.\x0bNeue Zeile.\n", encoding="utf-8")
    shown = cli("sections", article)
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout and "\x01" not in shown.stdout
    build_into(cli, article, folder, tmp_path / "c")
    result = cli("feed", "--dir", folder, "--title", "Pod\x07cast", "--category", "News\x02")
    assert result.exit_code == 0, result.output
    channel = ET.parse(folder / "feed.xml").getroot().find("channel")  # well-formed XML
    assert channel.find("title").text == "Podcast"
    assert channel.find("item/title").text == "Steuerreform jetzt"
    assert channel.find("item/description").text == "Kurz gesagt"
    for sidecar in ("steuer.vtt", "steuer.srt", "steuer.html", "steuer.json", "steuer.chapters.json"):
        text = (folder / sidecar).read_text(encoding="utf-8")
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text), sidecar
    assert "Der Rat hat beschlossen." in (folder / "steuer.vtt").read_text(encoding="utf-8")


def test_an_audio_file_its_manifest_does_not_describe_is_left_out_with_a_note(cli, articles, tmp_path):
    folder = tmp_path / "out"
    build_into(cli, articles / "no-headings.txt", folder, tmp_path / "c")
    build_into(cli, articles / "questions-and-leftovers.txt", folder, tmp_path / "c")
    audio = folder / "no-headings.mp3"
    audio.write_bytes(audio.read_bytes() + b"\x00" * 417)  # as if a build died between audio and manifest
    result = cli("feed", "--dir", folder)
    assert result.exit_code == 0
    assert result.stderr == ("Note: no-headings.mp3 left out: it is not the audio its manifest describes "
                             "(a build cut short, or the file changed since); build it again\n")
    items = ET.parse(folder / "feed.xml").getroot().findall("channel/item")
    assert [item.find("title").text for item in items] != [] and len(items) == 1


@pytest.mark.parametrize("odd", ["pipe", "device", "deep"])
def test_a_pipe_a_device_or_deep_json_in_the_folder_is_skipped_not_a_hang(articles, tmp_path, odd):
    import os
    import subprocess
    import sys

    folder = tmp_path / "out"
    audio = [sys.executable, "-m", "audio"]
    built = subprocess.run([*audio, "build", articles / "no-headings.txt", "--output-dir", folder, "--engine", "espeak",
                            "--cache-dir", tmp_path / "c"], capture_output=True, timeout=120)
    assert built.returncode == 0
    for name in ("x.json", "feed.json") if odd != "deep" else ("x.json",):
        if odd == "pipe":
            os.mkfifo(folder / name)
        elif odd == "device":
            (folder / name).symlink_to("/dev/zero")
        else:
            (folder / name).write_bytes(b'{"sections": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    run = subprocess.run([*audio, "feed", "--dir", folder], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "1 episodes" in run.stdout
