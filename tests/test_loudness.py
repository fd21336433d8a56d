"""Loudness: every edition at the podcast target, measured by ffmpeg's EBU R128 meter."""

from __future__ import annotations

import shutil

import pytest
from media import ebur128, ffprobe

from audio import manifest


def test_seed_edition_is_at_minus_16_lufs_with_peaks_below_minus_1(seed_edition_path):
    integrated, peak = ebur128(seed_edition_path)
    assert abs(integrated - -16) <= 1
    assert peak <= -1


def test_sections_made_in_different_runs_match(cli, seed, tmp_path):
    article = tmp_path / "a.txt"
    shutil.copy(seed, article)
    out = tmp_path / "e.mp3"
    args = ("build", article, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert cli(*args).exit_code == 0
    article.write_text(article.read_text(encoding="utf-8").replace(
        "Außerdem habe Microsoft die Twitter-Daten ohne Erlaubnis an Regierungsbehörden weitergegeben.",
        "AUSSERDEM habe Microsoft die Daten weitergegeben!!! Das ist ein Skandal, sagen Kritiker laut."),
        encoding="utf-8")
    assert cli(*args).exit_code == 0
    levels = [ebur128(out, c["start_time"], float(c["end_time"]) - float(c["start_time"]))[0]
              for c in ffprobe(out)["chapters"]]
    assert max(levels) - min(levels) <= 1.0, levels


@pytest.mark.parametrize("target", ["-20", "-14"])
def test_loudness_option_sets_the_target(cli, articles, tmp_path, target):
    out = tmp_path / "e.mp3"
    result = cli("build", articles / "questions-and-leftovers.txt", "-o", out, "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--loudness", target)
    assert result.exit_code == 0
    integrated, peak = ebur128(out)
    assert abs(integrated - float(target)) <= 1
    assert peak <= -1
    assert manifest.load(tmp_path / "e.json").duration > 10
