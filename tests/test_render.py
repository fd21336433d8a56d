"""Stitching and encoding: pauses, trimming, whole MP3 frames."""

from __future__ import annotations

import pytest

from audio.errors import EditionError
from audio.sound import ffmpeg
from audio.sound.clip import Speech
from audio.sound.render import EncodedSection, Pauses, count_mp3_frames, join, mp3_args, section_audio, trim_silence

RATE = 22050


def tone(seconds: float, lead: float = 0.0, tail: float = 0.0) -> Speech:
    """A square wave with silence around it, as a voice's clip has."""
    period = b"\x00\x20" * 25 + b"\x00\xe0" * 25
    body = (period * int(seconds * RATE / 50 + 1))[: 2 * int(seconds * RATE)]
    return Speech(bytes(2 * int(lead * RATE)) + body + bytes(2 * int(tail * RATE)), RATE)


def encode_mp3(speech: Speech, bitrate_kbps: int) -> EncodedSection:
    """A section encoded as the build encodes it, without the loudness search."""
    data = ffmpeg.run(mp3_args(speech.sample_rate, bitrate_kbps), speech.pcm)
    return EncodedSection(data, count_mp3_frames(data))


def test_trim_removes_the_voice_own_silence():
    trimmed = trim_silence(tone(1.0, lead=0.3, tail=0.5))
    assert abs(len(trimmed) / 2 / RATE - 1.0) < 0.011


def test_pauses_follow_each_clip_and_cues_mark_the_speech():
    audio, cues = section_audio([tone(1.0, lead=0.2), tone(0.5, tail=0.2)], ["paragraph", "section"],
                                Pauses(paragraph=0.8, section=1.5))
    assert abs(audio.duration - (1.0 + 0.8 + 0.5 + 1.5)) < 0.02
    assert cues[0][0] == 0 and abs(cues[1][0] - 1.8) < 0.02 and abs(cues[1][1] - 2.3) < 0.02


def test_mixed_sample_rates_are_refused():
    with pytest.raises(EditionError):
        section_audio([tone(0.2), Speech(b"\x00\x10" * 100, 24000)], ["sentence", "section"], Pauses())


def test_encoded_sections_join_into_exact_durations():
    first = encode_mp3(tone(1.0), 64)
    second = encode_mp3(tone(2.5), 64)
    assert count_mp3_frames(join([first, second])) == first.frames + second.frames
    assert 1.0 < first.duration < 1.1 and 2.5 < second.duration < 2.6


def test_frame_count_refuses_what_is_not_whole_frames():
    data = encode_mp3(tone(0.5), 64).mp3
    with pytest.raises(EditionError, match="middle of a frame"):
        count_mp3_frames(data[:-10])
    with pytest.raises(EditionError, match="not an MPEG-1 Layer III frame"):
        count_mp3_frames(b"ID3" + data)
