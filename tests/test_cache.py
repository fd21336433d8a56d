"""The cache: keys from content, whole writes, damaged entries made again."""

from __future__ import annotations

import pytest

from audio.edition.cache import Cache, key
from audio.sound.clip import Speech


def test_key_changes_with_any_part_and_is_stable():
    assert key("chunk", "espeak rate=165", "Hallo.") == key("chunk", "espeak rate=165", "Hallo.")
    assert key("chunk", "espeak rate=165", "Hallo.") != key("chunk", "espeak rate=170", "Hallo.")
    assert key("chunk", "espeak rate=165", "Hallo.") != key("chunk", "espeak rate=165", "Hallo!")


def test_speech_round_trip(tmp_path):
    cache = Cache(tmp_path)
    speech = Speech(b"\x01\x00\x02\x00" * 100, 22050)
    cache.put_speech("ab" * 32, speech)
    assert cache.get_speech("ab" * 32) == speech
    assert cache.get_speech("cd" * 32) is None
    assert [p.name for p in (tmp_path / "ab").iterdir()] == ["ab" * 32 + ".wav"]


def test_truncated_or_garbage_entries_read_as_missing(tmp_path, caplog):
    cache = Cache(tmp_path)
    cache.put_speech("ab" * 32, Speech(b"\x01\x00" * 1000, 22050))
    path = cache.path("ab" * 32, ".wav")
    path.write_bytes(path.read_bytes()[:600])
    assert cache.get_speech("ab" * 32) is None
    path.write_bytes(b"garbage")
    assert cache.get_speech("ab" * 32) is None
    assert "damaged" in caplog.text or "truncated" in caplog.text


def test_damaged_chunk_is_made_again_by_the_next_build(cli, articles, tmp_path):
    args = ("build", articles / "no-headings.txt", "-o", tmp_path / "e.mp3", "--engine", "espeak",
            "--cache-dir", tmp_path / "c")
    assert cli(*args).exit_code == 0
    wavs = sorted((tmp_path / "c").rglob("*.wav"))
    wavs[0].write_bytes(wavs[0].read_bytes()[:100])
    for encoded in (tmp_path / "c").rglob("*.mp3"):
        encoded.unlink()
    again = cli(*args)
    assert again.exit_code == 0
    assert ", 1 chunks synthesised," in again.stdout


def test_a_rebuild_of_seen_text_loads_neither_the_sentence_splitter_nor_the_german_rules(articles, tmp_path):
    """Starting SoMaJo takes a third of a second, loading the rules and num2words a twentieth; a rebuild
    (its own process, as from the command line) of text said before takes what it is said as from the cache."""
    import subprocess
    import sys

    article = articles / "questions-and-leftovers.txt"
    probe = ("import sys, audio; audio.build(sys.argv[1], engine='espeak', output=sys.argv[2], cache_dir=sys.argv[3]); "
             "print(sorted(m for m in ('somajo', 'audio.text.normalise', 'num2words') if m in sys.modules))")
    run = [sys.executable, "-c", probe, str(article), str(tmp_path / "e.mp3"), str(tmp_path / "c")]
    first = subprocess.run(run, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "['audio.text.normalise', 'num2words', 'somajo']"
    again = subprocess.run(run, capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "[]"


@pytest.mark.parametrize("damaged", ["split", "said"])
def test_damaged_text_entries_are_made_again_not_trusted(damaged, articles, tmp_path):
    import audio

    options = dict(engine="espeak", output=tmp_path / "e.mp3", cache_dir=tmp_path / "c", sidecars=())
    first = audio.build(articles / "questions-and-leftovers.txt", **options)
    start = b'["' if damaged == "split" else b'[["'
    entries = [e for e in (tmp_path / "c").rglob("*.json") if e.read_bytes().startswith(start)]
    assert entries
    for entry in entries:
        entry.write_bytes(b"{not json" if damaged == "split" else b'[["only two", "fields"]]')
    if damaged == "split":  # what was said is cached too: without it, the split is needed
        for entry in (tmp_path / "c").rglob("*.json"):
            if entry.read_bytes().startswith(b'[["'):
                entry.unlink()
    again = audio.build(articles / "questions-and-leftovers.txt", **options)
    assert again.synthesised == 0 and again.duration == first.duration
    assert all(entry.read_bytes().startswith(start) for entry in entries)  # made again, whole


@pytest.mark.parametrize("damage", ["cut short", "not mp3", "frames miscounted", "an older manifest"])
def test_a_cached_section_that_the_manifest_does_not_describe_is_checked_or_encoded_again(damage, articles,
                                                                                           tmp_path):
    """The manifest names each section's frames and bytes: an MP3 of another size, or a count that does not fit
    its size, is counted, and encoded again if damaged."""
    import json

    from media import ffprobe

    import audio

    options = dict(engine="espeak", output=tmp_path / "e.mp3", cache_dir=tmp_path / "c", sidecars=())
    first = audio.build(articles / "questions-and-leftovers.txt", **options)
    chapters = ffprobe(tmp_path / "e.mp3")["chapters"]
    record_path = tmp_path / "e.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    described = record["sections"][0]
    [section] = (tmp_path / "c").glob(f"{described['key'][:2]}/{described['key']}.mp3")
    assert described["size"] == section.stat().st_size and described["frames"] > 0
    if damage == "cut short":
        section.write_bytes(section.read_bytes()[:-100])
    elif damage == "not mp3":
        section.write_bytes(b"\0" * section.stat().st_size)
    elif damage == "frames miscounted":
        described["frames"] += 7
    else:  # as builds before manifests named frames wrote it
        del described["frames"], described["size"]
    record_path.write_text(json.dumps(record), encoding="utf-8")
    again = audio.build(articles / "questions-and-leftovers.txt", **options)
    assert again.synthesised == 0 and again.duration == first.duration
    assert ffprobe(tmp_path / "e.mp3")["chapters"] == chapters


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_pipe_a_device_or_deep_json_in_the_cache_is_a_missing_entry_not_a_hang(articles, tmp_path):
    import os
    import subprocess
    import sys

    from media import ffprobe

    command = [sys.executable, "-m", "audio", "build", str(articles / "no-headings.txt"), "-o", str(tmp_path / "e.mp3"),
               "--engine", "espeak", "--cache-dir", str(tmp_path / "c")]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    for number, entry in enumerate(Cache(tmp_path / "c").entries()):
        entry.unlink()
        if entry.suffix == ".json" and number % 2:
            entry.write_bytes(DEEP)
        elif number % 2:
            entry.symlink_to("/dev/zero")
        else:
            os.mkfifo(entry)
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr[-2000:]
    assert "damaged" in again.stderr and float(ffprobe(tmp_path / "e.mp3")["format"]["duration"]) > 3


def test_what_splits_and_says_text_is_found_where_the_fingerprint_of_the_rules_looks():
    """The cached splits and spoken texts are keyed by the code that makes them: each file named must be there,
    or an edit of the rules would go on serving what the old rules said."""
    import importlib.util
    from pathlib import Path

    from audio.edition.plan import RULES

    for package, names in RULES.items():
        folder = Path(importlib.util.find_spec(package).origin).parent
        assert [name for name in names if not (folder / name).exists()] == [], package
