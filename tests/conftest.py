"""Shared fixtures: the sample articles and a way to run the CLI like a user."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from audio.cli import main

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = Path(__file__).resolve().parent / "articles"
SEED = ROOT / "article" / "twitter-microsoft.txt"


@pytest.fixture
def articles() -> Path:
    return ARTICLES


@pytest.fixture
def seed() -> Path:
    return SEED


@pytest.fixture
def cli():
    """Run `audio-edition ARGS...` in-process; returns Click's Result."""

    def run(*args: str):
        try:
            runner = CliRunner(mix_stderr=False)  # Click 8.1; 8.2 always keeps stderr apart
        except TypeError:
            runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def plan(cli):
    """Return the parsed `sections --json` output for an article."""

    def run(path: Path, *extra: str) -> dict:
        result = cli("sections", path, "--json", *extra)
        assert result.exit_code == 0, (result.output, result.stderr)
        return json.loads(result.stdout)

    return run


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Point Google's voice and the voice repository at a closed local port, so no test ever leaves this machine."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AUDIO_EDITION_GOOGLE_URL", f"http://127.0.0.1:{closed}/batchexecute")
    monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", f"http://127.0.0.1:{closed}/")
    monkeypatch.setenv("AUDIO_EDITION_VOICES", str(tmp_path_factory.mktemp("voices")))
    monkeypatch.delenv("AUDIO_EDITION_CACHE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed}")  # the model hub, for `check --model NAME`
    monkeypatch.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))


@pytest.fixture(scope="session")
def whisper_model() -> Path:
    """The Whisper "base" model folder (CTranslate2 format) that `scripts/setup --test` puts in .cache/models."""
    folder = ROOT / ".cache" / "models" / "whisper-base"
    assert (folder / "model.bin").is_file(), "no Whisper model for the tests: run scripts/setup --test"
    return folder


@pytest.fixture
def google(monkeypatch):
    """A fake Google speech endpoint on 127.0.0.1 that gTTS is pointed at."""
    from fake_google import FakeGoogle

    with FakeGoogle() as fake:
        monkeypatch.setenv("AUDIO_EDITION_GOOGLE_URL", fake.url)
        yield fake


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def seed_edition_path(tmp_path_factory) -> Path:
    """The seed article's edition, built once per test session with the offline voice."""
    work = tmp_path_factory.mktemp("seed-edition")
    result = CliRunner().invoke(main, ["build", str(SEED), "-o", str(work / "seed.mp3"), "--engine", "espeak",
                                       "--cache-dir", str(work / "cache")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return work / "seed.mp3"


class RecordedEvents:
    """Events as a list, for tests of what a stage reports."""

    def __init__(self):
        self.log: list[tuple] = []

    def notice(self, text: str) -> None:
        self.log.append(("notice", text))

    def started(self, stage: str, total: int) -> None:
        self.log.append(("started", stage, total))

    def advanced(self, amount: int = 1) -> None:
        self.log.append(("advanced", amount))


@pytest.fixture
def events() -> RecordedEvents:
    return RecordedEvents()


TINY_VOICES = {  # named like real voices, so the default voice and name look-ups work as for a user
    "de_DE-thorsten-medium": {"pitch": 8.0},
    "de_DE-kerstin-low": {"pitch": 5.0, "length_scale": 1.1},
    "en_US-lessac-medium": {"pitch": 7.0},
}


@pytest.fixture(scope="session")
def voice_repository_folder(tmp_path_factory) -> Path:
    """A folder laid out like rhasspy/piper-voices, with tiny voices and their voices.json."""
    from fake_voices import write_repository

    root = tmp_path_factory.mktemp("piper-voices")
    write_repository(root, TINY_VOICES)
    return root


@pytest.fixture
def voice_repository(voice_repository_folder, tmp_path, monkeypatch):
    """The stand-in voice repository on 127.0.0.1, with an empty voices folder pointed at."""
    from fake_voices import VoiceRepository

    with VoiceRepository(voice_repository_folder) as repository:
        monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", repository.url)
        monkeypatch.setenv("AUDIO_EDITION_VOICES", str(tmp_path / "voices"))
        yield repository


@pytest.fixture
def offline_voices(tmp_path, monkeypatch) -> Path:
    """A voice repository URL on a closed local port (as without internet), and an empty voices folder."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", f"http://127.0.0.1:{closed}/")
    monkeypatch.setenv("AUDIO_EDITION_VOICES", str(tmp_path / "voices"))
    return tmp_path / "voices"


@pytest.fixture
def web():
    """A web server on 127.0.0.1 that the test fills with pages (see tests/web_server.py)."""
    from web_server import WebServer

    with WebServer() as server:
        yield server


PAGES = Path(__file__).resolve().parent / "pages"


@pytest.fixture
def pages() -> Path:
    """Saved web pages in the shapes German news sites use."""
    return PAGES


@pytest.fixture
def png(tmp_path) -> bytes:
    """A small red PNG that ffmpeg made: a cover image that decodes."""
    path = tmp_path / "made.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(path)],
                   check=True)
    return path.read_bytes()
