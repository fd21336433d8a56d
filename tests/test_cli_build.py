"""`audio-edition build`: the seed article becomes one chaptered MP3, with the offline voice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from media import decoded_pcm, ebur128, ffprobe, loudness_rms, onset, summary_of
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audio.edition import manifest

SEED_HEADINGS = [
    "Elon Musk betont seine Haltung zur Meinungsfreiheit auf Twitter",
    "Twitter beschuldigt Microsoft des Missbrauchs von Twitter-Daten",
    "Elon Musk kämpft gegen OpenAI und Microsoft",
    "Der Geldaspekt ist für Elon Musk nicht die Priorität",
]
SEED_TITLE = "Twitter greift Microsoft wegen angeblichen Missbrauchs von Twitter-Daten an"


@pytest.fixture(scope="module")
def seed_edition(tmp_path_factory):
    """The seed article built once with the offline voice, as a user would: the console script."""
    from conftest import SEED

    work = tmp_path_factory.mktemp("edition")
    out = work / "seed.mp3"
    proc = subprocess.run(
        [sys.executable, "-m", "audio", "build", str(SEED), "-o", str(out), "--cache-dir", str(work / "cache"),
         "--engine", "auto"],
        capture_output=True, text=True, env={**__import__("os").environ, "AUDIO_EDITION_GOOGLE_URL": "http://127.0.0.1:9/x",
             "AUDIO_EDITION_VOICES": str(work / "voices")},
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_auto_falls_back_to_espeak_with_a_notice(seed_edition):
    _, proc = seed_edition
    assert proc.stderr == (
        "Note: The voice gtts cannot be reached; the voice piper has no de_DE-thorsten-medium installed "
        "(audio-edition voices download de_DE-thorsten-medium); "
        "using espeak: espeak-ng's German voice, offline and instant, but robotic\n")
    summary = summary_of(proc.stdout)
    assert summary["voice"] == "espeak (de, offline)"
    assert summary["chapters"] == "4"
    assert int(summary["synthesised"]) > 20 and summary["reused"] == "0"


def test_four_chapters_titled_by_the_headings_cover_the_whole_file(seed_edition):
    out, _ = seed_edition
    info = ffprobe(out)
    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == SEED_HEADINGS
    assert float(chapters[0]["start_time"]) == 0
    for before, after in zip(chapters, chapters[1:]):
        assert before["end_time"] == after["start_time"]
    duration = float(info["format"]["duration"])
    assert abs(float(chapters[-1]["end_time"]) - duration) < 0.05
    assert 120 < duration < 360


def test_audio_is_mono_44k_64kbps_mp3(seed_edition):
    out, _ = seed_edition
    stream = ffprobe(out)["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("mp3", "44100", 1)
    assert stream["bit_rate"] == "64000"


def test_each_chapter_starts_within_50ms_of_its_speech(seed_edition):
    out, _ = seed_edition
    pcm = decoded_pcm(out)
    for chapter in ffprobe(out)["chapters"]:
        start = float(chapter["start_time"])
        assert onset(pcm, start) - start < 0.05, chapter["tags"]["title"]
        if start > 0:
            assert loudness_rms(pcm, start - 0.5, start) < 50, "the section pause comes before the chapter"


def test_id3_tags_and_chapter_table(seed_edition):
    out, _ = seed_edition
    tags = ID3(out)
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == SEED_TITLE
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TLAN"]) == "deu"
    assert str(tags["TDRC"])
    assert tags.getall("COMM")[0].text[0].startswith("In einem Interview mit CNBC")
    toc = tags.getall("CTOC")[0]
    assert toc.child_element_ids == ["ch0", "ch1", "ch2", "ch3"]
    assert int(toc.flags) == 3  # top-level and ordered
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == SEED_HEADINGS
    assert abs(chaps[-1].end_time / 1000 - MP3(out).info.length) < 0.05


def test_the_title_opens_the_first_chapter_then_each_heading_is_spoken(seed_edition):
    out, _ = seed_edition
    record = manifest.load(manifest.path_for(out))
    first = record.sections[0].chunks
    assert first[0].text == SEED_TITLE and first[0].start < 0.05
    assert first[1].text.startswith(SEED_HEADINGS[0])
    for section, heading in zip(record.sections[1:], SEED_HEADINGS[1:]):
        assert section.chunks[0].text.startswith(heading)
        assert abs(section.chunks[0].start - section.start) < 0.05
    spoken = " ".join(c.text for s in record.sections for c in s.chunks)
    assert "Quelle" not in spoken and "[ad_1]" not in spoken
    assert spoken.count("Wird es dazu führen, dass Twitter seine Strategie neu bewertet") == 1


def test_second_build_synthesises_nothing_and_gives_the_same_audio(cli, seed, tmp_path):
    out = tmp_path / "e.mp3"
    first = cli("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert first.exit_code == 0, first.output
    audio = MP3(out).info.length
    second = cli("build", seed, "-o", out, "--cache-dir", tmp_path / "c")
    assert second.exit_code == 0, second.output
    summary = summary_of(second.stdout)
    assert summary["synthesised"] == "0"
    assert summary["reused"] == summary_of(first.stdout)["synthesised"]
    assert summary["voice"] == "espeak (de, offline)"
    assert MP3(out).info.length == audio


def test_front_matter_author_cover_and_description(cli, tmp_path):
    cover = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(cover)],
                   check=True)
    article = tmp_path / "bahn.md"
    article.write_text(
        "---\ntitle: Bahn & Preise\nauthor: Erika Muster\ndate: 2026-11-02\ndescription: Was sich ändert.\n"
        "cover: cover.png\n---\n\n# Bahn & Preise\n\nDie Bahn erhöht die Preise.\n\n## Reaktionen\n\nVerbände sind empört.\n",
        encoding="utf-8",
    )
    result = cli("build", article, "-o", tmp_path / "bahn.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    tags = ID3(tmp_path / "bahn.mp3")
    assert str(tags["TIT2"]) == "Bahn & Preise"
    assert str(tags["TPE1"]) == "Erika Muster"
    assert str(tags["TDRC"]) == "2026-11-02"
    assert tags.getall("COMM")[0].text == ["Was sich ändert."]
    assert tags.getall("APIC")[0].data == cover.read_bytes()
    record = manifest.load(tmp_path / "bahn.json")
    assert [c.text for c in record.sections[0].chunks[:2]] == ["Bahn & Preise", "Von Erika Muster"]
    assert [s.title for s in record.sections] == ["Bahn & Preise", "Reaktionen"]
    chapters = ffprobe(tmp_path / "bahn.mp3")["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Bahn & Preise", "Reaktionen"]


def test_missing_front_matter_cover_is_a_notice_not_a_failure(cli, articles, tmp_path):
    result = cli("build", articles / "front-matter-setext.md", "-o", tmp_path / "x.mp3", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0
    assert "Note: cover cover.png not found next to the article; the edition has no cover" in result.stderr


def test_cover_that_is_not_an_image_is_refused_and_keeps_the_old_edition(cli, seed, tmp_path):
    out = tmp_path / "e.mp3"
    assert cli("build", seed, "-o", out, "--engine", "espeak", "--cache-dir", tmp_path / "c").exit_code == 0
    before = out.read_bytes()
    bogus = tmp_path / "cover.jpg"
    bogus.write_text("not an image")
    result = cli("build", seed, "-o", out, "--cover", bogus, "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == f"Error: cover {bogus}: use a JPEG or PNG image\n"
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "cover.jpg", "e.chapters.json", "e.html", "e.json", "e.mp3", "e.srt", "e.vtt"]


def test_pause_options_change_the_length(cli, articles, tmp_path):
    article = articles / "no-headings.txt"
    base = cli("build", article, "-o", tmp_path / "a.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    longer = cli("build", article, "-o", tmp_path / "b.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c",
                 "--pause-sentence", "2")
    assert base.exit_code == longer.exit_code == 0
    # the two sentence pauses inside the first paragraph grow by 1.55 s each
    grown = MP3(tmp_path / "b.mp3").info.length - MP3(tmp_path / "a.mp3").info.length
    assert 2 * 1.55 - 0.1 < grown < 2 * 1.55 + 0.1
    assert summary_of(longer.stdout)["synthesised"] == "0"


def test_wrong_output_extension_is_an_error(cli, seed, tmp_path):
    result = cli("build", seed, "-o", tmp_path / "x.wav", "--engine", "espeak")
    assert result.exit_code == 1
    assert "name the audio file .mp3, .m4b or .opus" in result.stderr


@pytest.mark.parametrize("name, message", [
    ("blocker.txt/x.mp3", "Not a directory"),  # a file where the output's folder should be
    ("feed.mp3", "the name 'feed' is kept for the podcast feed"),
])
def test_unusable_output_paths_are_one_line_errors(cli, articles, tmp_path, name, message):
    (tmp_path / "blocker.txt").write_text("x")
    result = cli("build", articles / "no-headings.txt", "-o", tmp_path / name, "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_two_formats_of_one_name_are_refused_not_mixed(cli, articles, tmp_path):
    common = [articles / "no-headings.txt", "--engine", "espeak", "--cache-dir", tmp_path / "c"]
    assert cli("build", *common, "-o", tmp_path / "e.mp3").exit_code == 0
    result = cli("build", *common, "-o", tmp_path / "e.opus")
    assert result.exit_code == 1 and "records e.mp3" in result.stderr
    assert not (tmp_path / "e.opus").exists()


def test_terminal_codes_in_file_and_folder_names_never_reach_the_terminal(cli, tmp_path):
    # Click strips colour codes (CSI) from output that is not a terminal, but not title-setting codes (OSC)
    folder = tmp_path / "pod\x1b]0;owned\x07cast"
    article = tmp_path / "nachricht\x1b]0;owned\x07-\x1b[31mrot.txt"  # no title in the text: the name gives it
    article.write_text("Der Stadtrat hat am Abend den Haushalt für das kommende Jahr beschlossen.\n", encoding="utf-8")
    blocker = tmp_path / "datei\x1b]0;x\x07"  # a file where the output's folder should be: an error naming it
    blocker.write_text("x")
    results = [cli("build", article, "-o", folder / "e\x1b]2;x\x07.mp3", "--engine", "espeak",
                   "--cache-dir", tmp_path / "c"),
               cli("sections", article), cli("sections", "--json", article), cli("feed", "--dir", folder),
               cli("build", article, "-o", folder / "e\x1b]2;x\x07.mp3", "--engine", "espeak",
                   "--cache-dir", tmp_path / "c", "--dry-run"),
               cli("build", article, "-o", blocker / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")]
    assert [r.exit_code for r in results] == [0, 0, 0, 0, 0, 1]
    for result in results:
        shown = result.stdout + result.stderr
        assert "\x1b" not in shown and "\x07" not in shown, shown
    assert results[0].stdout.startswith(f"Wrote {tmp_path / 'podcast' / 'e.mp3'}: ")
    assert results[1].stdout.startswith("Nachricht rot\n")
    assert json.loads(results[2].stdout)["title"] == "Nachricht rot"


PEAK_RSS = """
import resource, sys
from audio.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(f"peak {peak // 1024} MB", file=sys.stderr)
sys.exit(code)
"""


def test_a_200_kb_line_without_spaces_builds_in_bounded_memory(tmp_path):
    # a voice spelled such a "word" for eight hours, 3.8 GB of audio held in memory, before it was dropped
    article = tmp_path / "daten.txt"
    blob = "".join(chr(65 + (i * 7919) % 26) + str(i % 10) for i in range(100_000))  # 200,000 characters
    article.write_text(f"Bilddaten\n\nHier steht ein Bild: {blob} und danach ein Satz.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PEAK_RSS, "build", str(article), "-o", str(tmp_path / "e.mp3"),
                             "--engine", "espeak", "--cache-dir", str(tmp_path / "c")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stderr.split("peak ")[1].split()[0]) < 200, result.stderr[-2000:]
    assert float(ffprobe(tmp_path / "e.mp3")["format"]["duration"]) < 20
    spoken = " ".join(c.spoken for s in manifest.load(tmp_path / "e.json").sections for c in s.chunks)
    assert "Bild: und danach ein Satz." in spoken and blob[:20] not in spoken


def test_build_help_has_an_example(cli):
    assert "Example: audio-edition build" in cli("build", "-h").stdout


def test_without_a_system_ffmpeg_the_bundled_one_builds_the_edition(tmp_path, articles):
    """What a user's fresh machine does: only pip packages, so the ffmpeg that imageio-ffmpeg ships."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable)}
    out = tmp_path / "e.mp3"
    proc = subprocess.run([sys.executable, "-m", "audio", "build", str(articles / "questions-and-leftovers.txt"),
                           "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "c")],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no warning about a missing ffmpeg, no notes
    assert [c["tags"]["title"] for c in ffprobe(out)["chapters"]] == [
        "Heizkosten steigen im Winter deutlich", "Was bedeutet das für Verbraucher?", "Wie lange bleibt es so?"]
    integrated, peak = ebur128(out)
    assert abs(integrated + 16) <= 1 and peak <= -1


def test_more_chapters_than_the_format_holds_is_refused_before_any_synthesis(cli, tmp_path):
    article = tmp_path / "viele.md"
    article.write_text("# Viele\n\n" + "".join(f"## Teil {n}\n\nText {n}.\n\n" for n in range(1001)), encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "out" / "viele.opus", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == ("Error: the article has 1001 sections, but OPUS holds at most 1000 chapters; "
                             "join sections or choose another format\n")
    assert not list((tmp_path / "c").glob("??/*.wav"))  # nothing was synthesised (sentence splits may be cached)
    assert not (tmp_path / "out" / "viele.opus").exists()


def run_cli(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the command line in a process of its own, so a hang is a failed test rather than a stuck run."""
    return subprocess.run([sys.executable, "-m", "audio", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.md"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["article", "--lexicon", "--cover"])
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_devices_and_pipes_are_refused_with_one_line(tmp_path, articles, fifo, kind, special):
    path = fifo if special == "fifo" else Path(special)
    article = path if kind == "article" else articles / "no-headings.txt"
    extra = [] if kind == "article" else [kind, path]
    result = run_cli("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c",
                     *extra)
    assert result.returncode == 1
    named = {"article": "article", "--lexicon": "lexicon", "--cover": "cover image"}[kind]
    assert result.stderr == f"Error: {path}: not a regular file (a device or a pipe); give the {named} as a file\n"
    assert not (tmp_path / "c").exists()  # refused before any synthesis


def test_an_article_over_the_size_limit_is_refused(cli, tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: 60 MB of nothing on disk
    result = cli("sections", huge)
    assert (result.exit_code, result.stderr) == (1, f"Error: {huge}: more than 50 MB, the most an article may have\n")


@pytest.mark.parametrize("line", ["{title:>99999999999}", "{title.__class__}", "{0}", "{title!r}", "Hallo {title",
                                  "{{title}}"])
def test_intro_line_takes_only_plain_placeholders(cli, tmp_path, line):
    article = tmp_path / "a.md"
    article.write_text(f"---\ntitle: Haushalt\nintro_line: '{line}'\n---\n\nDer Rat hat beschlossen.\n",
                       encoding="utf-8")
    result = cli("sections", article)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: the intro line {line!r} may only name {{title}}, {{author}} and "
                             "{publication}\n")



@pytest.mark.parametrize("field, value", [("cover", "../secret.png"), ("cover", "link.png"), ("outro", "/secret.mp3"),
                                          ("intro", "../secret.mp3")])
def test_front_matter_paths_stay_in_the_articles_folder(cli, tmp_path, png, field, value):
    folder = tmp_path / "articles"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(png + b"geheim")
    (folder / "link.png").symlink_to(tmp_path / "secret.png")
    article = folder / "a.md"
    article.write_text(f"---\ntitle: T\n{field}: {value}\n---\n\nDer Rat hat beschlossen.\n", encoding="utf-8")
    result = cli("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {field} {value}: the front matter may only name files in the article's folder; "
                             f"give --{field} FILE to use a file elsewhere\n")
    assert not (tmp_path / "e.mp3").exists()


def test_only_the_image_of_a_cover_is_embedded_and_it_must_decode(cli, articles, tmp_path, png):
    stuffed = tmp_path / "stuffed.png"
    stuffed.write_bytes(png + b"Kontonummer 1234")  # an image with something appended
    args = ("build", articles / "no-headings.txt", "-o", tmp_path / "e.mp3", "--engine", "espeak",
            "--cache-dir", tmp_path / "c")
    assert cli(*args, "--cover", stuffed).exit_code == 0  # the user's own option may point anywhere
    assert ID3(tmp_path / "e.mp3").getall("APIC")[0].data == png
    fake = tmp_path / "fake.png"
    fake.write_bytes(png[:33] + b"\x00\x00\x00\x0cIDAT" + b"junk" * 3 + b"\x00" * 4 + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    result = cli(*args, "--cover", fake)  # starts like a PNG, chunks and all, but is no picture
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cover {fake}: not an image that can be read (")
    assert len(result.stderr.splitlines()) == 1
    fake.write_bytes(png[:len(png) // 2])
    result = cli(*args, "--cover", fake)
    assert result.stderr == f"Error: cover {fake}: the image is damaged or cut off\n"


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_cover_too_large_is_refused_by_the_size_its_header_declares_before_decoding(cli, articles, tmp_path, kind):
    """A 2 MB PNG of 16000×16000 16-bit RGBA took 13.7 s and 2 GB to decode before its size was checked."""
    import zlib

    path = tmp_path / f"made.{kind}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(path)],
                   check=True)
    data = bytearray(path.read_bytes())
    big = (16000).to_bytes(2, "big") if kind == "jpeg" else (16000).to_bytes(4, "big")
    if kind == "png":  # IHDR: width and height, then the chunk's CRC made again
        data[16:24] = big + big
        data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    else:  # the start-of-frame segment: precision, then height and width
        sof = data.index(b"\xff\xc0")
        data[sof + 5:sof + 9] = big + big
    path.write_bytes(bytes(data))
    result = cli("build", articles / "no-headings.txt", "-o", tmp_path / "e.mp3", "--engine", "espeak",
                 "--cache-dir", tmp_path / "c", "--cover", path)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cover {path}: 16000×16000 pixels; use an image of 16 to 10000 pixels a side "
                             "(podcast apps want 1400 to 3000)\n")
