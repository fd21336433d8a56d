"""`build --engine piper`: the seed spoken by a (tiny, real) Piper voice fetched from the stand-in repository."""

from __future__ import annotations

import shutil

import pytest
from media import ffprobe, summary_of

from audio.edition import manifest

SENTENCE = "In einigen Fällen habe Microsoft mehr Twitter-Daten genutzt, als es sollte."


@pytest.fixture
def piper_build(tmp_path, seed, cli, voice_repository):
    """A copy of the seed and a function that builds it with Piper; returns (article, build)."""
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)

    def build(*extra):
        return cli("build", article, "-o", tmp_path / "e.mp3", "--engine", "piper", "--cache-dir", tmp_path / "c",
                   *extra)

    return article, build


def test_a_piper_build_downloads_the_default_voice_and_writes_the_chaptered_edition(piper_build, tmp_path,
                                                                                   voice_repository):
    article, build = piper_build
    result = build()
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stdout)
    assert summary["voice"] == "piper (de_DE-thorsten-medium, offline)"
    assert summary["chapters"] == "4" and int(summary["synthesised"]) > 20
    probe = ffprobe(tmp_path / "e.mp3")
    assert probe["streams"][0]["codec_name"] == "mp3" and len(probe["chapters"]) == 4
    assert float(probe["format"]["duration"]) > 60
    assert manifest.load(tmp_path / "e.json").engine == "piper"
    assert voice_repository.requested("de_DE-thorsten-medium.onnx") == 1

    again = build()  # nothing changed: nothing synthesised, nothing downloaded
    assert summary_of(again.stdout)["synthesised"] == "0"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace(SENTENCE, "In manchen Fällen habe Microsoft deutlich mehr Daten genutzt."),
                       encoding="utf-8")
    edited = build()
    assert summary_of(edited.stdout)["synthesised"] == "1"
    assert voice_repository.requested("de_DE-thorsten-medium.onnx") == 1


def test_speed_and_voice_change_every_chunk_and_switching_back_reuses_the_cache(piper_build, tmp_path):
    _, build = piper_build
    first = summary_of(build().stdout)
    normal = float(ffprobe(tmp_path / "e.mp3")["format"]["duration"])
    faster = summary_of(build("--speed", "1.5").stdout)
    assert faster["synthesised"] == first["synthesised"]
    # the pauses stay as they are, so the whole edition shrinks by less than the speech does
    assert float(ffprobe(tmp_path / "e.mp3")["format"]["duration"]) < normal * 0.9
    assert summary_of(build("--speed", "1.5", "--voice", "de_DE-kerstin-low").stdout)["synthesised"] == \
        first["synthesised"]
    back = summary_of(build().stdout)
    assert back["synthesised"] == "0" and back["voice"] == "piper (de_DE-thorsten-medium, offline)"


def test_the_model_is_loaded_once_per_build_and_not_when_nothing_is_new(piper_build, monkeypatch):
    import piper

    loads = []
    real_load = piper.PiperVoice.load

    def counted(*args, **kwargs):
        loads.append(args[0])
        return real_load(*args, **kwargs)

    monkeypatch.setattr(piper.PiperVoice, "load", staticmethod(counted))
    _, build = piper_build
    result = build()
    assert result.exit_code == 0, result.output
    assert int(summary_of(result.stdout)["synthesised"]) > 20
    assert len(loads) == 1
    again = build()  # nothing to synthesise: the model is not even loaded
    assert summary_of(again.stdout)["synthesised"] == "0" and len(loads) == 1


