"""Rebuilding after edits: only what changed is synthesised, and the report says what changed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from media import ffprobe, summary_of

from audio.edition import manifest
from audio.podcast import feed

SECTION_2 = "Twitter beschuldigt Microsoft des Missbrauchs von Twitter-Daten"
SECTION_4 = "Der Geldaspekt ist für Elon Musk nicht die Priorität"


@pytest.fixture
def edition(tmp_path, seed, cli):
    """A copy of the seed article with its edition built once; returns (article, build)."""
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)

    def build(*extra):
        return cli("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir",
                   tmp_path / "c", *extra)

    first = build()
    assert first.exit_code == 0, first.output
    return article, build


def edit(article, old, new):
    text = article.read_text(encoding="utf-8")
    assert old in text
    article.write_text(text.replace(old, new), encoding="utf-8")


def chapter_titles(path):
    return [c["tags"]["title"] for c in ffprobe(path)["chapters"]]


def test_editing_one_sentence_synthesises_only_that_sentence(edition, tmp_path):
    article, build = edition
    before = manifest.load(tmp_path / "e.json")
    edit(article, "In einigen Fällen habe Microsoft mehr Twitter-Daten genutzt, als es sollte.",
         "In manchen Fällen habe Microsoft deutlich mehr Twitter-Daten genutzt, als vereinbart war.")
    result = build()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"changed  {SECTION_2}"
    summary = summary_of(lines[1])
    assert (summary["changed"], summary["of"], summary["synthesised"]) == ("1", "4", "1")
    after = manifest.load(tmp_path / "e.json")
    assert [s.title for s in after.sections] == [s.title for s in before.sections]
    assert after.sections[0].duration == before.sections[0].duration
    assert after.sections[2].duration == before.sections[2].duration
    assert after.sections[1].duration != before.sections[1].duration
    assert after.sections[2].start - before.sections[2].start == pytest.approx(
        after.sections[1].duration - before.sections[1].duration, abs=0.002)
    chapters = ffprobe(tmp_path / "e.mp3")["chapters"]
    assert [float(c["start_time"]) for c in chapters] == pytest.approx([s.start for s in after.sections], abs=0.002)


def test_adding_a_section(edition, tmp_path):
    article, build = edition
    edit(article, "\n\nQuelle", "\n\nWie reagieren die Anleger?\n\nDie Aktie fiel am Abend. Analysten bleiben gelassen.\n\nQuelle")
    result = build()
    assert result.stdout.splitlines()[0] == "added    Wie reagieren die Anleger?"
    summary = summary_of(result.stdout)
    assert (summary["changed"], summary["synthesised"]) == ("1", "3")
    assert chapter_titles(tmp_path / "e.mp3")[-1] == "Wie reagieren die Anleger?"


def test_removing_a_section_synthesises_nothing(edition, tmp_path):
    article, build = edition
    text = article.read_text(encoding="utf-8")
    article.write_text(text[: text.index(SECTION_4)] + "Quelle", encoding="utf-8")
    result = build()
    assert result.stdout.splitlines()[0] == f"removed  {SECTION_4}"
    summary = summary_of(result.stdout)
    assert (summary["changed"], summary["of"], summary["removed"], summary["synthesised"]) == ("0", "3", "1", "0")
    assert len(chapter_titles(tmp_path / "e.mp3")) == 3


def test_renaming_a_heading(edition, tmp_path):
    article, build = edition
    edit(article, "\n" + SECTION_2 + "\n", "\nDer Vorwurf: Datenmissbrauch\n")
    result = build()
    assert result.stdout.splitlines()[0] == f"renamed  {SECTION_2} → Der Vorwurf: Datenmissbrauch"
    assert summary_of(result.stdout)["synthesised"] == "1"
    assert chapter_titles(tmp_path / "e.mp3")[1] == "Der Vorwurf: Datenmissbrauch"


def test_swapping_two_sections_reports_the_move(edition, tmp_path):
    article, build = edition
    text = article.read_text(encoding="utf-8")
    third = text.index("Elon Musk kämpft gegen OpenAI und Microsoft")
    fourth, end = text.index(SECTION_4), text.rindex("Quelle")
    article.write_text(text[:third] + text[fourth:end].rstrip() + "\n\n" + text[third:fourth] + text[end:],
                       encoding="utf-8")
    result = build()
    assert result.exit_code == 0, result.output
    report = result.stdout.splitlines()
    assert report[0] in (f"moved    {SECTION_4}", "moved    Elon Musk kämpft gegen OpenAI und Microsoft")
    assert not report[1].startswith("moved")  # one of the two changed places, the rest kept their order
    assert summary_of(result.stdout)["synthesised"] == "0"
    assert chapter_titles(tmp_path / "e.mp3")[2:] == [SECTION_4, "Elon Musk kämpft gegen OpenAI und Microsoft"]


def test_dry_run_reports_without_writing(edition, tmp_path):
    article, build = edition
    mp3 = tmp_path / "e.mp3"
    stamp = (mp3.stat().st_mtime_ns, (tmp_path / "e.json").read_bytes())
    edit(article, "Es ist schwer zu sagen", "Es ist kaum zu sagen")
    result = build("--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "changed  Elon Musk kämpft gegen OpenAI und Microsoft",
        f"Dry run for {mp3}: 1 of 4 sections changed, 1 chunks to synthesise, "
        f"{len([c for s in manifest.load(tmp_path / 'e.json').sections for c in s.chunks]) - 1} reused, "
        "voice espeak (de, offline); nothing written",
    ]
    assert (mp3.stat().st_mtime_ns, (tmp_path / "e.json").read_bytes()) == stamp


def test_unchanged_rebuild_reports_no_section(edition):
    _, build = edition
    result = build()
    assert summary_of(result.stdout)["changed"] == "0"
    assert len(result.stdout.splitlines()) == 1


def command(*args):
    return [sys.executable, "-m", "audio", *map(str, args)]


def test_a_killed_build_loses_nothing_and_the_old_edition_stays(tmp_path, seed, google):
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)
    out = tmp_path / "e.mp3"
    args = command("build", article, "-o", out, "--engine", "gtts", "--jobs", "1", "--cache-dir", tmp_path / "c")
    env = {**os.environ}
    assert subprocess.run(args, env=env, capture_output=True).returncode == 0
    old = out.read_bytes()
    article.write_text(article.read_text(encoding="utf-8").replace(".", "!"), encoding="utf-8")
    served = len(google.log.texts)
    google.behaviour.delay = 0.05
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len(google.log.texts) < served + 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    made = len(google.log.texts) - served
    assert 6 <= made < 30
    assert out.read_bytes() == old
    assert len(ffprobe(out)["chapters"]) == 4
    google.behaviour.delay = 0
    finished = subprocess.run(args, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    summary = summary_of(finished.stdout)
    assert int(summary["synthesised"]) == len(google.log.texts) - served - made
    assert int(summary["synthesised"]) <= len(set(google.log.texts[served:])) - 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artikel.txt", "c", "e.chapters.json", "e.html", "e.json", "e.mp3", "e.srt", "e.vtt"]


def test_two_builds_at_once_leave_one_good_edition(tmp_path, seed):
    out = tmp_path / "e.mp3"
    args = command("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait() for p in procs] == [0, 0]
    record = manifest.load(tmp_path / "e.json")
    info = ffprobe(out)
    assert abs(float(info["format"]["duration"]) - record.duration) < 0.05
    assert len(info["chapters"]) == 4
    assert not [p for p in (tmp_path / "c").rglob("*") if p.name.endswith((".tmp", ".part"))]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "e.chapters.json", "e.html", "e.json", "e.mp3", "e.srt", "e.vtt"]


KILL_AFTER_RENAMES = """
import os, signal, sys
folder, after = os.path.realpath(sys.argv[1]), int(sys.argv[2])
real_replace, count = os.replace, [0]
def replace(src, dst, *args, **kwargs):  # kill -9 right after the n-th file is put in place in the folder
    real_replace(src, dst, *args, **kwargs)
    if os.path.dirname(os.path.realpath(dst)) == folder:
        count[0] += 1
        if count[0] == after:
            os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from audio.cli import main
