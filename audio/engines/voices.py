"""Piper's voices: the catalogue of the voice repository, and voices downloaded once, verified, kept.

The repository is rhasspy/piper-voices on Hugging Face at a pinned revision, so a voice name always
means the same model. Its `voices.json` lists every file with its size and MD5; a file is downloaded
to a temporary name beside its target, checked against both, and only then renamed into place, so an
interrupted or corrupt download is never used and the next run starts it again. (Piper's own
downloader writes straight into the target and keeps whatever arrived.)
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audio import atomic
from audio.errors import EditionError
from audio.events import Events
from audio.http import TooLarge, backoff, body_within, deadline_session

if TYPE_CHECKING:  # requests loads only when a voice is fetched
    import requests

log = logging.getLogger(__name__)

# v1.0.0 is the tag Piper's own downloader pinned for its first years; voices.json and every German
# voice are there. A tag, not a commit hash, because no hash could be checked from here (see README).
REVISION = "v1.0.0"
DEFAULT_URL = f"https://huggingface.co/rhasspy/piper-voices/resolve/{REVISION}/"
URL_VARIABLE = "AUDIO_EDITION_VOICES_URL"  # a mirror of the repository, or the tests' stand-in
FOLDER_VARIABLE = "AUDIO_EDITION_VOICES"
DEFAULT_VOICE = "de_DE-thorsten-medium"
LANGUAGE = "de"
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}

# The licence of each voice's training data as its model card states it, for the voices list before
# a voice (and its card) is downloaded; a downloaded voice shows what its own card says.
KNOWN_LICENCES = {
    "thorsten": "CC0",
    "thorsten_emotional": "CC0",
    "kerstin": "CC0",
    "mls": "CC BY 4.0",
    "pavoque": "CC BY-NC-SA 4.0",
}


@dataclass(frozen=True)
class VoiceFile:
    """One file of a voice as the catalogue lists it."""

    path: str  # in the repository, e.g. de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx
    size: int
    md5: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Voice:
    """A voice of the catalogue: its name, language, quality and files."""

    name: str  # e.g. de_DE-thorsten-medium
    speaker: str  # e.g. thorsten
    language: str  # e.g. de_DE
    quality: str  # x_low, low, medium or high
    files: tuple[VoiceFile, ...]

    @property
    def model(self) -> VoiceFile:
        return self._file(".onnx")

    @property
    def config(self) -> VoiceFile:
        return self._file(".onnx.json")

    @property
    def card(self) -> VoiceFile | None:
        return next((f for f in self.files if f.name == "MODEL_CARD"), None)

    @property
    def size(self) -> int:
        """The bytes a download of this voice fetches."""
        return sum(f.size for f in self.needed)

    @property
    def needed(self) -> tuple[VoiceFile, ...]:
        """The files a download fetches: the model, its config and (when listed) its model card."""
        card = self.card
        return (self.model, self.config) + ((card,) if card else ())

    def _file(self, suffix: str) -> VoiceFile:
        for file in self.files:
            if file.name == f"{self.name}{suffix}":
                return file
        raise EditionError(f"the voice catalogue lists no {self.name}{suffix}")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # per file, for faults that may pass: dropped connections, 5xx, short or bad bodies
    connect_attempts: int = 2  # when no connection can be made at all, most likely the machine is offline
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 20.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # between two blocks of the body, not for the whole file
    deadline: float = 60.0  # seconds for the whole of a small file (the catalogue, a config), however it trickles
    rate: float = 50_000.0  # bytes a second a large file may take at the slowest, on top of `deadline`

    def deadline_for(self, size: int) -> float:
        """Return the seconds a download of `size` bytes may take in all: a 60 MB voice about 20 minutes."""
        return self.deadline + size / self.rate


CATALOGUE_MOST = 16 * 1024 * 1024  # Piper's voices.json is about 0.7 MB


@dataclass(frozen=True)
class Installed:
    """A voice ready to load: its model and config files, and the checksum that identifies it."""

    name: str
    model: Path
    config: Path
    checksum: str  # MD5 of the model and its config, as verified (or as computed for a local file)


class RepositoryUnreachable(EditionError):
    """The voice repository could not be reached at all (most likely: no internet)."""


class _Meter:
    """Reports a voice's download to the events: bytes as they arrive, from the start again on a retry."""

    def __init__(self, events: Events, label: str, total: int):
        self.events, self.label, self.total = events, label, total
        self.finished = 0  # bytes of the files already complete
        events.started(label, total)

    def advance(self, amount: int) -> None:
        self.events.advanced(amount)

    def restart(self) -> None:
        self.events.started(self.label, self.total)
        if self.finished:
            self.events.advanced(self.finished)


