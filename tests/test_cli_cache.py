"""`audio-edition cache` and `cache prune`."""

from __future__ import annotations

import shutil


def test_cache_size_and_prune_keeps_what_editions_use(cli, articles, tmp_path):
    out = tmp_path / "out"
    cache = tmp_path / "c"
    article = tmp_path / "a.txt"
    shutil.copy(articles / "questions-and-leftovers.txt", article)
    assert cli("build", article, "-o", out / "a.mp3", "--engine", "espeak", "--cache-dir", cache).exit_code == 0
    shown = cli("cache", "--cache-dir", cache)
    assert shown.exit_code == 0
    files = len(list(cache.glob("??/*")))
    assert shown.stdout.startswith(f"{cache}: {files} files, ")
    article.write_text(article.read_text(encoding="utf-8").replace("Das ist unklar.", "Niemand weiß es."),
                       encoding="utf-8")
    assert cli("build", article, "-o", out / "a.mp3", "--cache-dir", cache).exit_code == 0
    # the old sentence, the old encoded section (audio + cue times) and the old paragraph's sentence split
    dry = cli("cache", "prune", "--cache-dir", cache, "--keep-for", out, "--dry-run")  # the option after `prune` too
    assert dry.stdout.startswith("Would remove 4 files")
    pruned = cli("cache", "--cache-dir", cache, "prune", "--keep-for", out)
    assert pruned.stdout.startswith("Removed 4 files") and pruned.stdout.rstrip().endswith("kept what 1 editions use")
    again = cli("build", article, "-o", out / "a.mp3", "--cache-dir", cache)
    assert ", 0 chunks synthesised," in again.stdout


def test_prune_refuses_a_missing_folder(cli, tmp_path):
    result = cli("cache", "--cache-dir", tmp_path, "prune", "--keep-for", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no such folder: {tmp_path / 'nope'}\n"
