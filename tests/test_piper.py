"""The Piper voice engine, speaking with a tiny real ONNX voice through the real piper-tts runtime."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.engines import piper
from audio.errors import EditionError

TEXT = "Die Bundesregierung hat am Mittwoch ein neues Gesetz beschlossen."


@pytest.fixture
def tiny_voice(tmp_path) -> Path:
    from fake_voices import write_voice

    return write_voice(tmp_path / "de_DE-tiny-medium.onnx")


def engine(voice: Path, speed: float = 1.0, events=None) -> piper.PiperEngine:
    from conftest import RecordedEvents

    return piper.load(piper.Settings(voice=str(voice)), speed, events or RecordedEvents())


def test_it_speaks_german_text_into_pcm_as_long_as_the_text(tiny_voice):
    voice = engine(tiny_voice)
    short, long = voice.synthesize("Guten Tag."), voice.synthesize(TEXT)
    assert short.sample_rate == 22050
    assert 0.2 < short.duration < long.duration
    assert max(abs(int.from_bytes(long.pcm[i:i + 2], "little", signed=True)) for i in range(0, 2000, 2)) > 1000


def test_different_text_sounds_different_and_the_same_text_the_same(tiny_voice):
    voice = engine(tiny_voice)
    assert voice.synthesize(TEXT).pcm == voice.synthesize(TEXT).pcm
    assert voice.synthesize("Heute regnet es in Berlin.").pcm != \
        voice.synthesize("Morgen scheint in Köln die Sonne.").pcm


@pytest.mark.parametrize("speed", [0.8, 1.25, 1.5])
def test_speed_changes_the_duration_as_asked(tiny_voice, speed):
    normal = engine(tiny_voice).synthesize(TEXT).duration
    changed = engine(tiny_voice, speed).synthesize(TEXT).duration
    assert changed == pytest.approx(normal / speed, rel=0.05)


def test_the_speed_scales_the_voices_own_length_scale(tmp_path):
    from fake_voices import write_voice

    slow_voice = write_voice(tmp_path / "slow.onnx", length_scale=1.2)
    assert engine(slow_voice, 1.5).length_scale == pytest.approx(0.8)


def test_the_cache_key_changes_with_speed_voice_and_model(tiny_voice, tmp_path):
    from fake_voices import write_voice

    key = engine(tiny_voice).cache_key()
    assert engine(tiny_voice).cache_key() == key
    assert engine(tiny_voice, 1.25).cache_key() != key
    other = write_voice(tmp_path / "other" / "de_DE-tiny-medium.onnx", pitch=3.0)  # same name, other model
    assert engine(other).cache_key() != key
    from importlib.metadata import version
    assert f"piper-tts {version('piper-tts')}" in key


def test_describe_names_the_voice(tiny_voice):
    assert engine(tiny_voice).describe() == "piper (de_DE-tiny-medium, offline)"


def test_a_file_that_is_not_a_voice_is_one_line(tmp_path, tiny_voice):
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    Path(f"{model}.json").write_bytes(Path(f"{tiny_voice}.json").read_bytes())
    with pytest.raises(EditionError) as error:
        engine(model).synthesize(TEXT)
    assert "could not be loaded" in str(error.value) and "\n" not in str(error.value)
    Path(f"{model}.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EditionError, match="not a Piper voice's .onnx.json"):
        engine(model)


def test_available_only_when_the_voice_is_here(voice_repository, tiny_voice, events):
    from audio.engines import voices

    assert "audio-edition voices download de_DE-thorsten-medium" in piper.available(piper.Settings())
    voices.use("de_DE-thorsten-medium", events)
    assert piper.available(piper.Settings()) is None
    assert piper.available(piper.Settings(voice=str(tiny_voice))) is None
    assert piper.available(piper.Settings(voice="/nowhere/x.onnx")) == "has no voice file /nowhere/x.onnx"


def test_espeak_and_piper_speak_in_one_process_one_after_the_other(tiny_voice):
    from audio.engines.espeak import EspeakEngine

    before = EspeakEngine().synthesize(TEXT)
    voice = engine(tiny_voice)
    spoken = voice.synthesize(TEXT)
    after = EspeakEngine().synthesize(TEXT)
    assert after.pcm == before.pcm and after.duration > 1  # espeak starts afresh for every text
    assert voice.synthesize(TEXT).pcm == spoken.pcm


def test_a_speed_of_zero_is_refused(tiny_voice):
    with pytest.raises(EditionError, match="speed"):
        engine(tiny_voice, 0)


@pytest.mark.parametrize("damage, said", [
    ("nested 100,000 deep", "not a Piper voice's .onnx.json"),
    ("a sample rate of 0", "no usable sample rate (audio.sample_rate is 0"),
    ("a sample rate in words", "no usable sample rate"),
    ("a length scale of 0", "no usable length scale"),
])
def test_voice_settings_that_cannot_work_are_one_line(tmp_path, tiny_voice, damage, said):
    import json

    config = json.loads(Path(f"{tiny_voice}.json").read_text(encoding="utf-8"))
    if damage == "a sample rate of 0":
        config["audio"]["sample_rate"] = 0
    elif damage == "a sample rate in words":
        config["audio"]["sample_rate"] = "fast"
    elif damage == "a length scale of 0":
        config["inference"]["length_scale"] = 0
    text = "[" * 100_000 + "]" * 100_000 if damage == "nested 100,000 deep" else json.dumps(config)
    Path(f"{tiny_voice}.json").write_text(text, encoding="utf-8")
    with pytest.raises(EditionError) as error:
        engine(tiny_voice).synthesize(TEXT)
    assert said in str(error.value) and "\n" not in str(error.value)


def test_the_tests_voice_speaks_at_a_speech_like_level(tiny_voice):
    """Like espeak-ng and Piper's real voices, the tests' voice needs a gain that the loudness search finds in its
    one measuring pass, so a build measures each section once, as with a real voice, and the benchmark's Piper
    row measures our work rather than an extra pass (the voice once needed 23 dB)."""
    from audio.engines.espeak import EspeakEngine
    from audio.sound import loudness

    text = TEXT * 8
    target, limit = loudness.Target().integrated + loudness.CODEC_LOSS, loudness.Target().true_peak - loudness.HEADROOM
    gain = loudness.gain_for(engine(tiny_voice).synthesize(text), target, limit)
    espeak_gain = loudness.gain_for(EspeakEngine().synthesize(text), target, limit)
    assert gain is not None and espeak_gain is not None
    assert min(loudness.SPREAD) - loudness.EXTRAPOLATE <= gain <= max(loudness.SPREAD) + loudness.EXTRAPOLATE
    assert abs(gain - espeak_gain) <= 3