def test_a_local_voice_file_is_used_as_it_is(tmp_path, seed, cli):
    from fake_voices import write_voice

    model = write_voice(tmp_path / "eigene" / "de_DE-eigene-medium.onnx")
    result = cli("build", seed, "-o", tmp_path / "e.mp3", "--engine", "piper", "--voice", model,
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert summary_of(result.stdout)["voice"] == "piper (de_DE-eigene-medium, offline)"


def test_without_internet_and_without_the_voice_the_build_names_the_command(tmp_path, seed, cli, offline_voices):
    result = cli("build", seed, "-o", tmp_path / "e.mp3", "--engine", "piper", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == ("Error: the Piper voice de_DE-thorsten-medium is not installed and the voice repository "
                             "cannot be reached; with internet, run: audio-edition voices download "
                             "de_DE-thorsten-medium\n")
    assert not (tmp_path / "e.mp3").exists()


def test_an_unknown_voice_name_fails_the_build_in_one_line(tmp_path, seed, cli, voice_repository):
    result = cli("build", seed, "-o", tmp_path / "e.mp3", "--engine", "piper", "--voice", "de_DE-thorstn-medium",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no Piper voice is called 'de_DE-thorstn-medium'; did you mean "
                                    "de_DE-thorsten-medium")
    assert result.stderr.count("\n") == 1


def test_auto_uses_an_installed_piper_voice_when_google_cannot_be_reached(tmp_path, seed, cli, voice_repository):
    assert cli("voices", "download", "de_DE-thorsten-medium").exit_code == 0
    result = cli("build", seed, "-o", tmp_path / "e.mp3", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Note: The voice gtts cannot be reached; using piper: Piper's neural German")
    assert summary_of(result.stdout)["voice"] == "piper (de_DE-thorsten-medium, offline)"


def test_a_rebuild_keeps_the_piper_voice_it_was_made_with(tmp_path, seed, cli, voice_repository):
    """`auto` keeps an edition's voice, and that voice's own voice: a rebuild without --voice is not re-spoken."""
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)

    def build(*extra):
        return cli("build", article, "-o", tmp_path / "e.mp3", "--cache-dir", tmp_path / "c", *extra)

    first = build("--engine", "piper", "--voice", "de_DE-kerstin-low")
    assert first.exit_code == 0, first.output
    again = build()
    assert summary_of(again.stdout)["voice"] == "piper (de_DE-kerstin-low, offline)"
    assert summary_of(again.stdout)["synthesised"] == "0"
    assert manifest.load(tmp_path / "e.json").voice_settings == {"voice": "de_DE-kerstin-low"}


def test_the_front_matter_and_the_environment_name_a_default_voice(tmp_path, cli, voice_repository, monkeypatch,
                                                                   google):
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: Neu\nengine: piper\nvoice: de_DE-kerstin-low\n---\n\nEin Satz.\n", encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "a.mp3", "--cache-dir", tmp_path / "c")
    assert summary_of(result.stdout)["voice"] == "piper (de_DE-kerstin-low, offline)"  # though Google answers
    plain = tmp_path / "b.txt"
    plain.write_text("Titel\n\nEin anderer Satz.\n", encoding="utf-8")
    monkeypatch.setenv("AUDIO_EDITION_ENGINE", "piper")
    monkeypatch.setenv("AUDIO_EDITION_VOICE", "de_DE-kerstin-low")
    result = cli("build", plain, "-o", tmp_path / "b.mp3", "--cache-dir", tmp_path / "c")
    assert summary_of(result.stdout)["voice"] == "piper (de_DE-kerstin-low, offline)"
    named = cli("build", plain, "-o", tmp_path / "c.mp3", "--cache-dir", tmp_path / "c", "--engine", "espeak")
    assert summary_of(named.stdout)["voice"].startswith("espeak")  # an option beats the environment


def test_the_front_matter_names_voice_files_only_in_the_articles_folder(tmp_path, cli, offline_voices, monkeypatch):
    """An article may come from anyone: a voice file its front matter names outside the article's folder is never
    loaded (and run), a path in it is read from the article's folder whatever the working directory, and every
    refusal reads the same, so an article's author learns nothing about which files exist."""
    from fake_voices import write_voice

    elsewhere = write_voice(tmp_path / "anderswo" / "de_DE-fremd-medium.onnx")
    folder = tmp_path / "artikel"
    write_voice(folder / "stimmen" / "de_DE-eigen-medium.onnx")
    (folder / "ohne.onnx").write_bytes(b"no config beside it")
    (folder / "ordner.onnx").mkdir()
    monkeypatch.chdir(tmp_path / "anderswo")

    def build(voice: str):
        article = folder / "a.md"
        article.write_text(f"---\ntitle: Stimme\nengine: piper\nvoice: '{voice}'\n---\n\nEin Satz.\n", encoding="utf-8")
        return cli("build", article, "-o", tmp_path / "out" / "a.mp3", "--cache-dir", tmp_path / "c")

    refused = {voice: build(voice) for voice in (str(elsewhere), "../anderswo/de_DE-fremd-medium.onnx",
                                                 "de_DE-fremd-medium.onnx", "~/de_DE-fremd-medium.onnx",
                                                 "fehlt.onnx", "ohne.onnx", "ordner.onnx", "/etc/passwd")}
    for voice, result in refused.items():
        assert result.exit_code == 1, (voice, result.output)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len({result.stderr.replace(voice, "VOICE") for voice, result in refused.items()}) == 1
    assert "article's folder" in refused["fehlt.onnx"].stderr
    assert not (tmp_path / "out" / "a.mp3").exists()

    own = build("stimmen/de_DE-eigen-medium.onnx")
    assert own.exit_code == 0, own.output
    assert summary_of(own.stdout)["voice"] == "piper (de_DE-eigen-medium, offline)"