main(sys.argv[3:])
"""


def test_a_build_killed_while_writing_never_publishes_a_mixed_edition(cli, tmp_path):
    article, out = tmp_path / "a.md", tmp_path / "out"
    article.write_text("# Haushalt\n\nDer Rat hat beschlossen.\n\n## Opposition\n\nSie stimmte dagegen.\n",
                       encoding="utf-8")
    args = ["build", str(article), "-o", str(out / "a.mp3"), "--engine", "espeak", "--cache-dir", str(tmp_path / "c")]
    assert cli(*args).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    article.write_text(article.read_text(encoding="utf-8") + "\n## Neu\n\nEin neuer Abschnitt.\n", encoding="utf-8")

    def published() -> list[tuple[list[str], list[str]]]:
        """Chapter titles of each edition the feed offers, as its manifest says and as the audio has them."""
        return [([s.title for s in record.sections], [c["tags"]["title"] for c in ffprobe(audio)["chapters"]])
                for record, audio in feed.editions(out)]

    for after in range(1, 7):  # the audio, four sidecars, the manifest
        for path in out.iterdir():
            path.unlink()
        for name, data in first.items():
            (out / name).write_bytes(data)
        killed = subprocess.run([sys.executable, "-c", KILL_AFTER_RENAMES, str(out), str(after), *args],
                                capture_output=True, text=True, timeout=120)
        assert killed.returncode == -9, killed.stderr
        for said, heard in published():
            assert said == heard, f"killed after {after} renames: the feed offers a manifest of another audio"
        again = cli(*args)
        assert again.exit_code == 0
        # said once when the audio is not what the manifest describes; 6: the manifest was in place
        assert (again.stderr + again.stdout).count("was cut short") == (1 if after < 6 else 0)
        assert [name for name in os.listdir(out) if name.startswith(".")] == []
        assert published() == [(["Haushalt", "Opposition", "Neu"],) * 2]


def test_a_build_removes_the_temporary_files_of_killed_builds_of_its_edition_only(cli, articles, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ours = [out / ".a.k2j4_x9q.mp3.part", out / ".a.json.abcd1234.tmp", out / ".a.vtt.zz99yy88.tmp"]
    stage = out / ".a.mp3.0123456789abcdef.part"
    others = [out / ".b.k2j4_x9q.mp3.part", out / ".a.b.k2j4_x9q.mp3.part", out / ".a.mp3.notes", out / "a.notes"]
    stage.mkdir()
    (stage / "a.mp3").write_bytes(b"half")
    work, keep = out / ".a.x1y2z3_4", out / ".a.mine1234"  # an older build's M4B work folder; a folder of the user's
    work.mkdir()
    (work / "0.mp3").write_bytes(b"attempt")
    (work / "metadata.txt").write_text(";FFMETADATA1")
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    for path in ours + others:
        path.write_bytes(b"x")
    result = cli("build", articles / "no-headings.txt", "-o", out / "a.mp3", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0
    assert not any(path.exists() for path in ours) and not stage.exists() and not work.exists()
    assert all(path.exists() for path in others) and (keep / "notes.txt").exists()


PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title></head><body>
<article><h1>{title}</h1><p>{text} Das ist der erste Absatz des Artikels, mit einem zweiten Satz darin.</p>
<p>Ein weiterer Absatz folgt hier. Auch er hat zwei Sätze.</p></article></body></html>"""


