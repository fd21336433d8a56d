"""`audio-edition check`: short espeak editions heard by the real Whisper "base" model.

The model comes from the package registry through scripts/setup --test (.cache/models/whisper-base); it is
loaded once per session (the recogniser keeps a loaded model), and the editions are a few short sentences.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from audio.edition import manifest

ARTICLE = """Der Hafen

In Hamburg regnet es heute den ganzen Tag.

Der Bürgermeister von Hamburg spricht am Abend.

Viele Menschen fahren am Wochenende nach Hamburg.
"""
RESPELLED = "Hamburg = Kartoffelsalat\n"  # a lexicon line that makes the voice say an unrelated word


def build(cli, folder, lexicon: str | None = None, text: str = ARTICLE):
    """Build the article in `folder` with espeak (and `lexicon.txt` beside it); return the edition's audio."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hafen.txt").write_text(text, encoding="utf-8")
    if lexicon is not None:
        (folder / "lexicon.txt").write_text(lexicon, encoding="utf-8")
    result = cli("build", folder / "hafen.txt", "-o", folder / "hafen.mp3", "--engine", "espeak", "--cache-dir",
                 folder / "cache", "--sidecars", "none")
    assert result.exit_code == 0, result.output
    return folder / "hafen.mp3"


def check(cli, audio, model, *extra):
    result = cli("check", audio, "--model", model, "--cache-dir", audio.parent / "cache", *extra)
    return result


def starts_of(audio, word: str) -> list[float]:
    """Return the start of every sentence of the edition that has `word`, from its manifest."""
    record = manifest.load(manifest.path_for(audio))
    return [c.start for s in record.sections for c in s.chunks if word in c.text]