def repository_url() -> str:
    """Return the URL under which voices.json and the voice folders lie, ending in a slash."""
    url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    return url if url.endswith("/") else url + "/"


def voices_folder() -> Path:
    """Return the folder that holds downloaded voices (created when first written to)."""
    configured = os.environ.get(FOLDER_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "audio-edition" / "voices"


def catalogue(policy: RetryPolicy = RetryPolicy()) -> dict[str, Voice]:
    """Return every voice of the repository by name, from the cached voices.json or else downloaded."""
    cached = _catalogue_path()
    if cached.is_file():
        try:
            return parse_catalogue(json.loads(cached.read_text(encoding="utf-8")))
        except (ValueError, RecursionError):
            log.warning("the cached voice catalogue %s is unreadable; downloading it again", cached)
    cached.parent.mkdir(parents=True, exist_ok=True)
    data = _fetch(repository_url() + "voices.json", "the voice catalogue", policy)
    try:  # checked before it is kept
        parsed = json.loads(data.decode("utf-8"))
        voices = parse_catalogue(parsed)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise EditionError(f"the voice catalogue at {repository_url()}voices.json is not Piper's voices.json") from None
    if len(voices) == len(parsed):  # one with entries left out is used now, and asked for again next time
        atomic.write_atomically(cached, data)
    return voices


def parse_catalogue(data: object) -> dict[str, Voice]:
    """Return the voices of a parsed voices.json ({key: {name, language: {code}, quality, files: {path: {size_bytes,
    md5_digest}}}}); raise ValueError when it is not an object of voices.

    An entry without the fields a voice needs, of their types and shapes, is left out (fields beyond
    them are not read, so they may be anything).
    """
    voices, odd = {}, 0
    for key, entry in _items(data, "the catalogue"):
        try:
            voices[key] = _voice(key, entry)
        except ValueError as exc:
            odd += 1
            log.debug("voice catalogue entry left out: %s", exc)
    if odd:
        log.info("%d entries of the voice catalogue are not voices; left out", odd)
    if odd and not voices:
        raise ValueError("no entry of the catalogue is a voice")
    return voices


def _voice(key: str, entry: object) -> Voice:
    """Return a catalogue entry as a Voice; raise ValueError when a field a voice needs is missing or malformed."""
    if not NAME.fullmatch(key):
        raise ValueError(f"{key[:40]!r} is not a voice name")
    files = tuple(VoiceFile(_text(path, FILE_PATH, key), _size(info, key), _text(_field(info, "md5_digest"), MD5, key))
                  for path, info in _items(_field(entry, "files"), key))
    return Voice(key, _text(_field(entry, "name"), WORD, key), _text(_field(_field(entry, "language"), "code"), CODE, key),
                 _text(_field(entry, "quality"), WORD, key), files)


# What each field of voices.json must look like (Piper's repository, https://huggingface.co/rhasspy/piper-voices).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # de_DE-thorsten-medium; a file name in the voices folder
WORD = re.compile(r"[A-Za-z0-9_.-]{1,100}")  # a speaker or a quality
CODE = re.compile(r"[A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,4})?")  # de_DE
FILE_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,9}")  # de/de_DE/thorsten/medium/…onnx
MD5 = re.compile(r"[0-9a-fA-F]{32}")


def _items(value: object, where: str) -> list[tuple[str, object]]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ValueError(f"{where}: not an object of named entries")
    return list(value.items())


def _field(value: object, name: str) -> object:
    if not isinstance(value, dict) or name not in value:
        raise ValueError(f"no field {name!r}")
    return value[name]


