"""Stitch speech into sections with natural pauses, encode each section once, and join them.

Each section is encoded to MP3 on its own and the encoded sections are joined frame by frame,
without decoding again. A rebuild after an edit therefore encodes only the sections that changed,
and chapter times are exact: a section lasts exactly its number of MP3 frames × 1152 samples.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from audio.errors import EditionError
from audio.sound.clip import Speech
from audio.sound.formats import MP3

with warnings.catch_warnings():  # pydub warns when no ffmpeg is on PATH; we never let it call one
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

SAMPLE_RATE = MP3.sample_rate  # sections are encoded as MP3 at this rate
SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 5


@dataclass(frozen=True)
class Pauses:
    """Seconds of silence after a clause piece, a sentence, a paragraph and a section."""

    clause: float = 0.15
    sentence: float = 0.45
    paragraph: float = 0.9
    section: float = 1.6

    def after(self, kind: str) -> float:
        return getattr(self, kind)


@dataclass(frozen=True)
class EncodedSection:
    """A section as MP3 frames, ready to be joined."""

    mp3: bytes
    frames: int

    @property
    def duration(self) -> float:
        return self.frames * SAMPLES_PER_FRAME / SAMPLE_RATE


def section_audio(
    speeches: list[Speech], pauses_after: list[str], pauses: Pauses
) -> tuple[Speech, list[tuple[float, float]]]:
    """Return the speeches of one section joined with pauses, and where each one starts and ends.

    Each clip is trimmed of the silence its voice leaves around speech, so pauses are exactly
    what `pauses` says and a section's speech begins at its first sample.
    """
    rates = {s.sample_rate for s in speeches}
    if len(rates) != 1:
        raise EditionError("a section mixes voices with different sample rates")
    rate = rates.pop()
    parts, cues, samples = [], [], 0
    for speech, kind in zip(speeches, pauses_after):
        voiced = trim_silence(speech)
        cues.append((samples / rate, (samples + len(voiced) // 2) / rate))
        gap = bytes(2 * round(pauses.after(kind) * rate))
        parts += [voiced, gap]
        samples += (len(voiced) + len(gap)) // 2
    return Speech(b"".join(parts), rate), cues


def trim_silence(speech: Speech) -> bytes:
    """Return the PCM of a clip without the silence a voice leaves before and after speaking."""
    segment = AudioSegment(data=speech.pcm, sample_width=2, frame_rate=speech.sample_rate, channels=1)
    start = detect_leading_silence(segment, silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5)
    end = len(segment) - detect_leading_silence(
        segment.reverse(), silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5
    )
    if end <= start:
        return speech.pcm
    # a few milliseconds of fade keep the cut edges from clicking (and lossy encoders from overshooting there)
    return segment[start:end].fade_in(FADE_MS).fade_out(FADE_MS).raw_data


def mp3_args(sample_rate: int, bitrate_kbps: int, filters: str = "") -> list[str]:
    """Return the ffmpeg arguments that encode mono PCM at `sample_rate` (from stdin), through the ffmpeg
    `filters`, to mono 44.1 kHz CBR MP3 frames without any header (to stdout)."""
    return [
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0", *(["-af", filters] if filters else []),
        "-ar", str(SAMPLE_RATE), "-ac", "1", "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]


def preview_pcm(clips: list[Speech], gap: float = 0.7) -> tuple[bytes, int]:
    """Return the clips one after another, each with `gap` seconds of silence around it, as PCM and its rate
    (what an editor listens to: only what a build said anew)."""
    rate = clips[0].sample_rate
    silence = bytes(2 * round(rate * gap))
    parts = [silence]
    for clip in clips:
        if clip.sample_rate == rate:  # one voice speaks at one rate
            parts += [trim_silence(clip), silence]
    return b"".join(parts), rate


def join(sections: list[EncodedSection]) -> bytes:
    """Return one MP3 stream made of the sections' frames, in order."""
    return b"".join(s.mp3 for s in sections)


MP3_BITRATES_KBPS = {True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0),  # MPEG-1
                     False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0)}  # MPEG-2 and 2.5
MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits


def count_mp3_frames(data: bytes) -> int:
    """Return the number of MPEG-1 Layer III frames in `data`; raise if it is not whole frames."""
    position, frames = 0, 0
    while position < len(data):
        header = int.from_bytes(data[position:position + 4], "big")
        if (header >> 21) != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
            raise EditionError(f"not an MPEG-1 Layer III frame at byte {position}")
        length = mp3_frame_length(header)
        if length is None:
            raise EditionError(f"a damaged MP3 frame header at byte {position}")
        position += length
        frames += 1
    if position != len(data):
        raise EditionError("the MP3 data ends in the middle of a frame")
    return frames


def plausible_frames(data: bytes, frames: int) -> bool:
    """Return True when `frames` constant-bitrate frames like the first one in `data` make its size (with or
    without each one's padding byte): a cheap check of a recorded frame count."""
    length = mp3_frame_length(int.from_bytes(data[:4], "big")) if len(data) >= 4 else None
    if length is None or frames <= 0:
        return False
    unpadded = length - ((int.from_bytes(data[:4], "big") >> 9) & 1)
    return frames * unpadded <= len(data) <= frames * (unpadded + 1)


def mp3_frame_length(header: int) -> int | None:
    """Return the bytes of the Layer III frame (MPEG-1, 2 or 2.5) that a 4-byte header starts, or None for
    bytes that are not a frame header (a free or reserved bitrate, a reserved version or sample rate)."""
    version, rate_index, bitrate_index = (header >> 19) & 3, (header >> 10) & 3, (header >> 12) & 15
    if (header >> 21) != 0x7FF or version == 1 or (header >> 17) & 3 != 1 or rate_index == 3:
        return None
    bitrate = MP3_BITRATES_KBPS[version == 3][bitrate_index] * 1000
    if not bitrate:
        return None
    return (144 if version == 3 else 72) * bitrate // MP3_SAMPLE_RATES[version][rate_index] + ((header >> 9) & 1)
