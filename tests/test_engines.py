"""The voice registry: voices by name, the `auto` policy, `--speed` for every voice, and a voice as one module."""

from __future__ import annotations

import pytest
import tone_voice
from media import ffprobe, summary_of

from audio import engines
from audio.build import BuildOptions, build
from audio.edition import manifest
from audio.errors import EditionError


def duration(path) -> float:
    return float(ffprobe(path)["format"]["duration"])


def test_a_new_voice_is_one_module_and_one_registry_line(articles, tmp_path, monkeypatch):
    monkeypatch.setitem(engines.REGISTRY, "tone", "tone_voice")
    tone_voice.loads.clear()
    options = BuildOptions(output=tmp_path / "t.mp3", engine="tone", cache_dir=tmp_path / "c",
                           voice_settings={"pitch_hz": 880}, sidecars=())
    result = build(articles / "no-headings.txt", options)
    assert result.engine == "tone (880 Hz)"
    assert result.voice_report == f"{result.synthesised} beeps"
    assert len(tone_voice.loads) == 1  # one loaded voice per build, not one per sentence
    assert manifest.load(tmp_path / "t.json").engine == "tone"
    assert ffprobe(tmp_path / "t.mp3")["chapters"]
    # another voice's settings may ride along (the CLI passes them all), but none that no voice has
    build(articles / "no-headings.txt", BuildOptions(**{**options.__dict__, "voice_settings": {"tld": "at"}}))
    with pytest.raises(EditionError, match="no voice has a setting called 'pitch'"):
        build(articles / "no-headings.txt", BuildOptions(**{**options.__dict__, "voice_settings": {"pitch": 1}}))


def test_an_unknown_voice_is_refused_with_close_names():
    with pytest.raises(EditionError, match=r"no voice named 'espek'; did you mean espeak\?"):
        engines.load("espek")


def test_speed_out_of_range_is_refused(cli, articles, tmp_path):
    with pytest.raises(EditionError, match="between 0.5 and 2.0"):
        engines.load("espeak", speed=3)
    result = cli("build", articles / "no-headings.txt", "--engine", "espeak", "--speed", "3", "-o", tmp_path / "x.mp3")
    assert result.exit_code == 2
    assert "--speed" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("engine", ["espeak", "gtts"])
def test_speed_shortens_the_edition_and_switching_back_reuses_the_cache(cli, articles, tmp_path, google, engine):
    def run(speed: str, out: str):
        result = cli("build", articles / "no-headings.txt", "--engine", engine, "--speed", speed,
                     "-o", tmp_path / out, "--cache-dir", tmp_path / "c", "--sidecars", "none")
        assert result.exit_code == 0, result.output
        return summary_of(result.stdout)

    normal = run("1.0", "normal.mp3")
    fast = run("1.5", "fast.mp3")
    assert int(fast["synthesised"]) == int(normal["synthesised"]) > 0  # the speed is part of every chunk's key
    ratio = duration(tmp_path / "fast.mp3") / duration(tmp_path / "normal.mp3")
    assert 0.55 < ratio < 0.85  # the speech 1.5× as fast; the pauses between sentences stay as they are
    requests = len(google.log.texts)
    again = run("1.0", "again.mp3")
    assert int(again["synthesised"]) == 0 and len(google.log.texts) == requests


def test_google_speed_keeps_the_pitch(cli, articles, tmp_path, google):
    """A tempo change, not a faster tape: the voice's fundamental stays where it was."""
    import audioop

    from media import decoded_pcm

    def pitch(path) -> float:  # mean zero crossings per second over the voiced parts, a rough pitch measure
        pcm = decoded_pcm(path, 16000)
        frames = [pcm[i:i + 640] for i in range(0, len(pcm) - 640, 640)]
        voiced = [f for f in frames if audioop.rms(f, 2) > 1000]
        return sum(audioop.cross(f, 2) for f in voiced) / (len(voiced) * 0.02)

    for speed, out in (("1.0", "a.mp3"), ("1.4", "b.mp3")):
        result = cli("build", articles / "no-headings.txt", "--engine", "gtts", "--speed", speed, "-o", tmp_path / out,
                     "--cache-dir", tmp_path / "c", "--sidecars", "none")
        assert result.exit_code == 0, result.output
    assert pitch(tmp_path / "b.mp3") == pytest.approx(pitch(tmp_path / "a.mp3"), rel=0.12)


def test_espeak_gives_a_sentence_the_same_samples_whatever_it_said_before():
    """A cached sentence and the same sentence made afresh in a later build must be the same audio."""
    voice = engines.load("espeak")
    first, second = "Das ist der erste Satz.", "Wie geht es Ihnen heute, Frau Müller?"
    sentence = "Der dritte Satz folgt hier und ist etwas länger."
    voice.synthesize(first)
    after_first = voice.synthesize(sentence).pcm
    voice.synthesize(second)
    after_second = voice.synthesize(sentence).pcm
    again = voice.synthesize(sentence).pcm
    assert after_first == after_second == again
    assert engines.load("espeak", speed=1.3).synthesize(sentence).pcm != after_first  # settings still apply
    assert voice.synthesize(sentence).pcm == after_first  # …and are set again for each sentence