def _text(value: object, shape: re.Pattern, where: str) -> str:
    if not isinstance(value, str) or not shape.fullmatch(value):
        raise ValueError(f"{where}: {str(value)[:40]!r} is not what voices.json has there")
    return value


def _size(info: object, where: str) -> int:
    size = _field(info, "size_bytes")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < 1 << 40:
        raise ValueError(f"{where}: {str(size)[:40]!r} is not a file size")
    return size


def german(voices: dict[str, Voice]) -> list[Voice]:
    """Return the German voices, by name."""
    return sorted((v for v in voices.values() if v.language.split("_")[0] == LANGUAGE), key=lambda v: v.name)


def find(name: str, voices: dict[str, Voice]) -> Voice:
    """Return the voice called `name`; an unknown name is an error listing the closest names."""
    if name in voices:
        return voices[name]
    names = [v.name for v in german(voices)] or list(voices)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5) or names[:3]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise EditionError(f"no Piper voice is called {name!r}{hint} (audio-edition voices lists them)")


def installed_here() -> dict[str, int]:
    """Return the voices in the voices folder (a model with its config beside it) and their sizes in bytes."""
    folder = voices_folder()
    models = [on_disk(path.stem) for path in sorted(folder.glob("*.onnx"))] if folder.is_dir() else []
    return {model.stem: model.stat().st_size + Path(f"{model}.json").stat().st_size for model in models if model}


def on_disk(name: str) -> Path | None:
    """Return the model of the voice `name` when it is in the voices folder with its config beside it."""
    model = voices_folder() / f"{name}.onnx"
    return model if model.is_file() and Path(f"{model}.json").is_file() else None


def is_installed(voice: Voice) -> bool:
    """Return True when the voice's model and config are in the voices folder at their listed sizes."""
    folder = voices_folder()
    return all(_has_size(folder / f.name, f.size) for f in (voice.model, voice.config))


def licence(voice: Voice) -> str | None:
    """Return the licence of the voice's training data: from its downloaded model card, else as known."""
    card = voices_folder() / f"{voice.name}.MODEL_CARD"
    if card.is_file():
        match = re.search(r"^\W*licen[sc]e\W*:?\s*(.+?)\s*$", card.read_text(encoding="utf-8", errors="replace"),
                          re.IGNORECASE | re.MULTILINE)
        if match:
            return match.group(1)
    return KNOWN_LICENCES.get(voice.speaker)


def download(voice: Voice, events: Events, policy: RetryPolicy = RetryPolicy()) -> Installed:
    """Return the voice installed: each missing or damaged file downloaded, verified and renamed into place."""
    from filelock import FileLock

    folder = voices_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / f".{voice.name}.lock")):  # two builds fetching one voice take turns
        _remove_leftovers(folder, voice)
        missing = [f for f in voice.needed if not _verified(folder / _local_name(voice, f), f)]
        if missing:
            meter = _Meter(events, f"Downloading {voice.name}", sum(f.size for f in missing))
            for file in missing:
                _download_file(repository_url() + file.path, folder / _local_name(voice, file), file, voice.name,
                               policy, meter)
    return _installed(voice, folder)


def use(name: str, events: Events, policy: RetryPolicy = RetryPolicy()) -> Installed:
    """Return the voice to load for `name`: a local .onnx path as is, else the named voice, verified.

    A named voice that is not installed is downloaded; without a connection that is a one-line error
    naming the command that installs it.
    """
    if is_path(name):
        return local(Path(name).expanduser())
    folder = voices_folder()
    try:
        voices = catalogue(policy)
    except RepositoryUnreachable:
        # Files put in the folder by hand (ours only ever land there verified) are used without a catalogue.
        model = on_disk(name)
        if model:
            return local(model)
        raise EditionError(f"the Piper voice {name} is not installed and the voice repository cannot be reached; "
                           f"with internet, run: audio-edition voices download {name}") from None
    voice = find(name, voices)
    if all(_verified(folder / f.name, f) for f in (voice.model, voice.config)):
        return _installed(voice, folder)
    try:
        return download(voice, events, policy)
    except RepositoryUnreachable:
        state = "is damaged (its checksum does not match)" if is_installed(voice) else "is not installed"
        raise EditionError(f"the Piper voice {name} {state} and the voice repository cannot be reached; "
                           f"with internet, run: audio-edition voices download {name}") from None


