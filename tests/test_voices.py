"""The Piper voice catalogue and downloader, against a local stand-in for the voice repository."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audio.engines import voices
from audio.errors import EditionError

FAST = voices.RetryPolicy(attempts=3, connect_attempts=2, backoff=0.01, connect_timeout=2, read_timeout=5, deadline=2)
MODEL = "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx"


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def folder_files() -> list[str]:
    return sorted(p.name for p in voices.voices_folder().iterdir() if not p.name.endswith(".lock"))


def test_the_catalogue_lists_the_german_voices_and_is_cached(voice_repository):
    names = [v.name for v in voices.german(voices.catalogue(FAST))]
    assert names == ["de_DE-kerstin-low", "de_DE-thorsten-medium"]
    voices.catalogue(FAST)  # from the cached copy
    assert voice_repository.requested("voices.json") == 1


def test_the_catalogue_is_retried_after_a_503(voice_repository):
    voice_repository.fail("voices.json", "503", "drop")
    assert "de_DE-thorsten-medium" in voices.catalogue(FAST)
    assert voice_repository.requested("voices.json") == 3


def test_first_use_downloads_verifies_and_reports_progress(voice_repository, voice_repository_folder, events):
    installed = voices.use("de_DE-thorsten-medium", events, FAST)
    assert installed.model == voices.voices_folder() / "de_DE-thorsten-medium.onnx"
    assert md5(installed.model) == md5(voice_repository_folder / MODEL)
    assert md5(installed.config) == md5(voice_repository_folder / f"{MODEL}.json")
    voice = voices.catalogue(FAST)["de_DE-thorsten-medium"]
    assert events.log[0] == ("started", "Downloading de_DE-thorsten-medium", voice.size)
    assert sum(e[1] for e in events.log if e[0] == "advanced") == voice.size
    assert not [p for p in voices.voices_folder().iterdir() if p.name.endswith(".part")]
    assert voices.licence(voice) == "CC0"  # read from the downloaded model card

    again = voices.use("de_DE-thorsten-medium", events, FAST)  # installed: no second download
    assert again == installed and voice_repository.requested(".onnx") == 1


@pytest.mark.parametrize("fault", ["truncate", "corrupt", "drop", "503"])
def test_a_fault_is_retried_and_never_kept(voice_repository, voice_repository_folder, events, fault):
    voice_repository.fail(MODEL, fault)
    installed = voices.use("de_DE-thorsten-medium", events, FAST)
    assert md5(installed.model) == md5(voice_repository_folder / MODEL)
    assert voice_repository.requested(".onnx") == 2
    starts = [e for e in events.log if e[0] == "started"]
    assert len(starts) == 2  # the bar starts again with the retry


@pytest.mark.parametrize("fault", ["truncate", "corrupt"])
def test_a_download_that_keeps_failing_is_one_line_and_leaves_nothing(voice_repository, events, fault):
    voice_repository.fail(MODEL, *[fault] * FAST.attempts)
    with pytest.raises(EditionError) as error:
        voices.use("de_DE-thorsten-medium", events, FAST)
    message = str(error.value)
    assert "\n" not in message and "de_DE-thorsten-medium" in message and "failed 3 times" in message
    assert "de_DE-thorsten-medium.onnx" not in folder_files()
    assert not [n for n in folder_files() if n.endswith(".part")]
    # the next run starts it again and completes it
    assert voices.use("de_DE-thorsten-medium", events, FAST).model.is_file()


@pytest.mark.parametrize("fault", ["drip", "endless"])
def test_a_catalogue_that_drips_or_never_ends_is_cut_off_and_not_kept(voice_repository, fault):
    voice_repository.fail("voices.json", fault)  # neither is tried again: the time is spent, the size is wrong
    start = time.monotonic()
    with pytest.raises(EditionError) as error:
        voices.catalogue(FAST)
    assert time.monotonic() - start < 20
    message = str(error.value)
    assert "\n" not in message and "the voice catalogue" in message
    assert ("within 2 s" if fault == "drip" else "more than 16 MB") in message
    assert not list(voices.voices_folder().glob("voices-*.json"))
    assert "de_DE-thorsten-medium" in voices.catalogue(FAST)  # once the repository is well again


@pytest.mark.parametrize("fault", ["drip", "endless"])
def test_a_voice_file_that_drips_or_outgrows_its_listed_size_is_cut_off_and_not_kept(voice_repository, events, fault):
    voices.catalogue(FAST)
    voice_repository.fail(MODEL, *[fault] * (1 if fault == "drip" else FAST.attempts))  # no time for a second try
    start = time.monotonic()
    with pytest.raises(EditionError) as error:
        voices.use("de_DE-thorsten-medium", events, FAST)
    assert time.monotonic() - start < 20
    message = str(error.value)
    assert "\n" not in message and "de_DE-thorsten-medium.onnx" in message
    assert ("within 2 s" if fault == "drip" else "more than the") in message
    assert "de_DE-thorsten-medium.onnx" not in folder_files()
    assert not [n for n in folder_files() if n.endswith(".part")]


def test_a_damaged_installed_file_is_fetched_again(voice_repository, voice_repository_folder, events):
    installed = voices.use("de_DE-thorsten-medium", events, FAST)
    data = installed.model.read_bytes()
    installed.model.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, one bit off
    voices.use("de_DE-thorsten-medium", events, FAST)
    assert md5(installed.model) == md5(voice_repository_folder / MODEL)
    assert voice_repository.requested(".onnx") == 2


def test_a_download_killed_half_way_is_not_used_and_the_next_run_completes_it(voice_repository):
    voice_repository.fail(MODEL, "stall")  # half the body, then nothing
    process = subprocess.Popen([sys.executable, "-m", "audio", "voices", "download", "de_DE-thorsten-medium"],
                               env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = voices.voices_folder()
    deadline = time.monotonic() + 30
    while not list(folder.glob(".de_DE-thorsten-medium.onnx.*.part")):  # the body has begun to arrive
        assert time.monotonic() < deadline and process.poll() is None, "the download never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert "de_DE-thorsten-medium.onnx" not in folder_files()  # only the temporary file is there

    from conftest import RecordedEvents
    installed = voices.use("de_DE-thorsten-medium", RecordedEvents(), FAST)
    assert md5(installed.model) == md5(voice_repository.root / MODEL)
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))


def test_an_unknown_name_lists_close_names(voice_repository, events):
    with pytest.raises(EditionError) as error:
        voices.use("de_DE-torsten-medium", events, FAST)
    assert "did you mean de_DE-thorsten-medium" in str(error.value)
    assert "\n" not in str(error.value)


def test_offline_without_the_voice_names_the_command_that_installs_it(offline_voices, events):
    with pytest.raises(EditionError) as error:
        voices.use("de_DE-thorsten-medium", events, FAST)
    assert str(error.value) == ("the Piper voice de_DE-thorsten-medium is not installed and the voice repository "
                                "cannot be reached; with internet, run: audio-edition voices download "
                                "de_DE-thorsten-medium")


def test_offline_with_the_voice_installed_needs_no_network(voice_repository, events, monkeypatch):
    installed = voices.use("de_DE-thorsten-medium", events, FAST)
    monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", voice_repository.url)
    voice_repository.__exit__()  # the repository goes away
    assert voices.use("de_DE-thorsten-medium", events, FAST) == installed


def test_a_local_onnx_file_is_used_as_it_is(tmp_path, events):
    from fake_voices import write_voice

    model = write_voice(tmp_path / "mine.onnx")
    installed = voices.use(str(model), events)
    assert installed.model == model and installed.name == "mine"
    with pytest.raises(EditionError, match="not found"):
        voices.use(str(tmp_path / "missing.onnx"), events)
    (tmp_path / "folder.onnx").mkdir()
    with pytest.raises(EditionError, match=r"folder\.onnx is a directory, not a Piper voice"):
        voices.use(str(tmp_path / "folder.onnx"), events)
    Path(f"{model}.json").unlink()
    with pytest.raises(EditionError, match="has no mine.onnx.json beside it"):
        voices.use(str(model), events)


def test_the_folder_and_url_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDIO_EDITION_VOICES")
    monkeypatch.delenv("AUDIO_EDITION_VOICES_URL")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert voices.voices_folder() == tmp_path / ".local/share/audio-edition/voices"
    assert voices.repository_url() == f"https://huggingface.co/rhasspy/piper-voices/resolve/{voices.REVISION}/"


def test_the_catalogue_reads_piper_voices_json():
    entry = {"de_DE-thorsten-high": {
        "key": "de_DE-thorsten-high", "name": "thorsten", "quality": "high",
        "language": {"code": "de_DE", "family": "de", "region": "DE"},
        "files": {"de/de_DE/thorsten/high/de_DE-thorsten-high.onnx": {"size_bytes": 10, "md5_digest": "a" * 32},
                  "de/de_DE/thorsten/high/de_DE-thorsten-high.onnx.json": {"size_bytes": 2, "md5_digest": "b" * 32},
                  "de/de_DE/thorsten/high/MODEL_CARD": {"size_bytes": 1, "md5_digest": "c" * 32}}}}
    voice = voices.parse_catalogue(json.loads(json.dumps(entry)))["de_DE-thorsten-high"]
    assert (voice.quality, voice.language, voice.size) == ("high", "de_DE", 13)
    assert voice.model.path.endswith("high.onnx") and voice.config.md5 == "b" * 32