@pytest.fixture(scope="module")
def editions(tmp_path_factory, whisper_model):
    """The article built twice: as written, and with a lexicon line that respells `Hamburg`."""
    from click.testing import CliRunner

    from audio.cli import main

    def cli(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    root = tmp_path_factory.mktemp("check")
    return {"plain": build(cli, root / "plain"), "respelled": build(cli, root / "respelled", RESPELLED)}


def test_a_respelled_name_is_flagged_at_every_occurrence_with_its_times(cli, editions, whisper_model):
    audio = editions["respelled"]
    result = check(cli, audio, whisper_model, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found = {w["word"]: w for w in report["words"]}
    assert "Hamburg" in found, report
    hamburg = found["Hamburg"]
    assert hamburg["occurrences"] == 3 and hamburg["misheard"] == 3
    assert hamburg["times"] == pytest.approx(starts_of(audio, "Hamburg"), abs=0.001)
    assert all("hamburg" not in heard.casefold() for heard in hamburg["heard"])
    assert hamburg["suggestion"] == "[espeak] Hamburg = Hamburg"  # said as written, it is heard right
    assert [s["text"] for s in report["sentences"]] == ["Der Hafen", "In Hamburg regnet es heute den ganzen Tag.",
                                                        "Der Bürgermeister von Hamburg spricht am Abend.",
                                                        "Viele Menschen fahren am Wochenende nach Hamburg."]
    assert report["wer"] > 0.1 and report["model"] == str(whisper_model)


def test_the_same_article_without_the_lexicon_line_is_not_flagged(cli, editions, whisper_model):
    result = check(cli, editions["plain"], whisper_model, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "Hamburg" not in [w["word"] for w in report["words"]]
    assert sum("hamburg" in s["heard"].casefold() for s in report["sentences"]) >= 2


def test_the_report_names_the_word_its_times_and_the_worst_sentences(cli, editions, whisper_model):
    result = check(cli, editions["respelled"], whisper_model)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{editions['respelled']}: 4 sentences") and "word error rate" in lines[0]
    hamburg = next(line for line in lines if line.strip().startswith("Hamburg:"))
    from audio.podcast.transcript import clock

    assert "3 of 3 times" in hamburg and hamburg.endswith(" ".join(clock(t) for t in starts_of(editions["respelled"], "Hamburg")))
    advice = lines[lines.index(hamburg) + 1:lines.index(hamburg) + 3]
    assert advice == ["    said as `Kartoffelsalat` by a lexicon line", "    try in lexicon.txt: [espeak] Hamburg = Hamburg"]
    assert "Sentences heard worst:" in result.stdout


def test_fail_over_exits_3_above_the_rate_and_0_below(cli, editions, whisper_model):
    above = check(cli, editions["respelled"], whisper_model, "--fail-over", "0.01")
    assert above.exit_code == 3 and "is above 1.0%" in above.stderr
    below = check(cli, editions["respelled"], whisper_model, "--fail-over", "0.95", "--json")
    assert below.exit_code == 0 and json.loads(below.stdout)["wer"] <= 0.95
    assert check(cli, editions["respelled"], whisper_model, "--fail-over", "2").exit_code == 2  # a usage error


def test_words_limits_the_sentences_heard_and_the_findings(cli, editions, whisper_model):
    result = check(cli, editions["respelled"], whisper_model, "--json", "--words", "hamburg,Abend")
    report = json.loads(result.stdout)
    assert len(report["sentences"]) == 3
    assert [w["word"] for w in report["words"]] == ["Hamburg"]


def test_after_an_edit_only_the_changed_sentence_is_heard_again(cli, tmp_path, whisper_model):
    import audio

    edition = build(cli, tmp_path / "e")
    first = audio.check(edition, model=str(whisper_model), cache_dir=tmp_path / "e" / "cache")
    assert first.heard_now == 4
    again = audio.check(edition, model=str(whisper_model), cache_dir=tmp_path / "e" / "cache")
    assert again.heard_now == 0 and again.as_json() == first.as_json()
    build(cli, tmp_path / "e", text=ARTICLE.replace("am Abend", "am Morgen"))
    edited = audio.check(edition, model=str(whisper_model), cache_dir=tmp_path / "e" / "cache")
    assert edited.heard_now == 1
    changed = [s.text for s, old in zip(edited.sentences, first.sentences) if s.text != old.text]
    assert changed == ["Der Bürgermeister von Hamburg spricht am Morgen."]
    assert [s.heard for s in edited.sentences if s.text not in changed] == \
        [s.heard for s in first.sentences if "Abend" not in s.text]
    result = check(cli, edition, whisper_model)
    assert "4 sentences, 0 heard now" in result.stdout


def test_the_article_or_the_manifest_name_the_edition_too(cli, editions, whisper_model, monkeypatch):
    audio = editions["plain"]
    by_manifest = check(cli, manifest.path_for(audio), whisper_model, "--json")
    by_article = check(cli, audio.parent / "hafen.txt", whisper_model, "--json", "-d", audio.parent)
    assert json.loads(by_manifest.stdout)["sentences"] == json.loads(by_article.stdout)["sentences"]


def test_a_file_that_is_not_an_edition_is_one_line(cli, tmp_path, whisper_model, editions):
    stray = tmp_path / "song.mp3"
    shutil.copy(editions["plain"], stray)
    for path, says in [(stray, "not an edition made by audio-edition"),
                       (tmp_path / "notes.txt", "no edition of it in output"),
                       (tmp_path / "feed.json", "not an edition made by audio-edition")]:
        if not path.exists():
            path.write_text("{}" if path.suffix == ".json" else "Hallo\n", encoding="utf-8")
        result = check(cli, path, whisper_model)
        assert result.exit_code == 1, result.output
        assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_missing_model_is_one_line(cli, editions, tmp_path):
    missing = check(cli, editions["plain"], tmp_path / "no-such-model")
    assert missing.exit_code == 1 and "no such model folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = check(cli, editions["plain"], tmp_path / "empty")
    assert empty.exit_code == 1 and "not a Whisper model folder" in empty.stderr and "model.bin" in empty.stderr


def run_check(audio, *args, env=None):
    """Run `python -m audio check` as its own process (huggingface_hub reads HF_ENDPOINT when imported)."""
    return subprocess.run([sys.executable, "-m", "audio", "check", str(audio), "--cache-dir", str(audio.parent / "cache"),
                           *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_a_model_named_is_fetched_once_from_the_hub_then_used_offline(editions, whisper_model, tmp_path):
    from fake_hub import FakeHub

    with FakeHub(whisper_model) as hub:
        env = {"HF_ENDPOINT": hub.origin, "HF_HOME": str(tmp_path / "hf")}
        fetched = run_check(editions["plain"], "--model", "base", "--json", "--words", "Abend", env=env)
        assert fetched.returncode == 0, fetched.stderr
        assert any(path.endswith("/model.bin") for path in hub.requests)
    assert json.loads(fetched.stdout)["model"] == "base"
    offline = run_check(editions["plain"], "--model", "base", "--words", "Hafen", env=env)  # the hub is gone now
    assert offline.returncode == 0, offline.stderr
    unreachable = run_check(editions["plain"], "--model", "small", env=env)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("Error: could not fetch the speech model 'small'")
    assert len(unreachable.stderr.strip().splitlines()) == 1


def test_without_the_recogniser_installed_check_says_how_to_install_it(editions, tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "faster_whisper.py").write_text("raise ImportError('not installed')\n")
    result = subprocess.run([sys.executable, "-m", "audio", "check", str(editions["plain"]), "--model", "base",
                             "--cache-dir", str(tmp_path / "c")], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(blocker)}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: checking needs the speech recogniser: pip install 'audio-edition[check]'"


def test_any_voice_an_edition_of_a_piper_voice_that_is_gone_is_still_heard(cli, tmp_path, whisper_model):
    from fake_voices import write_voice

    voice = write_voice(tmp_path / "voice" / "de_DE-eigene-medium.onnx")  # beeps in the rhythm of the phonemes
    (tmp_path / "hafen.txt").write_text(ARTICLE, encoding="utf-8")
    built = cli("build", tmp_path / "hafen.txt", "-o", tmp_path / "p.mp3", "--engine", "piper", "--voice", voice,
                "--cache-dir", tmp_path / "cache", "--sidecars", "none")
    assert built.exit_code == 0, built.output
    shutil.rmtree(voice.parent)  # no respelling can be tried, and none is downloaded
    result = check(cli, tmp_path / "p.mp3", whisper_model, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["sentences"]) == 4 and report["wer"] > 0.5  # beeps are not speech
    assert all(w["suggestion"] is None for w in report["words"])
    if any(w["word"] == "Hamburg" for w in report["words"]):  # its respellings were to be tried
        assert "no lexicon lines were tried: the edition's voice cannot speak here (piper has no voice file" in result.stderr
