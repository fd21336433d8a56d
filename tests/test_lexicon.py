"""The pronunciation lexicon: the user's file, whole words, and what a change re-synthesises."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from media import summary_of

from audio.edition import manifest
from audio.errors import EditionError
from audio.read.source import read_article
from audio.text import lexicon
from audio.text.speech import script


def test_whole_words_case_sensitive_longest_first():
    lex = lexicon.parse("Musk = Mask\nNew York Times = Nju Jork Taims\nNew = Nju\n~ki = Ka I\n")
    assert lex.apply("Musks Musk-Fans: Musk.") == "Musks Mask-Fans: Mask."
    assert lex.apply("Die New York Times und New Balance") == "Die Nju Jork Taims und Nju Balance"
    assert lex.apply("musk KI Ki ki") == "musk Ka I Ka I Ka I"


def test_comments_blank_lines_and_errors():
    assert lexicon.parse("# nur ein Kommentar\n\nA = B  # mit Kommentar\n").entries == {"A": "B"}
    with pytest.raises(EditionError, match=r"mine.txt, line 2: write entries as `written = spoken`"):
        lexicon.parse("A = B\nkein Gleichheitszeichen\n", "mine.txt")


@pytest.mark.parametrize("line, entries", [
    ("C# = Ce Scharp", {"C#": "Ce Scharp"}),  # a '#' inside a word is part of it
    ("F# = Eff Scharp  # Microsofts Sprache", {"F#": "Eff Scharp"}),
    ("F# = Eff Scharp\t# nach einem Tab", {"F#": "Eff Scharp"}),
    ("\\#MeToo = Hashtag MeToo", {"#MeToo": "Hashtag MeToo"}),  # escaped: a '#' at the start
    ("Nr = Nummer \\# eins  # Kommentar", {"Nr": "Nummer # eins"}),
    ("   # eingerückter Kommentar", {}),
])
def test_a_hash_starts_a_comment_only_at_the_line_start_or_after_a_space(line, entries):
    assert lexicon.parse(line + "\n").entries == entries


@pytest.mark.parametrize("path", [lexicon.BUILT_IN, Path(__file__).parents[1] / "article" / "lexicon.txt"])
def test_the_lexicons_we_ship_mean_what_they_meant_when_any_hash_opened_a_comment(path):
    text = path.read_text(encoding="utf-8")
    assert "#" in text
    before = lexicon.parse("\n".join(line.split("#", 1)[0] for line in text.splitlines()))
    assert lexicon.parse(text) == before


def test_c_sharp_is_said_as_the_lexicon_says(cli, tmp_path):
    article = tmp_path / "sprachen.txt"
    article.write_text("Programmieren\n\nViele Firmen setzen auf C# und F#, sagt die Studie.\n", encoding="utf-8")
    (tmp_path / "lexicon.txt").write_text("C# = Ce Scharp  # Microsofts Sprache\nF# = Eff Scharp\n", encoding="utf-8")
    shown = cli("sections", article, "--spoken")
    assert shown.exit_code == 0 and "auf Ce Scharp und Eff Scharp, sagt" in shown.stdout, shown.output


def test_files_apply_weakest_first(tmp_path):
    article = tmp_path / "a.txt"
    (tmp_path / "lexicon.txt").write_text("OpenAI = Oupen Ai\nYaccarino = Jakkarino\n", encoding="utf-8")
    extra = tmp_path / "mine.txt"
    extra.write_text("Yaccarino = Jaka Rino\n", encoding="utf-8")
    merged = lexicon.for_article(article, (extra,))
    assert merged.apply("OpenAI, ChatGPT, Yaccarino") == "Oupen Ai, Tschätt Ge Pe Te, Jaka Rino"


def test_seed_spoken_text_expands_numbers_and_acronyms_and_loses_nothing(seed):
    article = read_article(seed)
    chunks = [c for s in script(article, 10**6, lexicon.for_article(seed)) for c in s.chunks]
    spoken = " ".join(c.spoken for c in chunks)
    for said in ("vierundvierzig Milliarden Dollar", "einhundert Millionen Dollar", "fünfzig Prozent",
                 "Ze En Be Ze", "Jakkarino", "Ka I-Technologie"):
        assert said in spoken
    for written in ("44", "100", "50%", "CNBC", "Yaccarino"):
        assert written not in spoken
    # every sentence of the article is spoken exactly once, in order
    written = [c.text for c in chunks if c.text]
    sentences = [s for sec in article.sections for p in sec.paragraphs for s in p.replace("?", "?|").replace(". ", ".|").replace(".“ ", ".“|").split("|") if s.strip()]
    body = [t for t in written if t not in {article.title, *(s.title for s in article.sections)}]
    assert [t.strip() for t in body] == [s.strip() for s in sentences]


def test_changing_the_lexicon_resynthesises_only_affected_chunks(cli, seed, tmp_path):
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)
    args = ("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    first = cli(*args)
    assert first.exit_code == 0
    (tmp_path / "lexicon.txt").write_text("Yaccarino = Jakkarino\n", encoding="utf-8")
    second = cli(*args)
    summary = summary_of(second.stdout)
    assert second.stdout.splitlines()[0] == "changed  Der Geldaspekt ist für Elon Musk nicht die Priorität"
    assert (summary["changed"], summary["synthesised"]) == ("1", "1")
    third = cli(*args, "--lexicon", tmp_path / "lexicon.txt")
    assert summary_of(third.stdout)["synthesised"] == "0"


def test_entries_limited_to_voices():
    lex = lexicon.parse("[espeak, piper] Musk = Mask\nBiden = Beiden\n[gtts] ~ki = Künstliche Intelligenz\n")
    sentence = "Musk und Biden reden über KI."
    assert lex.apply(sentence) == "Musk und Beiden reden über KI."  # no voice named: entries for every voice only
    assert lex.apply(sentence, "espeak") == lex.apply(sentence, "piper") == "Mask und Beiden reden über KI."
    assert lex.apply(sentence, "gtts") == "Musk und Beiden reden über Künstliche Intelligenz."
    assert lex.for_voice("espeak").apply(sentence) == "Mask und Beiden reden über KI."


def test_a_later_entry_for_every_voice_replaces_a_limited_one():
    built_in = lexicon.parse("[espeak] Musk = Mask\n[espeak] Tesla = Tessla\n")
    mine = lexicon.parse("Musk = Elon Musk\n[espeak] Tesla = Teslaa\n")
    merged = built_in.merged(mine)
    assert merged.apply("Musk fährt Tesla", "espeak") == "Elon Musk fährt Teslaa"
    assert merged.apply("Musk fährt Tesla", "gtts") == "Elon Musk fährt Tesla"
    assert lexicon.parse("[espeak] A = B\nA = C\n").apply("A", "espeak") == "C"  # later lines win too


def test_within_one_file_later_lines_win_whatever_their_voices():
    lex = lexicon.parse("[espeak] A = B\nA = C\n[espeak] A = D\n~b = E\n[piper] ~B = F\nb = G\n")
    assert [lex.apply("A b", voice) for voice in ("espeak", "piper", "gtts")] == ["D G", "C G", "C G"]
    assert lex.apply("B", "piper") == "F" and lex.apply("B", "espeak") == "E"


def test_a_lexicon_near_its_size_limit_is_read_in_linear_time(cli, tmp_path):
    """Every line once: 20,000 voice-limited entries (1 MB) took 50 s when each line merged the whole lexicon."""
    lines = [f"[espeak, piper] Wort{i} = Wohrt{i}\n[gtts] ~wort{i}x = Wort {i} iks\n" for i in range(10_000)]
    (tmp_path / "lexicon.txt").write_text("".join(lines) * 2, encoding="utf-8")
    (tmp_path / "a.txt").write_text("Titel\n\nHier steht Wort17 und wort9x.\n", encoding="utf-8")
    start = time.perf_counter()
    result = cli("sections", tmp_path / "a.txt", "--spoken", "--engine", "espeak")
    assert result.exit_code == 0 and "Hier steht Wohrt17 und wort9x." in result.stdout
    assert time.perf_counter() - start < 10  # about 1 s; a merge per line took minutes


@pytest.mark.parametrize("line, message", [
    ("[espeek] Musk = Mask", r"mine.txt, line 1: unknown voice 'espeek'; name voices from gtts, espeak, piper"),
    ("[] Musk = Mask", r"mine.txt, line 1: unknown voice"),
    ("[espeak] Musk", r"mine.txt, line 1: write entries as `written = spoken`"),
])
def test_voice_limits_are_checked(line, message):
    with pytest.raises(EditionError, match=message):
        lexicon.parse(line, "mine.txt")


BUILT_IN_CASES = [
    # (written, espeak and piper, every other voice)
    ("Elon Musk trifft Joe Biden.", "Elon Mask trifft Dschoh Beiden.", "Elon Musk trifft Joe Biden."),
    ("Donald Trump droht mit Zöllen.", "Donald Tramp droht mit Zöllen.", "Donald Trump droht mit Zöllen."),
    ("Die New York Times berichtet.", "Die New York Taims berichtet.", "Die New York Times berichtet."),
    ("Alles im Live-Ticker.", "Alles im Laif-Ticker.", "Alles im Live-Ticker."),
    ("Das neue iPhone ist da.", "Das neue Ei-Fon ist da.", "Das neue iPhone ist da."),
    ("Viele arbeiten im Homeoffice.", "Viele arbeiten im Hohmoffiss.", "Viele arbeiten im Homeoffice."),
    ("Sam Altman leitet OpenAI.", "Säm Oltmän leitet Open Ei Ei.", "Sam Altman leitet Open Ei Ei."),
    ("Der CEO von Boeing tritt ab.", "Der Si I O von Bohing tritt ab.", "Der Si I O von Boeing tritt ab."),
    ("Das Spiel läuft live.", "Das Spiel läuft laif.", "Das Spiel läuft live."),
    ("Marine Le Pen trifft Thomas de Maizière.", "Marine Lö Penn trifft Thomas de Mesièr.",
     "Marine Le Pen trifft Thomas de Maizière."),
    ("König Charles landet am Flughafen Charles de Gaulle.", "König Tscharls landet am Flughafen Scharl dö Gol.",
     "König Charles landet am Flughafen Charles de Gaulle."),  # the longest entry first
    ("Die Olive ist grün.", "Die Olive ist grün.", "Die Olive ist grün."),  # whole words only
    ("Der Musketier kämpft.", "Der Musketier kämpft.", "Der Musketier kämpft."),
]


@pytest.mark.parametrize("written, by_espeak, by_others", BUILT_IN_CASES)
def test_built_in_entries_per_voice(written, by_espeak, by_others):
    built_in = lexicon.load(lexicon.BUILT_IN)
    assert built_in.apply(written, "espeak") == built_in.apply(written, "piper") == by_espeak
    assert built_in.apply(written, "gtts") == built_in.apply(written) == by_others


def test_the_build_speaks_with_its_voice_entries_and_sections_shows_every_voice_entries(cli, seed, tmp_path):
    article = tmp_path / "artikel.txt"
    shutil.copy(seed, article)  # without the seed's own lexicon.txt
    result = cli("build", article, "-o", tmp_path / "e.mp3", "--engine", "espeak", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    record = manifest.load(tmp_path / "e.json")
    spoken = " ".join(chunk.spoken for section in record.sections for chunk in section.chunks)
    assert "Elon Mask" in spoken and "Musk" not in spoken
    shown = cli("sections", article, "--spoken")
    assert "Elon Musk" in shown.stdout and "Mask" not in shown.stdout


PHONEMES = r'''
import ctypes, json, sys
from pathlib import Path
import espeakng_loader
lib = ctypes.CDLL(espeakng_loader.get_library_path())
lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
lib.espeak_Initialize(2, 0, str(Path(espeakng_loader.get_data_path()).parent).encode(), 0)
lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
lib.espeak_SetVoiceByName(b"de")
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
def phonemes(text):
    pointer, said = ctypes.c_char_p(text.encode()), []
    while pointer.value:
        said.append(lib.espeak_TextToPhonemes(ctypes.byref(pointer), 1, 2).decode())
    return " ".join(said)
print(json.dumps({text: phonemes(text) for text in json.loads(sys.stdin.read())}))
'''


def espeak_phonemes(texts: list[str]) -> dict[str, str]:
    """Return espeak-ng's German phonemes (IPA) for each text, from a process of its own so the voice
    the other tests use is left as it is."""
    done = subprocess.run([sys.executable, "-c", PHONEMES], input=json.dumps(texts), capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def test_every_built_in_respelling_changes_what_espeak_says():
    """An entry for espeak earns its place only if espeak-ng says the respelling differently from the word."""
    entries = lexicon.load(lexicon.BUILT_IN).by_voice["espeak"].entries
    said = espeak_phonemes([*entries, *entries.values()])
    assert len(entries) >= 90
    assert [w for w, s in entries.items() if said[w] == said[s]] == []
    assert (said["Musk"], said["Mask"]) == ("mˈʊsk", "mˈask")
    assert said["Live-Ticker"].startswith("lˈiːv") and said["Laif-Ticker"].startswith("lˈaɪf")
