"""Loudness for podcast apps: each section measured (EBU R128) and brought to the target.

Every section is normalised on its own, so a section synthesised today sits at the same level
as one cached from last week. Speech voices have high peaks for their loudness (espeak-ng's are
20 dB above it), so a gain alone would clip: a limiter holds the peaks, and because it takes some
loudness away, the gain is found by measuring the limited result.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from audio.errors import EditionError
from audio.sound import ffmpeg
from audio.sound.clip import Speech
from audio.sound.formats import MP3

log = logging.getLogger(__name__)

TOLERANCE = 0.3  # LU: close enough to the target to stop correcting
CODEC_LOSS = 0.4  # LU that MP3 encoding takes from speech (measured on espeak and Google voices)
ATTEMPTS = 4
HEADROOM = MP3.headroom  # dB between the limiter and the true-peak ceiling, for inter-sample and MP3 overshoot
MAX_HEADROOM = 7.0  # dB: more limiting than this takes so much loudness that the target cannot be met
PEAK_MARGIN = 0.6  # dB between an encoded sample peak and the true-peak ceiling: true peaks lie a little higher
RATE = MP3.sample_rate  # limiting at the output rate keeps inter-sample peaks small


@dataclass(frozen=True)
class Target:
    integrated: float = -16.0  # LUFS, the common podcast target
    true_peak: float = -1.0  # dBTP ceiling


Level = tuple[float, float]  # the gain (dB) and the limiter's ceiling (dBFS) a section was encoded with


def encode_at(speech: Speech, target: Target, encode_args: Callable[[str], list[str]], headroom: float = HEADROOM,
              hint: Level | None = None) -> tuple[bytes, Level | None]:
    """Return `speech` encoded at `target` loudness, peaks below its ceiling, by ffmpeg with
    `encode_args(filters)` (which read the PCM from stdin and write the encoded audio to stdout),
    and the level it was encoded at (None for silence).

    The gain is searched on the PCM and the encoder applies it, with the limiter, in its own pass;
    a second ffmpeg measures the encoded audio as it is written, and `on_target` checks it
    (CODEC_LOSS is what MP3 usually takes from speech). A `hint` (the level of this section's
    previous version) is tried first, without a search, and kept when its encode is on target.
    """
    ceiling = target.true_peak - PEAK_MARGIN

    def encode_measured(gain: float, limit: float) -> tuple[bytes, tuple[float, float], Level]:
        encoded, report = ffmpeg.run_teed(encode_args(filters(gain, limit)), speech.pcm, meter_args("pipe:0"),
                                          what="encoding")
        return encoded, read_meter(report), (round(gain, 2), round(limit, 2))

    if hint is not None:
        try:
            encoded, measured, level = encode_measured(*hint)
            if hits(measured, target, ceiling):
                return encoded, level
            log.debug("the previous level %s missed (%.1f LUFS, peak %.1f); searching", hint, *measured)
        except EditionError as exc:  # a level the encoder refuses: the search finds one it takes
            log.debug("the previous level %s failed (%s); searching", hint, exc)
    limit = target.true_peak - headroom
    gain = gain_for(speech, target.integrated + CODEC_LOSS, limit)
    if gain is None:
        return ffmpeg.run(encode_args(""), speech.pcm, what="encoding"), None
    made = on_target(encode_measured, lambda made: made[1], target, gain, limit, ceiling)
    return made[0], made[2]


def hits(measured: tuple[float, float], target: Target, ceiling: float) -> bool:
    """Return True when a measured (loudness, peak) is close enough to `target`, its peak at or below `ceiling`."""
    loudness, peak = measured
    return peak <= ceiling and abs(target.integrated - loudness) <= 2 * TOLERANCE


T = TypeVar("T")


def on_target(make: Callable[[float, float], T], measure: Callable[[T], tuple[float, float]], target: Target,
              gain: float, limit: float, ceiling: float) -> T:
    """Return what `make(gain, limit)` gives nearest to `target`, made again with corrections while it misses.

    The one loudness policy for every format. Lossy encoders take some loudness and push limited
    peaks up by an amount that depends on the codec and the speech, so each result is measured
    (`measure` returns its loudness and its peak, which must stay at or below `ceiling`). A result
    that misses is made again with the gain corrected by what it missed and the limiter lowered by
    how far the peak went over, at most ATTEMPTS times; the attempt nearest the target is kept.
    """
    attempts = []
    for number in range(ATTEMPTS):
        result = make(gain, limit)
        loudness, peak = measure(result)
        over, missed = peak - ceiling, target.integrated - loudness
        log.debug("attempt %d: %.1f LUFS, peak %.1f (gain %.1f, limit %.1f)", number, loudness, peak, gain, limit)
        attempts.append((max(0.0, over) + max(0.0, abs(missed) - 2 * TOLERANCE), number, result))
        if hits((loudness, peak), target, ceiling):
            break
        gain += missed
        limit = max(target.true_peak - MAX_HEADROOM, limit - max(0.0, over + 0.2))
    return min(attempts, key=lambda attempt: attempt[:2])[2]


def normalised_pcm(speech: Speech, target: Target, rate: int, headroom: float = HEADROOM) -> bytes:
    """Return `speech` as PCM at `rate`, brought to `target` loudness with the limiter (for single-pass formats)."""
    limit = target.true_peak - headroom
    gain = gain_for(speech, target.integrated, limit)
    chain = filters(gain, limit, rate) if gain is not None else f"aresample={rate}"
    return ffmpeg.run(input_args(speech) + ["-af", chain, "-f", "s16le", "-ac", "1", "pipe:1"], speech.pcm,
                      what="normalising loudness")


def measure_encoded(source: bytes | Path, peak: str = "sample") -> tuple[float, float]:
    """Return the integrated loudness (LUFS) and the sample (dBFS) or true peak (dBTP) of encoded audio,
    given as bytes or a file.

    MP4 files need a file: their index may sit at the end, where a pipe cannot seek.
    """
    data, name = (source, "pipe:0") if isinstance(source, bytes) else (None, str(source))
    _, report = ffmpeg.run_logged(meter_args(name, peak), data, what="measuring loudness")
    return read_meter(report, peak)


def meter_args(name: str, peak: str = "sample") -> list[str]:
    """Return the ffmpeg arguments that measure the loudness and the `peak` (sample or true) of the audio `name`."""
    chain = f"ebur128=framelog=verbose:peak={peak},{BATCHED}"
    if name == "pipe:0":  # the filter reads and decodes it itself: a fifth less work than frames handed between
        # threads (the colon escaped twice: once for the filter's options, once for the graph)
        return ["-f", "lavfi", "-i", f"amovie=pipe\\\\:0,{chain}", "-f", "null", "-"]
    return ["-i", name, "-af", chain, "-f", "null", "-"]


def read_meter(report: str, peak: str = "sample") -> tuple[float, float]:
    """Return the integrated loudness and the peak that the `meter_args` run logged."""
    label = "Sample peak" if peak == "sample" else "True peak"
    found = re.search(label + r":\s+Peak:\s+(-?[\d.]+|-inf) dBFS", report)
    return parse(report), float(found.group(1)) if found else 0.0


def gain_for(speech: Speech, integrated: float, limit: float) -> float | None:
    """Return the gain in dB that brings `speech`, limited to `limit` dBFS, to about `integrated` LUFS.

    One pass at the voice's own sample rate measures the section at a spread of gains (the
    limiter's loss grows with the gain, so loudness is not linear in it), and the gain is
    interpolated between them. Only a gain far outside the spread is measured once more: near it,
    the curve is close enough to straight that a second pass gave the same gain (espeak's 10.3
    to 10.8 dB, from 4 and 10), and the encoded result is checked anyway. None for silence.
    """
    points = sorted(zip(SPREAD, measure_gains(speech, list(SPREAD), limit)))
    if points[-1][1] <= -70:
        return None
    gain = interpolate(points, integrated)
    if not min(SPREAD) - EXTRAPOLATE <= gain <= max(SPREAD) + EXTRAPOLATE:  # measure there, interpolate again
        points = sorted(points + [(gain, measure_gains(speech, [gain], limit)[0])])
        gain = interpolate(points, integrated)
    return gain


SPREAD = (4.0, 10.0)  # dB: most voices need a gain near this range; the encoded result is checked anyway
EXTRAPOLATE = 3.0  # dB outside SPREAD that a gain may be extrapolated without measuring it


def interpolate(points: list[tuple[float, float]], integrated: float) -> float:
    """Return the gain at which the measured (gain, loudness) points reach `integrated`, linearly."""
    below = [p for p in points if p[1] <= integrated]
    above = [p for p in points if p[1] > integrated]
    if below and above:
        (g1, l1), (g2, l2) = below[-1], above[0]
    else:
        (g1, l1), (g2, l2) = (points[-2], points[-1]) if below else (points[0], points[1])
    slope = max(0.2, (l2 - l1) / (g2 - g1)) if g2 != g1 else 1.0
    return g1 + (integrated - l1) / slope


def measure_gains(speech: Speech, gains: list[float], limit: float) -> list[float]:
    """Return the loudness of `speech` after each gain and the limiter, all measured in one ffmpeg pass."""
    branches = [f"[in{i}]{filters(g, limit, rate=None)},{METER},{BATCHED}[out{i}]" for i, g in enumerate(gains)]
    split = f"asetnsamples=n=22050:p=0,asplit={len(gains)}" + "".join(f"[in{i}]" for i in range(len(gains)))
    graph = ";".join([split] + branches)
    outputs = [arg for i in range(len(gains)) for arg in ("-map", f"[out{i}]", "-f", "null", "-")]
    _, report = ffmpeg.run_logged(input_args(speech) + ["-filter_complex", graph, *outputs], speech.pcm,
                                  what="measuring loudness")
    return parse_all(report)


def filters(gain: float, limit: float, rate: int | None = RATE) -> str:
    """Return the ffmpeg filter chain that resamples to `rate`, applies `gain` dB and limits peaks to `limit` dBFS.

    Limiting at the output rate rather than a voice's 22 or 24 kHz keeps inter-sample peaks small.
    """
    chain = f"volume={gain:.2f}dB,alimiter=limit={10 ** (limit / 20):.4f}:attack=5:release=50:level=false"
    return (f"aresample={rate}," if rate else "") + chain


METER = "ebur128=framelog=verbose"  # integrated loudness only: true-peak metering costs 3× the time
# ffmpeg ≥ 7 hands every frame from thread to thread; for a measurement that goes nowhere, larger frames
# (p=0: the last one not padded) save a third of the handing over (futex calls), 10-30 % of the run
BATCHED = "asetnsamples=n=65536:p=0"


def input_args(speech: Speech) -> list[str]:
    return ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0"]


def parse(report: str) -> float:
    """Return the integrated loudness in the summary that ffmpeg's ebur128 filter logs at the end."""
    return parse_all(report)[-1]


def parse_all(report: str) -> list[float]:
    """Return the integrated loudness of every ebur128 summary in an ffmpeg log, in filter order."""
    pairs = re.findall(r"\[Parsed_ebur128_(\d+)[^\]]*\] Summary:\s+Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS",
                       report)
    if not pairs:
        raise EditionError("ffmpeg's loudness meter printed no summary")
    last = {int(index): float(value) for index, value in pairs}  # a filter may log a summary twice; the last counts
    return [last[index] for index in sorted(last)]
