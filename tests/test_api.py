"""The library API: an edition built from Python, with an article as a path or as text, a voice by name or as an object."""

from __future__ import annotations

from pathlib import Path

import pytest

import audio
from media import ffprobe


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
    from audio.article import slug

    assert slug(title) == name
