"""`audio-edition voices` and `audio-edition voices download NAME`, against the stand-in voice repository."""

from __future__ import annotations

import json
import shutil

import pytest

from audio.engines import voices


def test_voices_lists_the_german_voices_with_quality_size_licence_and_state(cli, voice_repository):
    result = cli("voices")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["de_DE-kerstin-low", "de_DE-thorsten-medium"]
    kerstin, thorsten = lines[0].split(), lines[1].split()
    assert kerstin[1:5] == ["low", "0.0", "MB", "CC0"] and "installed" not in kerstin
    assert thorsten[-1] == "(default)" and "installed" not in thorsten
    assert lines[-1] == f"Voices folder: {voices.voices_folder()}"
    assert "en_US" not in result.stdout


def test_download_installs_a_voice_that_the_list_then_shows(cli, voice_repository):
    result = cli("voices", "download", "de_DE-kerstin-low")
    assert result.exit_code == 0, result.output
    model = voices.voices_folder() / "de_DE-kerstin-low.onnx"
    assert result.stdout.startswith(f"de_DE-kerstin-low is installed: {model} (")
    assert model.is_file()
    listed = cli("voices").stdout.splitlines()[0].split()
    assert listed[0] == "de_DE-kerstin-low" and "installed" in listed


def test_a_model_card_s_terminal_codes_never_reach_the_terminal(cli, voice_repository):
    assert cli("voices", "download", "de_DE-kerstin-low").exit_code == 0
    card = voices.voices_folder() / "de_DE-kerstin-low.MODEL_CARD"
    card.write_text("# Model card\n\n* License: CC0\x1b]0;owned\x07\x1b[2J\n", encoding="utf-8")
    result = cli("voices")
    assert result.exit_code == 0 and "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.splitlines()[0].split()[1:5] == ["low", "0.0", "MB", "CC0"]


def test_download_retries_a_503_and_a_dropped_connection(cli, voice_repository):
    voice_repository.fail("de/de_DE/kerstin/low/de_DE-kerstin-low.onnx", "503", "drop")
    result = cli("voices", "download", "de_DE-kerstin-low")
    assert result.exit_code == 0, result.output
    assert voice_repository.requested("de_DE-kerstin-low.onnx") == 3


def test_an_unknown_voice_is_one_line_with_close_names(cli, voice_repository):
    result = cli("voices", "download", "de_DE-kerstin-medium")
    assert result.exit_code == 1
    assert result.stderr == ("Error: no Piper voice is called 'de_DE-kerstin-medium'; did you mean "
                             "de_DE-thorsten-medium or de_DE-kerstin-low? (audio-edition voices lists them)\n")


def test_without_internet_the_list_says_so_in_one_line(cli, offline_voices):
    result = cli("voices")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the voice repository http://127.0.0.1:")
    assert result.stderr.endswith("cannot be reached (no connection)\n") and result.stderr.count("\n") == 1


def test_voices_has_help_with_an_example(cli):
    result = cli("voices", "-h")
    assert result.exit_code == 0 and "Example: audio-edition voices" in result.stdout


def test_without_internet_the_installed_voices_are_still_listed(cli, offline_voices):
    from fake_voices import write_voice

    write_voice(offline_voices / "de_DE-eigene-medium.onnx")
    result = cli("voices")
    assert result.exit_code == 0, result.output
    assert "cannot be reached" in result.stderr and "these voices are installed here" in result.stderr
    assert result.stdout.splitlines()[0].startswith("de_DE-eigene-medium")
    assert result.stdout.splitlines()[0].endswith("installed")


@pytest.mark.parametrize("damage", ["a number for a language", "a list for a quality", "a list for a name",
                                    "a NUL in a name", "nested 100,000 deep"])
def test_a_hostile_catalogue_never_crashes_and_is_never_kept(cli, voice_repository_folder, tmp_path, monkeypatch,
                                                             damage):
    """A voices.json with fields of the wrong type is one line or its bad entries are left out; it is not kept,
    so once the repository is mended `voices` lists everything again without anyone deleting a file by hand."""
    from fake_voices import VoiceRepository

    root = tmp_path / "repository"
    shutil.copytree(voice_repository_folder, root)
    good = (root / "voices.json").read_text(encoding="utf-8")
    catalogue = json.loads(good)
    kerstin = catalogue["de_DE-kerstin-low"]
    if damage == "a number for a language":
        kerstin["language"]["code"] = 5
    elif damage == "a list for a quality":
        kerstin["quality"] = ["x"]
    elif damage == "a list for a name":
        kerstin["name"] = ["x"]
    elif damage == "a NUL in a name":
        catalogue["de_DE-kerstin\x00-low"] = catalogue.pop("de_DE-kerstin-low")
    hostile = "[" * 100_000 + "]" * 100_000 if damage == "nested 100,000 deep" else json.dumps(catalogue)
    (root / "voices.json").write_text(hostile, encoding="utf-8")
    with VoiceRepository(root) as repository:
        monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", repository.url)
        monkeypatch.setenv("AUDIO_EDITION_VOICES", str(tmp_path / "voices"))
        result = cli("voices")
        assert "Traceback" not in result.stderr
        if damage == "nested 100,000 deep":
            assert result.exit_code == 1 and result.stderr.count("\n") == 1
            assert "is not Piper's voices.json" in result.stderr
        else:
            assert result.exit_code == 0, result.stderr
            assert [line.split()[0] for line in result.stdout.splitlines()[:-1]] == ["de_DE-thorsten-medium"]
        (root / "voices.json").write_text(good, encoding="utf-8")  # the repository is mended
        mended = cli("voices")
        assert mended.exit_code == 0, mended.stderr
        assert [line.split()[0] for line in mended.stdout.splitlines()[:-1]] == ["de_DE-kerstin-low",
                                                                                 "de_DE-thorsten-medium"]
