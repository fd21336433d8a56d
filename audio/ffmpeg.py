"""The one door to ffmpeg: every call goes through `run`, with an argument list, never a shell."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import tempfile

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


def run(args: list[str], stdin: bytes | None = None, what: str = "ffmpeg") -> bytes:
    """Run ffmpeg with `args` (after the common quiet flags) and return what it wrote to stdout."""
    return run_logged(args, stdin, what, loglevel="error")[0]


def run_logged(args: list[str], stdin: bytes | None = None, what: str = "ffmpeg",
               loglevel: str = "info") -> tuple[bytes, str]:
    """Run ffmpeg and return its stdout and its log (stderr), for filters that report by logging."""
    command = [executable(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel, *args]
    log.debug("running %s", command)
    try:
        proc = subprocess.run(command, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise EditionError(f"{what}: could not start ffmpeg ({exc.strerror})") from None
    if proc.returncode != 0:
        last = " | ".join(proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise EditionError(f"{what} failed: {last or f'ffmpeg exit code {proc.returncode}'}")
    return proc.stdout, proc.stderr.decode("utf-8", "replace")


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
    command = [executable(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", *args]
    command.remove("-nostdin")  # it reads its input from stdin here
    log.debug("running %s", command)
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        except OSError as exc:
            raise EditionError(f"{what}: could not start ffmpeg ({exc.strerror})") from None
        stdin = proc.stdin
        assert stdin is not None  # made with stdin=PIPE
        try:
            for chunk in chunks:
                stdin.write(chunk)
            stdin.close()
        except BrokenPipeError:  # ffmpeg stopped early; its exit code and log say why
            pass
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        returncode = proc.wait()
        if returncode != 0:
            errors.seek(0)
            last = " | ".join(errors.read().decode("utf-8", "replace").strip().splitlines()[-3:])
            raise EditionError(f"{what} failed: {last or f'ffmpeg exit code {returncode}'}")
