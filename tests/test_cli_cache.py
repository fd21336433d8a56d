"""`audio-edition cache` and `cache prune`."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time


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
    # the old sentence, the old encoded section (audio + cue times), the old paragraph's sentence split and
    # what it was said as
    dry = cli("cache", "prune", "--cache-dir", cache, "--keep-for", out, "--dry-run")  # the option after `prune` too
    assert dry.stdout.startswith("Would remove 5 files")
    pruned = cli("cache", "--cache-dir", cache, "prune", "--keep-for", out)
    assert pruned.stdout.startswith("Removed 5 files") and pruned.stdout.rstrip().endswith("kept what 1 editions use")
    again = cli("build", article, "-o", out / "a.mp3", "--cache-dir", cache)
    assert ", 0 chunks synthesised," in again.stdout


def test_prune_refuses_a_missing_folder(cli, tmp_path):
    result = cli("cache", "--cache-dir", tmp_path, "prune", "--keep-for", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no such folder: {tmp_path / 'nope'}\n"


def test_prune_refuses_a_folder_that_is_not_a_cache_and_deletes_nothing(cli, tmp_path):
    # a wrong --cache-dir: a project with two-letter folders, and a link to another folder
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "go").mkdir(parents=True)
    (project / "go" / "main.go").write_text("package main\n")
    (project / "ab").mkdir()
    (project / "ab" / "notes.txt").write_text("meine Notizen\n")
    elsewhere.mkdir()
    (elsewhere / ("cd" * 32 + ".wav")).write_text("not yours\n")
    (project / "cd").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "out").mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli("cache", "prune", "--cache-dir", project, "--keep-for", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {project} is not an audio-edition cache (no CACHEDIR.TAG")
    assert len(result.stderr.splitlines()) == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (project / "CACHEDIR.TAG").exists()


def test_prune_touches_only_its_own_entries_and_never_follows_links(cli, articles, tmp_path):
    out, cache, outside = tmp_path / "out", tmp_path / "c", tmp_path / "outside"
    built = cli("build", articles / "no-headings.txt", "-o", out / "a.mp3", "--engine", "espeak", "--cache-dir", cache)
    assert built.exit_code == 0
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    used = sorted(cache.glob("??/*"))
    outside.mkdir()
    victim = outside / ("ef" * 32 + ".mp3")
    victim.write_bytes(b"precious")
    (cache / "ef").symlink_to(outside, target_is_directory=True)  # a shard folder that is a link
    shard = used[0].parent
    (shard / (shard.name + "0" * 62 + ".wav")).symlink_to(victim)  # an entry name that is a link
    (shard / "notes.txt").write_text("mine")  # not a name the cache gives
    unused = cache / "12" / ("12" * 32 + ".wav")
    unused.parent.mkdir()
    unused.write_bytes(b"RIFF old entry")
    left, writing = (cache / "12" / f".{'12' * 32}.wav.{name}.tmp" for name in ("k1l2m3n4", "a9b8c7d6"))
    left.write_bytes(b"half")  # what a killed build left two hours ago
    os.utime(left, (time.time() - 7200,) * 2)
    writing.write_bytes(b"half")  # what a build is writing now
    result = cli("cache", "prune", "--cache-dir", cache, "--keep-for", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Removed 2 files")
    assert not unused.exists() and not left.exists() and writing.exists()
    assert victim.read_bytes() == b"precious" and (cache / "ef").is_symlink()
    assert (shard / "notes.txt").exists() and (shard / (shard.name + "0" * 62 + ".wav")).is_symlink()
    assert all(path.exists() for path in used)


def test_prune_tags_an_untagged_cache_made_before_the_tag(cli, articles, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "c"
    assert cli("build", articles / "no-headings.txt", "-o", out / "a.mp3", "--engine", "espeak",
               "--cache-dir", cache).exit_code == 0
    (cache / "CACHEDIR.TAG").unlink()
    result = cli("cache", "prune", "--cache-dir", cache, "--keep-for", out)
    assert result.exit_code == 0 and result.stdout.startswith("Removed 0 files")
    assert (cache / "CACHEDIR.TAG").is_file()


@contextlib.contextmanager
def read_only(folder):
    """Make `folder` and everything in it unwritable, even for root (an immutable flag), for the block."""
    paths = [folder, *folder.rglob("*")]
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
    else:
        for path in paths:
            path.chmod(path.stat().st_mode & ~0o222)
    try:
        yield folder
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        else:
            for path in paths:
                path.chmod(path.stat().st_mode | 0o200)


def test_a_read_only_cache_still_builds_with_a_note(cli, articles, tmp_path):
    """A cache that cannot be written (read-only media, a shared cache) is read; what the build makes is kept in
    memory for the build, and the edition is written."""
    article, out, cache = tmp_path / "a.txt", tmp_path / "out", tmp_path / "c"
    shutil.copy(articles / "questions-and-leftovers.txt", article)
    assert cli("build", article, "-o", out / "a.mp3", "--engine", "espeak", "--cache-dir", cache).exit_code == 0
    entries = sorted(cache.rglob("*"))
    with read_only(cache):
        unchanged = cli("build", article, "-o", out / "a.mp3", "--cache-dir", cache)
        assert unchanged.exit_code == 0, unchanged.stderr
        assert ", 0 chunks synthesised," in unchanged.stdout
        assert unchanged.stderr.startswith(f"Note: the cache folder {cache} cannot be written (")  # why, as the OS says
        assert unchanged.stderr.endswith("); building without keeping anything in it\n")
        article.write_text(article.read_text(encoding="utf-8").replace("Das ist unklar.", "Niemand weiß es."),
                           encoding="utf-8")
        edited = cli("build", article, "-o", out / "a.mp3", "--cache-dir", cache)
        assert edited.exit_code == 0, edited.stderr
        assert ", 1 chunks synthesised," in edited.stdout
    assert sorted(cache.rglob("*")) == entries  # nothing was written into it
    assert "Niemand weiß es." in (out / "a.vtt").read_text(encoding="utf-8")