def is_path(name: str) -> bool:
    """Return True when a --voice is the path of a voice file rather than a voice's name."""
    return name.endswith(".onnx") or "/" in name or os.sep in name


def local(model: Path) -> Installed:
    """Return a voice given as the path of a .onnx file with its .onnx.json beside it."""
    config = Path(f"{model}.json")
    if model.is_dir():
        raise EditionError(f"voice file {model} is a directory, not a Piper voice (.onnx)")
    if not model.is_file():
        raise EditionError(f"voice file {model} not found")
    if not config.is_file():
        raise EditionError(f"voice file {model} has no {config.name} beside it (Piper needs both)")
    checksum = hashlib.md5((_md5(model) + _md5(config)).encode()).hexdigest()
    return Installed(model.name.removesuffix(".onnx"), model, config, checksum)


def _installed(voice: Voice, folder: Path) -> Installed:
    checksum = hashlib.md5((voice.model.md5 + voice.config.md5).encode()).hexdigest()
    return Installed(voice.name, folder / voice.model.name, folder / voice.config.name, checksum)


def _local_name(voice: Voice, file: VoiceFile) -> str:
    """Return the name a file has in the voices folder (model cards get their voice's name)."""
    return f"{voice.name}.MODEL_CARD" if file.name == "MODEL_CARD" else file.name


def _catalogue_path() -> Path:
    """Return where voices.json is cached: one file per repository URL, so a mirror never mixes in."""
    tag = hashlib.sha1(repository_url().encode()).hexdigest()[:10]
    return voices_folder() / f"voices-{tag}.json"


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _verified(path: Path, file: VoiceFile) -> bool:
    """Return True when `path` has the file's size and MD5 (a model of 60 MB hashes in a fraction of a second)."""
    return _has_size(path, file.size) and _md5(path) == file.md5


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_leftovers(folder: Path, voice: Voice) -> None:
    """Delete the temporary files of downloads of this voice that were killed half-way."""
    for file in voice.needed:
        for part in folder.glob(f".{_local_name(voice, file)}.*.part"):
            part.unlink(missing_ok=True)


def _download_file(url: str, target: Path, expected: VoiceFile, what: str, policy: RetryPolicy,
                   meter: _Meter) -> None:
    """Fetch `url` into `target` through a temporary file, verified against `expected`; retry faults."""
    import requests

    for attempt in range(1, policy.attempts + 1):
        try:
            problem = _try_download(url, target, expected, policy, meter.advance)
        except requests.RequestException as exc:
            problem = _describe(exc)
            if _cannot_connect(exc) and attempt >= policy.connect_attempts:
                raise RepositoryUnreachable(
                    f"the voice repository {repository_url()} cannot be reached ({problem})") from None
        except _TooSlow as slow:  # the whole transfer's time is spent: trying again would spend it again
            raise EditionError(f"downloading {what} ({expected.name}) stopped: {slow}; nothing was kept, "
                               "run the command again to retry") from None
        if problem is None:
            meter.finished += expected.size
            return
        if attempt == policy.attempts:
            raise EditionError(f"downloading {what} ({expected.name}) failed {attempt} times ({problem}); "
                               "nothing was kept, run the command again to retry")
        meter.restart()  # the next attempt starts the file from the beginning
        delay = backoff(attempt, policy.backoff, policy.max_backoff)
        log.info("downloading %s gave %s; retrying in %.1f s", expected.name, problem, delay)
        time.sleep(delay)


def _try_download(url: str, target: Path, expected: VoiceFile, policy: RetryPolicy,
                  progress: Callable[[int], None]) -> str | None:
    """Return None when `target` now holds the verified file, else what went wrong (the file untouched); raise
    _TooSlow when the whole file did not arrive within its deadline."""
    seconds = policy.deadline_for(expected.size)
    with deadline_session(seconds) as (session, expired):
        try:
            problem = _receive(session, url, target, expected, policy, progress)
        except Exception:
            if expired.is_set():
                raise _TooSlow(f"no whole file within {seconds:.0f} s") from None
            raise
        if problem and expired.is_set():
            raise _TooSlow(f"no whole file within {seconds:.0f} s")
        return problem