def test_another_page_of_the_same_name_is_refused_not_built_over_it(cli, tmp_path, web):
    first = web.page("/a.html", PAGE.format(title="Über die Brücke", text="Die alte Brücke ist gesperrt."))
    second = web.page("/b.html", PAGE.format(title="Ueber die Bruecke", text="Eine neue Brücke wird gebaut."))
    build = ("build", "--engine", "espeak", "--output-dir", tmp_path / "out", "--cache-dir", tmp_path / "c")
    assert cli(*build[:1], first, *build[1:]).exit_code == 0
    output = tmp_path / "out" / "ueber-die-bruecke.mp3"
    before = output.read_bytes(), manifest.path_for(output).read_bytes()
    refused = cli(*build[:1], second, *build[1:])
    assert refused.exit_code == 1
    error = refused.stderr.strip()
    assert "\n" not in error and first in error and second in error and "--replace" in error
    assert (output.read_bytes(), manifest.path_for(output).read_bytes()) == before
    replaced = cli(*build[:1], second, *build[1:], "--replace")  # on purpose
    assert replaced.exit_code == 0, replaced.output
    assert manifest.load(manifest.path_for(output)).article == second


def test_another_file_of_the_same_name_is_refused_and_the_same_file_is_an_edit(cli, tmp_path, monkeypatch):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.txt").write_text(f"Artikel {folder}\n\nEin Satz aus {folder}. Noch einer.\n",
                                                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    build = ("--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert cli("build", "a/index.txt", *build).exit_code == 0
    refused = cli("build", "b/index.txt", *build)
    assert refused.exit_code == 1 and "a/index.txt" in refused.stderr and "b/index.txt" in refused.stderr
    assert "Artikel a" in (tmp_path / "output" / "index.json").read_text(encoding="utf-8")
    # the same file, named another way, from another folder: an edit
    (tmp_path / "a" / "index.txt").write_text("Artikel a\n\nEin neuer Satz aus a. Noch einer.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "a")
    edited = cli("build", tmp_path / "a" / "index.txt", "-o", tmp_path / "output" / "index.mp3", *build)
    assert edited.exit_code == 0, edited.stderr
    assert summary_of(edited.stdout)["synthesised"] == "1"


def test_a_preview_holds_only_what_the_edit_synthesised(edition, tmp_path):
    article, build = edition
    edit(article, "In einigen Fällen habe Microsoft mehr Twitter-Daten genutzt, als es sollte.",
         "In manchen Fällen habe Microsoft deutlich mehr Twitter-Daten genutzt, als vereinbart war.")
    preview = tmp_path / "vorschau.mp3"
    result = build("--preview", preview)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Wrote {preview}: the 1 chunks synthesised anew"
    record = manifest.load(tmp_path / "e.json")
    chunk = next(c for s in record.sections for c in s.chunks if c.text.startswith("In manchen Fällen"))
    seconds = float(ffprobe(preview)["format"]["duration"])
    assert chunk.end - chunk.start < seconds < chunk.end - chunk.start + 2.5  # the sentence between two silences
    result = build("--preview", preview)  # nothing new to hear
    assert result.stdout.splitlines()[-1] == "No preview: nothing was synthesised anew"
    assert not preview.exists()


def test_a_first_build_makes_no_preview(cli, articles, tmp_path):
    result = cli("build", articles / "no-headings.txt", "-o", tmp_path / "n.mp3", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--preview", tmp_path / "p.mp3")
    assert result.exit_code == 0 and result.stdout.splitlines()[-1].startswith("No preview: a first build")
    assert not (tmp_path / "p.mp3").exists()
