"""The one door to ffmpeg: every call goes through `run`, with an argument list, never a shell."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from typing import IO

from audio.errors import EditionError

log = logging.getLogger(__name__)


@functools.cache
def executable() -> str:
    """Return the ffmpeg to use: the one imageio-ffmpeg ships (or names in IMAGEIO_FFMPEG_EXE), else the system's.

    The shipped build comes with the project, so every machine runs the same ffmpeg; it is also
    static, and starts in a sixth of the time of a distribution's ffmpeg with its hundreds of
    shared libraries, which a build pays once per ffmpeg run, several times per section.
    """
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):  # no binary for this platform, or a broken install
        pass
    system = shutil.which("ffmpeg")
    if system is None:
        raise EditionError("no ffmpeg found: install ffmpeg or the imageio-ffmpeg package")
    return system


def invocation(args: list[str], loglevel: str) -> list[str]:
    """Return the command line that runs ffmpeg with `args`, quiet but for messages at `loglevel`."""
    command = [executable(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel, *args]
    log.debug("running %s", command)
    return command


def start(args: list[str], loglevel: str, what: str, stdout: int | IO[bytes], stderr: int | IO[bytes]) -> subprocess.Popen:
    """Start ffmpeg with `args`, its stdin a pipe; one that cannot start is an EditionError naming `what`."""
    try:
        return subprocess.Popen(invocation(args, loglevel), stdin=subprocess.PIPE, stdout=stdout, stderr=stderr)
    except OSError as exc:
        raise EditionError(f"{what}: could not start ffmpeg ({exc.strerror})") from None


def run(args: list[str], stdin: bytes | None = None, what: str = "ffmpeg") -> bytes:
    """Run ffmpeg with `args` (after the common quiet flags) and return what it wrote to stdout."""
    return run_logged(args, stdin, what, loglevel="error")[0]


def run_logged(args: list[str], stdin: bytes | None = None, what: str = "ffmpeg",
               loglevel: str = "info") -> tuple[bytes, str]:
    """Run ffmpeg and return its stdout and its log (stderr), for filters that report by logging."""
    proc = start(args, loglevel, what, subprocess.PIPE, subprocess.PIPE)
    out, err = proc.communicate(stdin)
    if proc.returncode != 0:
        raise failure(what, proc.returncode, err)
    return out, err.decode("utf-8", "replace")


def decode_to_pcm(data: bytes, sample_rate: int, what: str = "decoding audio", strict: bool = False,
                  filters: tuple[str, ...] = ()) -> bytes:
    """Return any audio file's bytes decoded to mono 16-bit PCM at `sample_rate`, through `filters` if given.

    `strict`: any decoding error ffmpeg reports (it skips damaged frames and goes on) raises EditionError.
    """
    pcm, errors = run_logged(["-i", "pipe:0", *filters, "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"],
                             data, what, loglevel="error")
    if strict and errors.strip():
        raise EditionError(f"{what}: the audio is damaged ({errors.strip().splitlines()[0]})")
    return pcm


def image_size(data: bytes, what: str = "reading an image") -> tuple[int, int]:
    """Return an image's width and height, decoding it whole; raise EditionError when it does not decode cleanly."""
    try:
        _, log = run_logged(["-i", "pipe:0", "-f", "null", "-"], data, what, loglevel="level+info")
    except EditionError:
        raise EditionError(f"{what}: not an image that can be read (ffmpeg cannot decode it)") from None
    errors = [line.split("] ", 1)[-1] for line in log.splitlines() if "[error]" in line or "[fatal]" in line]
    size = re.search(r"Stream #.*Video: .*?, (\d+)x(\d+)", log)
    if errors or not size:
        raise EditionError(f"{what}: not an image that can be read ({errors[0] if errors else 'no picture found'})")
    return int(size.group(1)), int(size.group(2))


def run_streaming(args: list[str], chunks, what: str = "ffmpeg") -> None:
    """Run ffmpeg, feeding `chunks` (an iterable of bytes) to its stdin one by one, so memory stays bounded."""
    with tempfile.TemporaryFile() as errors:
        proc = start(args, "error", what, subprocess.DEVNULL, errors)
        stdin = proc.stdin
        assert stdin is not None  # made with stdin=PIPE
        try:
            for chunk in chunks:
                stdin.write(chunk)
            stdin.close()
        except BrokenPipeError:  # ffmpeg stopped early; its exit code and log say why
            pass
        except BaseException:
            stop(proc)
            raise
        returncode = proc.wait()
        if returncode != 0:
            errors.seek(0)
            raise failure(what, returncode, errors.read())


def run_teed(args: list[str], stdin: bytes, reader_args: list[str], what: str = "ffmpeg") -> tuple[bytes, str]:
    """Run ffmpeg with `args` and return what it writes, and the log of a second ffmpeg that reads the
    same output (`reader_args`, reading pipe:0) as it is written, e.g. to measure an encode while it runs."""
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as report:
        writer = start(args, "error", what, subprocess.PIPE, errors)
        try:
            reader = start(reader_args, "info", what, subprocess.DEVNULL, report)
        except EditionError:
            stop(writer)
            raise
        assert writer.stdin and writer.stdout and reader.stdin  # made with PIPE
        feeding = threading.Thread(target=_feed, args=(writer.stdin, stdin), daemon=True)
        feeding.start()
        output = bytearray()
        try:
            for chunk in iter(lambda: os.read(writer.stdout.fileno(), 65536), b""):  # type: ignore[union-attr]
                output += chunk
                _feed(reader.stdin, chunk, close=False)
            _feed(reader.stdin, b"")
            feeding.join()
            codes = writer.wait(), reader.wait()
            writer.stdout.close()
        except BaseException:  # Ctrl-C: leave no ffmpeg running
            stop(writer)
            stop(reader)
            raise
        errors.seek(0)
        report.seek(0)
        if codes[0]:
            raise failure(what, codes[0], errors.read())
        log_text = report.read()
        if codes[1]:
            raise failure(what, codes[1], log_text)
        return bytes(output), log_text.decode("utf-8", "replace")


def _feed(pipe: IO[bytes], data: bytes, close: bool = True) -> None:
    """Write `data` to a child's stdin (and close it, whatever happens); a child that stopped reading says why
    by its exit code."""
    try:
        if data:
            pipe.write(data)
    except (BrokenPipeError, ValueError):  # ValueError: closed already, after an earlier broken pipe
        pass
    finally:
        if close:
            try:
                pipe.close()
            except (BrokenPipeError, ValueError):
                pass


def stop(proc: subprocess.Popen) -> None:
    """Kill a child ffmpeg, wait for it and close its pipes."""
    proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass


def failure(what: str, returncode: int, log_bytes: bytes) -> EditionError:
    """Return the error for an ffmpeg run that failed: its last log lines, else its exit code."""
    last = " | ".join(log_bytes.decode("utf-8", "replace").strip().splitlines()[-3:])
    return EditionError(f"{what} failed: {last or f'ffmpeg exit code {returncode}'}")
