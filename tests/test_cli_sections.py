"""`audio-edition sections`: the plan a person checks before synthesis."""

from __future__ import annotations

import subprocess
import sys


def test_json_plan_of_the_seed(plan, seed):
    data = plan(seed)
    assert data["title"] == "Twitter greift Microsoft wegen angeblichen Missbrauchs von Twitter-Daten an"
    assert [s["title"] for s in data["sections"]] == [
        "Elon Musk betont seine Haltung zur Meinungsfreiheit auf Twitter",
        "Twitter beschuldigt Microsoft des Missbrauchs von Twitter-Daten",
        "Elon Musk kämpft gegen OpenAI und Microsoft",
        "Der Geldaspekt ist für Elon Musk nicht die Priorität",
    ]
    for section in data["sections"]:
        assert "[ad_1]" not in section["text"] and "Quelle" not in section["text"]
        assert section["text"].startswith(("In einem", "Twitter hat", "Der Streit", "Aber wie"))


def test_text_plan_lists_titles_sizes_and_previews(cli, seed):
    result = cli("sections", seed)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Twitter greift Microsoft wegen angeblichen Missbrauchs von Twitter-Daten an"
    assert lines[1] == "  1. Elon Musk betont seine Haltung zur Meinungsfreiheit auf Twitter  (721 chars)"
    assert lines[2].strip().startswith("In einem Interview mit CNBC")


def test_format_override_reads_a_txt_file_as_markdown(plan, tmp_path):
    notes = tmp_path / "notiz.txt"
    notes.write_text("# Wahl in Hessen\n\nDie Wahl ist entschieden.\n\n## Reaktionen\n\nAlle sind *zufrieden*.\n")
    assert plan(notes)["title"] == "# Wahl in Hessen"
    data = plan(notes, "--format", "markdown")
    assert data["title"] == "Wahl in Hessen"
    assert [s["title"] for s in data["sections"]] == ["Wahl in Hessen", "Reaktionen"]
    assert data["sections"][1]["text"] == "Alle sind zufrieden."


def test_cp1252_notice_goes_to_stderr(cli, articles):
    result = cli("sections", articles / "cp1252-crlf.txt")
    assert result.exit_code == 0
    assert result.stderr == "Note: cp1252-crlf.txt is not UTF-8; read it as Windows-1252\n"


def test_missing_file_is_a_usage_error(cli, tmp_path):
    result = cli("sections", tmp_path / "nope.txt")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr
    assert result.stderr.rstrip().endswith("(see 'audio-edition sections -h')")


def test_directory_is_a_usage_error(cli, tmp_path):
    result = cli("sections", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_empty_file_is_one_line_error(cli, tmp_path):
    empty = tmp_path / "leer.txt"
    empty.write_bytes(b"")
    result = cli("sections", empty)
    assert result.exit_code == 1
    assert result.stderr == "Error: leer.txt: the file is empty\n"


def test_binary_file_is_one_line_error_without_traceback(tmp_path):
    binary = tmp_path / "bild.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    proc = subprocess.run([sys.executable, "-m", "audio", "sections", str(binary)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == "Error: bild.md: this looks like a binary file, not an article (text or Markdown)\n"
    assert "Traceback" not in proc.stderr


def test_help_and_version(cli):
    assert cli("-h").exit_code == 0
    assert "Example:" in cli("sections", "--help").stdout
    assert cli("--version").stdout.startswith("audio-edition, version ")


def test_spoken_shows_a_voices_own_lexicon_entries_when_named(cli, seed):
    """article/lexicon.txt limits `Musk = Mask` to espeak and piper: Google's voice says Musk by itself."""
    plain = cli("sections", seed, "--spoken")
    espeak = cli("sections", seed, "--spoken", "--engine", "espeak")
    assert plain.exit_code == espeak.exit_code == 0
    assert "Musk hat wiederholt betont" in plain.stdout and "Mask" not in plain.stdout
    assert "Mask hat wiederholt betont" in espeak.stdout
