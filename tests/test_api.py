"""The library API: an edition built from Python, with an article as a path or as text, a voice by name or as an object."""

from __future__ import annotations

from pathlib import Path

import pytest
from media import ffprobe

import audio


def test_every_public_name_resolves():
    for name in audio.__all__:
        assert getattr(audio, name) is not None
    with pytest.raises(AttributeError):
        audio.nothing_here


def test_build_from_a_path_in_three_lines(articles, tmp_path):
    result = audio.build(str(articles / "front-matter-setext.md"), engine="espeak", output=str(tmp_path / "e.m4b"),
                         cache_dir=str(tmp_path / "c"))
    probe = ffprobe(tmp_path / "e.m4b")
    assert [c["tags"]["title"] for c in probe["chapters"]] == [c.title for c in result.chapters]
    assert abs(float(probe["format"]["duration"]) - result.duration) < 0.1
    assert result.synthesised > 0 and result.reused == 0


def test_build_from_text_names_the_edition_after_its_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    article = audio.parse_article("# Über die Brücke\n\nEin kurzer Text.\n\n## Zweiter Teil\n\nNoch ein Satz.\n",
                                  fmt="markdown")
    result = audio.build(article, audio.BuildOptions(engine="espeak", cache_dir=tmp_path / "c"))
    assert result.output == Path("output/ueber-die-bruecke.mp3")
    chapters = ffprobe(tmp_path / "output" / "ueber-die-bruecke.mp3")["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Über die Brücke", "Zweiter Teil"]
    assert (tmp_path / "output" / "ueber-die-bruecke.vtt").read_text(encoding="utf-8").count("Satz") == 1


def test_a_loaded_voice_can_be_passed_as_an_object(articles, tmp_path):
    voice = audio.engines.load("espeak", speed=1.2)
    result = audio.build(articles / "no-headings.txt", engine=voice, output=tmp_path / "e.mp3",
                         cache_dir=tmp_path / "c", sidecars=())
    assert result.engine == voice.describe()
    again = audio.build(articles / "no-headings.txt", engine="espeak", speed=1.2, output=tmp_path / "e.mp3",
                        cache_dir=tmp_path / "c", sidecars=())
    assert again.synthesised == 0  # the same voice by name and by object: the same cache entries


def test_errors_name_options_as_a_python_user_writes_them(articles, tmp_path):
    with pytest.raises(audio.EditionError, match="does not match audio_format='m4b'"):
        audio.build(articles / "no-headings.txt", audio_format="m4b", output=tmp_path / "x.mp3", engine="espeak")
    with pytest.raises(audio.EditionError, match="no such file"):
        audio.build(tmp_path / "missing.txt", engine="espeak")
    with pytest.raises(TypeError):
        audio.build(articles / "no-headings.txt", no_such_option=1)


@pytest.mark.parametrize("title, name", [("Über uns", "ueber-uns"), ("Straße & Co. 2024!", "strasse-co-2024"),
                                         ("!!!", "artikel"), ("Ça va? Déjà vu", "ca-va-deja-vu")])
def test_slug(title, name):
    from audio.read.source import slug

    assert slug(title) == name


def test_the_front_matters_language_reaches_tags_page_and_feed(tmp_path, cli):
    from mutagen.id3 import ID3

    article = tmp_path / "wien.md"
    article.write_text("---\ntitle: Neues aus Wien\nlanguage: de-AT\n---\n\nDer Heurige hat offen.\n", encoding="utf-8")
    audio.build(article, engine="espeak", output=tmp_path / "out" / "wien.mp3", cache_dir=tmp_path / "c")
    tags = ID3(tmp_path / "out" / "wien.mp3")
    assert str(tags["TLAN"]) == "deu" and tags.getall("COMM")[0].lang == "deu"
    assert '<html lang="de-AT">' in (tmp_path / "out" / "wien.html").read_text(encoding="utf-8")
    assert cli("feed", "-d", tmp_path / "out").exit_code == 0
    assert 'language="de-AT"' in (tmp_path / "out" / "feed.xml").read_text(encoding="utf-8")