def _receive(session: requests.Session, url: str, target: Path, expected: VoiceFile, policy: RetryPolicy,
             progress: Callable[[int], None]) -> str | None:
    """Return None when `target` now holds the verified file, else what went wrong (the file untouched)."""
    with session.get(url, stream=True, timeout=(policy.connect_timeout, policy.read_timeout)) as response:
        if response.status_code in RETRY_STATUSES:
            return f"HTTP {response.status_code}"
        if response.status_code != 200:
            raise EditionError(f"the voice repository answered HTTP {response.status_code} for {url}")
        try:
            with atomic.replacing(target) as temporary, open(temporary, "wb") as out:
                digest, size = hashlib.md5(), 0
                for block in response.iter_content(1 << 16):
                    size += len(block)
                    if size > expected.size:  # not one byte past what the catalogue lists is written
                        raise _Refused(f"more than the {expected.size} bytes listed arrived")
                    out.write(block)
                    digest.update(block)
                    progress(len(block))
                out.flush()
                os.fsync(out.fileno())  # a voice is kept for years: make sure it is on disk before it counts
                if size != expected.size:
                    raise _Refused(f"{size} of {expected.size} bytes arrived")
                if digest.hexdigest() != expected.md5:
                    raise _Refused("the checksum did not match")
        except _Refused as refused:  # the temporary file is gone, the target untouched
            return str(refused)
        return None


class _Refused(Exception):
    """A download arrived whole but not as the catalogue lists it."""


class _TooSlow(Exception):
    """A download did not arrive whole within its deadline."""


def _fetch(url: str, what: str, policy: RetryPolicy) -> bytes:
    """Return the body at `url` (the catalogue: at most CATALOGUE_MOST bytes, within `policy.deadline`), retrying
    faults like a voice download."""
    import requests

    for attempt in range(1, policy.attempts + 1):
        try:
            with deadline_session(policy.deadline) as (session, expired):
                try:
                    with session.get(url, stream=True, timeout=(policy.connect_timeout, policy.read_timeout)) as response:
                        if response.status_code == 200:
                            return _read_at_most(response, CATALOGUE_MOST, what)
                    if response.status_code not in RETRY_STATUSES:
                        raise EditionError(f"the voice repository answered HTTP {response.status_code} for {url}")
                    problem = f"HTTP {response.status_code}"
                except requests.RequestException:
                    if expired.is_set():
                        raise EditionError(f"downloading {what} stopped: no whole answer within "
                                           f"{policy.deadline:g} s") from None
                    raise
        except requests.RequestException as exc:
            problem = _describe(exc)
            if _cannot_connect(exc) and attempt >= policy.connect_attempts:
                raise RepositoryUnreachable(
                    f"the voice repository {repository_url()} cannot be reached ({problem})") from None
        if attempt == policy.attempts:
            raise EditionError(f"downloading {what} failed {attempt} times ({problem})")
        time.sleep(backoff(attempt, policy.backoff, policy.max_backoff))
    raise AssertionError("unreachable")


def _read_at_most(response: requests.Response, most: int, what: str) -> bytes:
    """Return the body of `response`; raise EditionError, having read no more than `most` bytes, when it is larger."""
    try:
        return body_within(response, most)
    except TooLarge:
        raise EditionError(f"downloading {what} stopped: more than {most >> 20} MB arrived "
                           "(Piper's is under 1 MB)") from None


def _cannot_connect(exc: requests.RequestException) -> bool:
    """Return True when no connection could be made at all (refused, no route, no DNS), not a fault mid-way."""
    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0].reason if exc.args and isinstance(exc.args[0], MaxRetryError) else None
    return isinstance(reason, NewConnectionError)


def _describe(exc: requests.RequestException) -> str:
    import requests

    if _cannot_connect(exc):
        return "no connection"
    if isinstance(exc, requests.Timeout):
        return "a timeout"
    return f"a broken connection ({type(exc).__name__})"
