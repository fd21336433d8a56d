"""Reading produced files back the way a user's tools would: ffprobe, ffmpeg, the summary line."""

from __future__ import annotations

import audioop
import json
import re
import subprocess
from pathlib import Path


def ffprobe(path: Path) -> dict:
    """Return ffprobe's view of a media file: format, streams and chapters."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, check=True,
    ).stdout
    return json.loads(out)


def decoded_pcm(path: Path, rate: int = 44100) -> bytes:
    """Return a media file decoded by the system ffmpeg to mono 16-bit PCM."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True, check=True,
    ).stdout


SUMMARY = re.compile(
    r"Wrote (?P<output>\S+): (?P<min>\d+):(?P<sec>\d\d), (?P<chapters>\d+) chapters, "
    r"((?P<changed>\d+) of (?P<of>\d+) sections changed(, (?P<removed>\d+) removed)?, )?"
    r"(?P<synthesised>\d+) chunks synthesised, (?P<reused>\d+) reused(, (?P<retries>\d+) retries)?, voice (?P<voice>.+)"
)


def summary_of(output: str) -> dict:
    match = SUMMARY.search(output)
    assert match, output
    return match.groupdict()


def onset(pcm: bytes, at: float, rate: int = 44100, threshold: int = 300) -> float:
    """Return the time of the first 5 ms window at or after `at` seconds that is not silence."""
    window = rate // 200
    index = int(at * rate)
    while index < len(pcm) // 2:
        if audioop.rms(pcm[2 * index:2 * (index + window)], 2) > threshold:
            return index / rate
        index += window
    raise AssertionError(f"no sound after {at} s")


def loudness_rms(pcm: bytes, start: float, end: float, rate: int = 44100) -> int:
    """Return the RMS level of the PCM between two times."""
    return audioop.rms(pcm[2 * int(start * rate):2 * int(end * rate)], 2)


def ebur128(path: Path, start: float | None = None, length: float | None = None) -> tuple[float, float]:
    """Return (integrated loudness in LUFS, true peak in dBTP) of a file, or of a stretch of it, per ffmpeg."""
    window = (["-ss", str(start)] if start is not None else []) + (["-t", str(length)] if length else [])
    report = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", *window, "-i", str(path), "-af",
         "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    summary = report[report.rfind("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak
