"""Rewrite written German news text into what should be said.

Each rule is a small function, string in and string out, with a docstring saying what it fixes.
`normalise` applies them in the order of RULES; the order matters (dates before ordinals,
amounts before plain numbers, abbreviations after everything that reads them with numbers).
Engine-independent: every voice gets the same spoken text, and the cache keys follow it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from num2words import num2words

Rule = Callable[[str], str]

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")
MONTH_ABBREVIATIONS = {m[:3] + ".": m for m in MONTHS if len(m) > 4} | {"Sept.": "September"}
# German: 1.234.567,89, 10 000 (with a space, no-break or thin space) or 1234,5
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?!\d|[.,]\d)|\d+(?:,\d+)?"
CURRENCIES = {"€": "Euro", "US$": "Dollar", "EUR": "Euro", "Euro": "Euro", "$": "Dollar", "USD": "Dollar", "Dollar": "Dollar",
              "£": "Pfund", "GBP": "Pfund", "Pfund": "Pfund", "CHF": "Franken", "Franken": "Franken"}
MAGNITUDES = {"Tsd.": "Tausend", "Mio.": "Millionen", "Mrd.": "Milliarden", "Bio.": "Billionen",
              "Millionen": "Millionen", "Milliarden": "Milliarden", "Billionen": "Billionen", "Million": "Millionen",
              "Milliarde": "Milliarden", "Billion": "Billionen", "Tausend": "Tausend"}
MAGNITUDE_WORDS = "|".join(re.escape(m) for m in sorted(MAGNITUDES, key=len, reverse=True))
SINGULAR = {"Millionen": "eine Million", "Milliarden": "eine Milliarde", "Billionen": "eine Billion",
            "Tausend": "eintausend"}
SMALL_UNITS = {"Euro": "Cent", "Dollar": "Cent", "Franken": "Rappen", "Pfund": "Pence"}
FEMININE = {"Stunde", "Woche", "Minute", "Sekunde", "Person", "Frau", "Tonne", "Stimme", "Seite", "Nacht",
            "Partei", "Firma", "Million", "Milliarde", "Milliarden", "Millionen", "Mannschaft", "Runde"}
DATIVE_BEFORE = {"am", "im", "vom", "zum", "beim", "dem", "den", "des", "zur", "seit", "ab", "bis", "vor",
                 "nach", "einem", "einen", "ihrem", "seinem", "seit dem", "Am", "Im", "Vom", "Zum", "Seit", "Ab"}
NOMINATIVE_BEFORE = {"der", "die", "das", "Der", "Die", "Das", "ein", "eine"}
DATE_BEFORE = DATIVE_BEFORE | NOMINATIVE_BEFORE | {"und", "oder", "zwischen", "Bis", "Zwischen", "bis zum"}
# Words that start a new sentence after a number with a full stop (`stieg auf 23. Die Polizei …`),
# where an ordinal (`die 2. Bundesliga`, `am 3. Mai`) is followed by a noun or a month.
SENTENCE_STARTERS = (
    "Der Die Das Den Dem Des Ein Eine Einer Es Er Sie Wir Ich Ihr Man Dies Diese Dieser Dieses Dabei Damit "
    "Doch Aber Und Oder Auch Nun So Dann Denn Zudem Außerdem Allerdings Trotzdem Laut Nach In Im Am An Auf "
    "Bei Mit Für Von Vor Seit Wie Was Wer Wo Warum Als Wenn Ob Noch Nur Jetzt Heute Inzwischen Deshalb Daher "
    "Damals Zuletzt Erst Schon Bis Zum Zur Um Unter Über Gegen Ohne Während Wegen Obwohl Weil Dass Hier Dort "
    "Danach Später Bereits Zuvor Insgesamt Anschließend Demnach Somit Zwar Jedoch Dennoch Immerhin Mittlerweile "
    "Unterdessen Gleichzeitig Zugleich Stattdessen Vielmehr Konkret Offenbar Tatsächlich Wer"
).split()
STARTER = "(?:" + "|".join(SENTENCE_STARTERS) + r")\b"


def normalise(text: str, rules: list[Rule] | None = None) -> str:
    """Return `text` as it should be spoken, after every rule in order."""
    for rule in RULES if rules is None else rules:
        text = rule(text)
    return text


# --- clean-up -------------------------------------------------------------------------------


EDITORIAL = re.compile(
    r"\s*\[(?:Anzeige|Werbung|Video|Foto|Bild|Grafik|Audio|mehr|Mehr|Bearbeiten)[^\]]*\]"
    r"|\s*\((?:dpa|AFP|AP|Reuters|rtr|KNA|epd|dts|sid|red|afp|apa|APA|SDA|ots)(?:-AFX)?(?:/[\w -]+)*\)"
    r"|\s*\((?:Foto|Bild|Symbolbild|Quelle|Grafik|Archivbild)\s*:[^)]*\)|\s*\((?:Symbolbild|Archivbild|Foto)\)"
    r"|(?<!\s)\[(?:\d{1,3}|\^\w+|[a-z])\]"  # citation marks: Wikipedia's [1], footnotes [^1]
)


def remove_editorial(text: str) -> str:
    """Drop bracketed editorial leftovers: `[Anzeige]`, `(dpa)`, `(Foto: …)`, citation marks like `[1]`;
    nobody reads them aloud."""
    return EDITORIAL.sub("", text)


KEEP_SYMBOLS = set("°§€$£%‰&+")


def remove_emoji(text: str) -> str:
    """Drop emojis and decorative symbols (★, ►, ✓, arrows); voices read them as names or noise."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in KEEP_SYMBOLS:
            kept.append(char)
        elif category in ("So", "Sk", "Co", "Cs", "Me") or char in "\u200d\ufe0f\ufe0e•▪·" or is_arrow(char):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def is_arrow(char: str) -> bool:
    return 0x2190 <= ord(char) <= 0x21FF or 0x27F0 <= ord(char) <= 0x27FF or 0x2900 <= ord(char) <= 0x297F


def tidy(text: str) -> str:
    """Fold runs of spaces and remove spaces before punctuation left behind by other rules."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return text.strip()


LONGEST_WORD = 80  # characters; the longest German compounds in the news have about 60
UNBROKEN_RUN = re.compile(rf"(?<!\S)(?!https?://|www\.)\S{{{LONGEST_WORD + 1},}}")


def unbroken_runs(text: str) -> str:
    """Drop runs of characters without a space longer than any word (pasted image data, hashes, minified code).

    A voice would spell them character by character: a 200 KB run is eight hours of audio, held in
    memory to be joined. Web addresses are left to `urls`, which reads them as their domain.
    """
    return UNBROKEN_RUN.sub("", text)


# --- addresses --------------------------------------------------------------------------------

EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"“”]+[^\s<>\"“”.,;:!?)]")


def emails(text: str) -> str:
    """Read an e-mail address as `name ät domain Punkt de`, not character by character."""
    return EMAIL.sub(lambda m: f"{dotted(m.group(1))} ät {dotted(m.group(2))}", text)


def urls(text: str) -> str:
    """Read a web address as its domain (`example Punkt com`); paths and queries are not said."""

    def domain(match: re.Match) -> str:
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", match.group(0)).split("/")[0].split("?")[0]
        return dotted(host.split(":")[0])

    return URL.sub(domain, text)


def dotted(name: str) -> str:
    return " Punkt ".join(part for part in name.split(".") if part)


DIGIT_WORDS = "null eins zwei drei vier fünf sechs sieben acht neun".split()
PHONE = re.compile(r"(?<![\w,.+])(?:\+\d{2,3}[ \u00a0]?(?:\(0\)[ ]?)?\d|\(?0\d)\d*\)?(?:[ /-]?\d+)*(?![\w,])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
POSTCODE = re.compile(r"(?<![\w.,])(\d{5})(?=\s[A-ZÄÖÜ][a-zäöüß])")
POSTCODE_BEFORE = {"PLZ", "Postleitzahl", "D-"}
CITIES = set(
    "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen Bremen Dresden Hannover "
    "Nürnberg Duisburg Bochum Wuppertal Bielefeld Bonn Münster Mannheim Karlsruhe Augsburg Wiesbaden Mainz Kiel "
    "Rostock Potsdam Erfurt Magdeburg Schwerin Saarbrücken Freiburg Aachen Halle Chemnitz Regensburg Würzburg "
    "Heidelberg Lübeck Oldenburg Osnabrück Braunschweig Kassel Ulm Jena Göttingen Trier Koblenz Darmstadt".split())
PLATE = re.compile(r"\b([A-ZÄÖÜ]{1,3})-([A-Z]{1,2})\s(\d{1,4})([EH]?)\b")
HASHTAG = re.compile(r"(?<![\w&/#])#([^\W\d_][\w]*)")
HANDLE = re.compile(r"(?<![\w.@/])@([A-Za-z_][\w]*)")


def codes(text: str) -> str:
    """Read numbers that are codes digit by digit, in their groups: phone numbers (`Tel. 030 123456-78` →
    null drei null, eins zwei drei vier fünf sechs, sieben acht), IBANs, postcodes (`10115 Berlin` →
    eins null eins eins fünf Berlin) and licence plates (`Kennzeichen B-AB 123` → Be, A Be, eins zwei drei).

    A phone number starts with 0 or a country code and has at least seven digits; a postcode is five
    digits before a city, after `PLZ` or after a house number (`Hauptstraße 5, 10115 Winsen`).
    """

    def phone(match: re.Match) -> str:
        number = match.group(0)
        if sum(c.isdigit() for c in number) < 7 or re.fullmatch(r"0\d{3}", number):
            return number
        groups = re.findall(r"\+?\d+", number.replace("(0)", ""))
        return ", ".join(("plus " if g.startswith("+") else "") + digit_words(g) for g in groups)

    def iban(match: re.Match) -> str:
        groups = match.group(0).split() if " " in match.group(0) else re.findall(r".{1,4}", match.group(0))
        return ", ".join(" ".join(LETTERS.get(c, DIGIT_WORDS[int(c)] if c.isdigit() else c) for c in g) for g in groups)

    def postcode(match: re.Match) -> str:
        before = text[: match.start()].rstrip()
        following = re.match(r"\s*([\wäöüÄÖÜß]+)", text[match.end():])
        city = following.group(1) if following else ""
        after_street = re.search(r"(?<!\d)\d{1,3}[a-z]?,$", before)  # `Hauptstraße 5, 10115 Berlin`
        if city in CITIES or after_street or word_before(text, match.start()) in POSTCODE_BEFORE \
                or match.group(1).startswith("0"):
            return digit_words(match.group(1))
        return match.group(0)

    def plate(match: re.Match) -> str:
        if not re.search(r"[Kk]ennzeichen|[Nn]ummernschild", text[: match.start()]):
            return match.group(0)
        district, letters, number, kind = match.groups()
        return f"{spelled(district)}, {spelled(letters)}, {digit_words(number)}" + (f" {spelled(kind)}" if kind else "")

    text = IBAN.sub(iban, text)
    text = PLATE.sub(plate, text)
    text = PHONE.sub(phone, text)
    text = POSTCODE.sub(postcode, text)
    text = HASHTAG.sub(lambda m: m.group(1) if word_before(text, m.start()) == "Hashtag" else f"Hashtag {m.group(1)}",
                       text)
    return HANDLE.sub(lambda m: f"ät {m.group(1)}", text)


def digit_words(number: str) -> str:
    """Return the digits of `number` one by one: `030` → null drei null."""
    return " ".join(DIGIT_WORDS[int(d)] for d in number if d.isdigit())


# --- numbers with context ---------------------------------------------------------------------

PAGE = re.compile(r"(?<![\w.])S\.\s?(\d+)")
FOLLOWING = re.compile(r"(?<=\d)\s?ff?\.(?=\s|$)")


def pages(text: str) -> str:
    """Read page references as said: `S. 12 f.` → Seite 12 folgende (before the numbers are read).

    Not after a first name: `Thomas S. 2019` is an anonymised name in a court report.
    """

    def page(match: re.Match) -> str:
        before = word_before(text, match.start())
        if re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+", before) and before not in ("Siehe", "Vgl", "Auf"):
            return match.group(0)
        return f"Seite {cardinal(match.group(1))}"

    text = FOLLOWING.sub(lambda m: " folgende" + ends_text(m, text), text)
    return PAGE.sub(page, text)


def ends_text(match: re.Match, text: str) -> str:
    """Return the full stop a match swallowed when it also ended the sentence, else nothing."""
    return "." if match.end() == len(text.rstrip()) and match.group(0).endswith(".") else ""


AMOUNT_AFTER = re.compile(
    rf"(?P<num>{NUMBER})\s?(?P<mag>{MAGNITUDE_WORDS})?\s?(?P<cur>€|EUR\b|USD\b|US\$|\$|£|GBP\b|CHF\b)"
)
AMOUNT_BEFORE = re.compile(
    rf"(?P<cur>US\$|€|\$|£|(?<!\w)(?:EUR|USD|CHF|GBP)(?=\s))\s?(?P<num>{NUMBER})(?:\s?(?P<mag>{MAGNITUDE_WORDS}))?"
)
MAGNITUDE = re.compile(rf"(?P<num>{NUMBER})\s?(?P<mag>Tsd\.|Mio\.|Mrd\.|Bio\.)")


def amounts(text: str) -> str:
    """Read money as said: `3,50 €` → drei Euro fünfzig, `$44 Mrd.` → vierundvierzig Milliarden Dollar."""

    def say(match: re.Match) -> str:
        currency = CURRENCIES[match.group("cur")]
        magnitude = MAGNITUDES.get(match.group("mag") or "")
        number = match.group("num")
        if magnitude:
            return f"{with_magnitude(number, magnitude)} {currency}"
        whole, _, cents = number.partition(",")
        units = "ein" if parse_number(whole) == 1 else cardinal(whole)
        if cents and len(cents) == 2 and int(cents):
            if parse_number(whole) == 0:
                return f"{cardinal(cents)} {SMALL_UNITS[currency]}"
            return f"{units} {currency} {cardinal(cents)}"
        return f"{units if cents in ('', '00') else spoken_number(number)} {currency}"

    text = AMOUNT_BEFORE.sub(say, text)
    return AMOUNT_AFTER.sub(say, text)


def magnitudes(text: str) -> str:
    """Expand `5 Mio.`, `1,5 Mrd.`, `3 Tsd.` with a number: `1 Mio.` is `eine Million`."""
    return MAGNITUDE.sub(lambda m: with_magnitude(m.group("num"), MAGNITUDES[m.group("mag")]), text)


def with_magnitude(number: str, magnitude: str) -> str:
    """Return `5 Mio.` as fünf Millionen, `1 Mrd.` as eine Milliarde and `3 Tsd.` as dreitausend."""
    if parse_number(number) == 1 and "," not in number:
        return SINGULAR[magnitude]
    if magnitude == "Tausend" and "," not in number:
        return spoken_number(number) + "tausend"
    return f"{spoken_number(number)} {magnitude}"


NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
DAY_AND_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?![\d.])")  # after a word like `am` or `der`
MONTH_NAMES = "|".join(list(MONTHS) + [re.escape(a) for a in MONTH_ABBREVIATIONS])
WORD_DATE = re.compile(rf"\b(\d{{1,2}})\.\s?({MONTH_NAMES})(?:\s(\d{{4}}))?(?!\w)")
DAY_RANGE = re.compile(rf"\b(\d{{1,2}})\.\s?[–—-]\s?(?=\d{{1,2}}\.\s?(?:{MONTH_NAMES})(?!\w))")


def dates(text: str) -> str:
    """Read `03.10.2023` and `3. Okt. 2023` as `dritten Oktober zweitausenddreiundzwanzig`, `24.12.` as
    `vierundzwanzigsten Dezember`, and `1.–3. März` as `ersten bis dritten März`."""

    def numeric(match: re.Match) -> str:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return match.group(0)
        year = year if len(year) == 4 else ("20" if int(year) < 50 else "19") + year
        before = text[: match.start()]
        return f"{ordinal(day, before)} {MONTHS[month - 1]} {year_words(int(year))}"

    def worded(match: re.Match) -> str:
        day, month, year = int(match.group(1)), match.group(2), match.group(3)
        if not 1 <= day <= 31:
            return match.group(0)
        spoken = f"{ordinal(day, text[: match.start()])} {MONTH_ABBREVIATIONS.get(month, month)}"
        return spoken + (f" {year_words(int(year))}" if year else "")

    def day_and_month(match: re.Match) -> str:
        day, month = int(match.group(1)), int(match.group(2))
        if not (1 <= day <= 31 and 1 <= month <= 12) or word_before(text, match.start()) not in DATE_BEFORE:
            return match.group(0)  # `Windows 8.1.`, `Kapitel 3.2.` are no dates
        return f"{ordinal(day, text[: match.start()])} {MONTHS[month - 1]}" + ends_text(match, text)

    text = NUMERIC_DATE.sub(numeric, text)
    text = DAY_AND_MONTH.sub(day_and_month, text)
    text = DAY_RANGE.sub(lambda m: f"{ordinal(int(m.group(1)), text[: m.start()])} bis ", text)
    return WORD_DATE.sub(worded, text)


TIME = re.compile(r"\b([01]?\d|2[0-4])[:.]([0-5]\d)\s?Uhr\b")
TIME_RANGE = re.compile(r"\b((?:[01]?\d|2[0-4])(?:[:.][0-5]\d)?)\s?[–—-]\s?((?:[01]?\d|2[0-4])(?:[:.][0-5]\d)?)\s?Uhr\b")
SCORE = re.compile(r"(?<![\d:.,])(\d{1,2}):(\d{1,2})(?![\d:]|\s?Uhr)")
HOUR = re.compile(r"\b([01]?\d|2[0-4])\s?Uhr\b")


def times(text: str) -> str:
    """Read `14:30 Uhr` as `vierzehn Uhr dreißig`, `1 Uhr` as `ein Uhr`, `9–17 Uhr` as `neun bis siebzehn Uhr`."""

    def say(match: re.Match) -> str:
        return clock(match.group(1), match.group(2) if match.lastindex == 2 else None)

    def span(match: re.Match) -> str:
        start, end = (clock(*(re.split(r"[:.]", part) + [None])[:2]) for part in match.groups())
        return f"{start.removesuffix(' Uhr')} bis {end}"

    text = TIME_RANGE.sub(span, text)
    return HOUR.sub(say, TIME.sub(say, text))


def clock(hour: str, minutes: str | None) -> str:
    """Return a time of day as said: `14`, `30` → vierzehn Uhr dreißig; `1` → ein Uhr."""
    words = "ein" if int(hour) == 1 else cardinal(hour)
    return f"{words} Uhr" + (f" {cardinal(str(int(minutes)))}" if minutes and int(minutes) else "")


TIME_BEFORE = {"um", "gegen", "ab", "bis", "von", "Um", "Gegen", "Ab", "Bis", "Von", "seit", "Seit"}


def scores(text: str) -> str:
    """Read results and ratios (`2:1`, `21:19`, `1:10`) as `zwei zu eins`; `um 14:30` or `06:12` is a time."""

    def say(match: re.Match) -> str:
        hour, minutes = match.group(1), match.group(2)
        is_time = len(minutes) == 2 and int(hour) <= 24 and int(minutes) < 60 and (
            hour.startswith("0") or word_before(text, match.start()) in TIME_BEFORE)
        return clock(hour, minutes) if is_time else f"{cardinal(hour)} zu {cardinal(minutes)}"

    return SCORE.sub(say, text)


DURATION = re.compile(r"(?<![\d:.,])(\d{1,2}):([0-5]\d):([0-5]\d)(?:,(\d{1,3}))?(?:\s?(Stunden|Std\.|h|Uhr)(?!\w))?")
LAP = re.compile(r"(?<![\d:.,])(\d{1,2}):([0-5]\d)(?:,(\d{1,3}))?\s?(Minuten|Min\.|Min|min|Stunden|Std\.|h)(?!\w)")


def durations(text: str) -> str:
    """Read race times: `2:45:13 Stunden` → zwei Stunden, fünfundvierzig Minuten und dreizehn Sekunden,
    `1:23,45 Minuten` → eine Minute und dreiundzwanzig Komma vier fünf Sekunden, `3:30 Stunden` → drei Stunden
    und dreißig Minuten (before results read `3:30` as three to thirty), `14:30:15 Uhr` → vierzehn Uhr dreißig und
    fünfzehn Sekunden."""

    def hms(match: re.Match) -> str:
        hours, minutes, seconds, fraction, unit = match.groups()
        if unit == "Uhr":  # a time of day to the second: 14:30:15 Uhr
            return f"{clock(hours, minutes)} und {amount_of(seconds, 'Sekunde')}"
        dative = word_before(text, match.start()) in DURATION_DATIVE
        return f"{amount_of(hours, 'Stunde', dative)}, {amount_of(minutes, 'Minute', dative)} und " + \
            amount_of(seconds + (f",{fraction}" if fraction else ""), "Sekunde", dative)

    def lap(match: re.Match) -> str:
        big, small, fraction, unit = match.groups()
        dative = word_before(text, match.start()) in DURATION_DATIVE
        if unit in ("Stunden", "Std.", "h"):
            return f"{amount_of(big, 'Stunde', dative)} und {amount_of(small, 'Minute', dative)}"
        return f"{amount_of(big, 'Minute', dative)} und " + \
            amount_of(small + (f",{fraction}" if fraction else ""), "Sekunde", dative)

    return LAP.sub(lap, DURATION.sub(hms, text))


# A race time after these is in the dative: `in 1:23 Minuten` → in einer Minute und dreiundzwanzig Sekunden.
DURATION_DATIVE = set("in In nach Nach mit Mit von Von binnen Binnen seit Seit unter Unter bei Bei aus vor Vor "
                      "innerhalb Innerhalb".split())


def amount_of(number: str, unit: str, dative: bool = False) -> str:
    """Return a number of a (feminine) time unit: `1`, `Minute` → eine Minute (`dative`: einer Minute);
    `05` → fünf Minuten."""
    if "," not in number and int(number) == 1:
        return f"{'einer' if dative else 'eine'} {unit}"
    return f"{spoken_number(number.lstrip('0') or '0') if ',' not in number else spoken_number(number)} {unit}n"


QUARTER = re.compile(r"(?:\b(?P<before>[A-Za-zÄÖÜäöüß]+)\s)?\bQ(?P<number>[1-4])"
                     r"(?:(?:\s|\s?/\s?|\s?['’])(?P<year>(?:19|20)\d\d|\d\d)\b)?(?![\w-])")
# Before `Q3`, these make it a quarter (`Audi Q3` stays a car); how the quarter is then said, left to `ordinals`.
QUARTER_BEFORE = {"im": "im", "Im": "Im", "in": "im", "In": "Im", "vom": "vom", "zum": "zum", "das": "das",
                  "Das": "Das", "dem": "dem", "des": "des", "ein": "ein", "einem": "einem", "eines": "eines",
                  "jedes": "jedes", "jedem": "jedem", "fürs": "fürs", "für": "für das", "Für": "Für das",
                  "bis": "bis zum", "Bis": "Bis zum", "seit": "seit dem", "Seit": "Seit dem", "nach": "nach dem",
                  "Nach": "Nach dem", "ab": "ab dem", "Ab": "Ab dem", "letzten": "letzten", "ersten": "ersten"}
QUARTERS = {"1": "erstes", "2": "zweites", "3": "drittes", "4": "viertes"}


def quarters(text: str) -> str:
    """Read a business quarter: `im Q3` → im dritten Quartal, `für Q4` → für das vierte Quartal, `des Q1` → des
    ersten Quartals, `Q3 2023` or `Q3/23` → drittes Quartal 2023. A `Q3` after other words (`Audi Q3`) stays as
    it is."""

    def say(match: re.Match) -> str:
        before, number, year = match.group("before"), match.group("number"), match.group("year")
        if year and len(year) == 2:
            year = ("20" if int(year) < 70 else "19") + year
        tail = f" {year}" if year else ""
        if before in QUARTER_BEFORE:
            genitive = "s" if before in ("des", "eines") else ""
            return f"{QUARTER_BEFORE[before]} {number}. Quartal{genitive}{tail}"  # `ordinals` gives the ending
        if year:
            return (f"{before} " if before else "") + f"{QUARTERS[number]} Quartal{tail}"
        return match.group(0)

    return QUARTER.sub(say, text)


VULGAR = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅛": (1, 8), "⅜": (3, 8),
          "⅝": (5, 8), "⅞": (7, 8)}
DENOMINATORS = {2: "halb", 3: "Drittel", 4: "Viertel", 5: "Fünftel", 6: "Sechstel", 7: "Siebtel", 8: "Achtel",
                9: "Neuntel", 10: "Zehntel", 12: "Zwölftel", 16: "Sechzehntel", 20: "Zwanzigstel", 100: "Hundertstel",
                1000: "Tausendstel"}
FRACTION = re.compile(r"(?<![\w.,/])(?:(\d{1,3})\s)?(\d{1,2})/(\d{1,4})(?![\w/]|[.,]\d)(?:-([A-ZÄÖÜ][\w-]*))?")
VULGAR_FRACTION = re.compile(r"(?<![\w.,])(?:(\d{1,3})\s?)?([" + "".join(VULGAR) + r"])(?:-([A-ZÄÖÜ][\w-]*))?")


def fractions(text: str) -> str:
    """Read fractions: `1/3` → ein Drittel, `¾` → drei Viertel, `½` → einhalb, `2 ½ Stunden` → zweieinhalb Stunden,
    `3/4-Mehrheit` → Dreiviertelmehrheit. Only a proper fraction with a common denominator (`24/7` is not one)."""

    def say(whole: str | None, numerator: int, denominator: int, noun: str | None) -> str | None:
        if not 0 < numerator < denominator or denominator not in DENOMINATORS or denominator > 10 and numerator > 1:
            return None  # `Saison 19/20` is no fraction
        count = "ein" if numerator == 1 else cardinal(str(numerator))
        part = DENOMINATORS[denominator]
        if whole or noun or denominator == 2:  # one word: einhalb, zweieinhalb, Zweidrittelmehrheit
            first = "ein" if whole == "1" else cardinal(whole) if whole else ""
            said = first + count + part.lower()
            return (said + noun.lower()).capitalize() if noun else said
        return f"{count} {part}"

    def slashed(match: re.Match) -> str:
        whole, numerator, denominator, noun = match.groups()
        return say(whole, int(numerator), int(denominator), noun) or match.group(0)

    def vulgar(match: re.Match) -> str:
        whole, sign, noun = match.groups()
        return say(whole, *VULGAR[sign], noun) or match.group(0)

    return VULGAR_FRACTION.sub(vulgar, FRACTION.sub(slashed, text))


VERSION = re.compile(r"(?<![\w.,])(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?(?![\d]|\.\d)")


def versions(text: str) -> str:
    """Read version numbers with three or four parts: `iOS 17.2.1` → siebzehn Punkt zwei Punkt eins
    (`1.234.567`, with groups of three, is a number)."""

    def say(match: re.Match) -> str:
        parts = [p for p in match.groups() if p is not None]
        if all(len(p) == 3 for p in parts[1:]):
            return match.group(0)
        return " Punkt ".join(cardinal(p) for p in parts)

    return VERSION.sub(say, text)


RANGE = re.compile(r"(?<![\w.,])(\d+)\s?[–—-]\s?(\d+)(?![\w,]|\.\d)")
SEASON = re.compile(r"(?<![\w.,/])(1\d{3}|20\d{2})/(\d{2})(?![\w/])")
SHORT_SEASON = re.compile(r"(?:(?<=Saison )|(?<=Spielzeit ))(\d{2})/(\d{2})(?![\w/])")  # Saison 19/20


def ranges(text: str) -> str:
    """Read `2020–2023` and `10-12` as `… bis …` (years as years), a season `2022/23` (`Saison 19/20`) as two years."""

    def say(match: re.Match) -> str:
        return f"{number_or_year(match.group(1))} bis {number_or_year(match.group(2))}"

    text = SEASON.sub(lambda m: f"{year_words(int(m.group(1)))} {cardinal(m.group(2))}", text)
    text = SHORT_SEASON.sub(lambda m: f"{cardinal(m.group(1))} {cardinal(m.group(2))}", text)
    return RANGE.sub(say, text)


DECADE = re.compile(r"\b(\d{2}|1\d{3}|20\d{2})er(?=[a-zäöü\s.,;:!?-]|$)")


def decades(text: str) -> str:
    """Read `1990er` as `neunzehnhundertneunziger`, `90er` and `'90er` as `neunziger`."""
    text = re.sub(r"(?<!\w)['’‘](?=\d{2}er)", "", text)  # `'90er` as `90er`
    return DECADE.sub(lambda m: number_or_year(m.group(1)) + "er", text)


ORDINAL = re.compile(rf"(?<![\w.,])(\d{{1,3}})\.(?=\s+(?!{STARTER})[A-Za-zÄÖÜäöüß])")


ORDINAL_AT_END = re.compile(r"\b(am|vom|zum|seit dem|bis zum|Am|Vom|Zum) (\d{1,2})\.$")


def ordinals(text: str) -> str:
    """Read `der 5. Platz` as `der fünfte Platz`, `zum 2. Mal` as `zum zweiten Mal`, and `kam am 3.` as `am dritten.`"""
    text = ORDINAL_AT_END.sub(lambda m: f"{m.group(1)} {ordinal(int(m.group(2)), m.group(1))}.", text.rstrip())
    return ORDINAL.sub(lambda m: ordinal(int(m.group(1)), text[: m.start()], text[m.end():]), text)


# Up to XXXIX: with M, D, C and L the letters are initials or abbreviations far more often than numerals.
ROMAN = r"(?=[XVI])X{0,3}(?:IX|IV|V?I{0,3})"
RULER_TITLES = ("Papst", "König", "Königin", "Kaiser", "Kaiserin", "Zar", "Zarin", "Fürst", "Fürstin", "Prinz",
                "Prinzessin", "Herzog", "Herzogin", "Queen", "King", "Kurfürst", "Großherzog", "Sultan", "Pharao")
RULER_NAMES = set(
    "Ludwig Karl Friedrich Wilhelm Heinrich Otto Leo Johannes Paul Pius Benedikt Gregor Innozenz Clemens Urban "
    "Bonifatius Sixtus Julius Alexander Hadrian Charles George Georg Edward Eduard Henry Louis Philipp Felipe "
    "Juan Harald Frederik Christian Haakon Olav Gustav Gustaf Rainier Albert Leopold Napoleon Peter Iwan Nikolaus "
    "Franz Joseph Josef Ferdinand Maximilian Rudolf Sigismund Konrad Richard James Jakob Willem Carl Ramses "
    "Baudouin Philippe Umberto Alfons Alfonso Manuel Lothar Ottokar Ernst August Johann".split()) | \
    {"Elisabeth", "Elizabeth", "Margrethe", "Katharina", "Maria", "Viktoria", "Victoria", "Wilhelmina", "Beatrix",
     "Juliana", "Christina", "Isabella", "Anna", "Mary"}
# With a one-letter numeral (`Karl V.`) a name could be a first name with an initial (`Peter I.`); only
# these names, or a title, make it a ruler.
ONE_LETTER_RULERS = set("Karl Ludwig Heinrich Friedrich Wilhelm Leo Pius Charles Elisabeth Elizabeth Felipe Harald "
                        "Olav Haakon Frederik Gustav Napoleon Otto Philipp".split())
FEMALE_RULERS = {"Elisabeth", "Elizabeth", "Margrethe", "Katharina", "Maria", "Viktoria", "Victoria", "Wilhelmina",
                 "Beatrix", "Juliana", "Christina", "Isabella", "Anna", "Mary", "Königin", "Kaiserin", "Zarin",
                 "Fürstin", "Prinzessin", "Herzogin", "Queen"}
ACCUSATIVE_BEFORE = {"für", "gegen", "um", "durch", "ohne", "über", "den", "Für", "Gegen", "Durch", "Ohne", "Über"}
REGNAL = re.compile(rf"(?:\b(?P<title>{'|'.join(RULER_TITLES)})\s)?\b(?P<name>[A-ZÄÖÜ][a-zäöüé]+)\s"
                    rf"(?P<num>{ROMAN})(?P<dot>\.)?(?![\w.])")
COUNTED_BEFORE = ("Teil", "Band", "Kapitel", "Phase", "Stufe", "Akt", "Typ", "Abschnitt", "Staffel", "Folge",
                  "Episode", "Klasse", "Gruppe", "Kategorie", "Level", "Säule", "Block", "Gleis", "Terminal", "Halle",
                  "Artikel", "Szene", "Lektion", "Anhang")
COUNTED_ROMAN = re.compile(rf"\b({'|'.join(COUNTED_BEFORE)})\s({ROMAN})(?![\w])")
ROMAN_ORDINAL = re.compile(rf"(?<![\w.])({ROMAN})\.\s(?!{STARTER})(?=[A-ZÄÖÜ][a-zäöü])")


def roman_numerals(text: str) -> str:
    """Read Roman numerals: rulers `Ludwig XIV.` → Ludwig der Vierzehnte (`unter Ludwig XIV.` → dem Vierzehnten,
    `Elisabeth II.` → die Zweite), `Teil II` → Teil zwei, `XX. Olympische Spiele` → zwanzigste.

    A ruler needs a known name or a title (`Papst`, `König`); an `I`, `V` or `X` without a full stop
    stays as written (`Generation X`, `Model X`).
    """

    def ruler(match: re.Match) -> str:
        title, name, numeral, dot = match.group("title"), match.group("name"), match.group("num"), match.group("dot")
        base = name[:-1] if name.endswith("s") and name[:-1] in RULER_NAMES else name
        known = base in (RULER_NAMES if len(numeral) > 1 else ONE_LETTER_RULERS)
        if not (title or known) or not (dot or len(numeral) > 1) or re.match(r"\s*[,(]\s*\d", rest(match)):
            return match.group(0)  # `Peter V., 45,` is a man with an initial, not a king
        female = (title or base) in FEMALE_RULERS or base in FEMALE_RULERS
        word = word_before(text, match.start())
        if base != name:  # `der Tod Ludwigs XIV.`: genitive
            case = "der" if female else "des"
        elif word in DATIVE_PREPOSITIONS or word in ("dem", "vom", "zum", "beim", "Vom", "Zum", "Beim"):
            case = "der" if female else "dem"
        elif word in ACCUSATIVE_BEFORE:
            case = "die" if female else "den"
        else:
            case = "die" if female else "der"
        words = num2words(roman_value(numeral), lang="de", to="ordinal")
        ending = "" if case in ("der", "die") and not (case == "der" and female) else "n"
        said = f"{title + ' ' if title else ''}{name} {case} {words.capitalize()}{ending}"
        ends_sentence = ends_text(match, text) or re.match(rf"\s+{STARTER}", rest(match))  # `Karl V. Danach …`
        return said + ("." if dot and ends_sentence else "")

    text = REGNAL.sub(ruler, text)
    text = COUNTED_ROMAN.sub(lambda m: f"{m.group(1)} {cardinal(str(roman_value(m.group(2))))}", text)
    return ROMAN_ORDINAL.sub(
        lambda m: (ordinal(roman_value(m.group(1)), text[: m.start()], text[m.end():]) if len(m.group(1)) > 1
                   else m.group(0)) + (" " if len(m.group(1)) > 1 else ""), text)


def rest(match: re.Match) -> str:
    """Return the text after `match`."""
    return match.string[match.end():]


def roman_value(numeral: str) -> int:
    """Return the value of a Roman numeral: `XIV` → 14."""
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for letter, following in zip(numeral, numeral[1:] + " "):
        value = values[letter]
        total += -value if following != " " and values[following] > value else value
    return total


# --- symbols, units and plain numbers -------------------------------------------------------

UNITS = {
    "km/h": "Kilometer pro Stunde", "m²": "Quadratmeter", "qm": "Quadratmeter", "m³": "Kubikmeter",
    "km²": "Quadratkilometer", "km": "Kilometer", "cm": "Zentimeter", "mm": "Millimeter", "m": "Meter",
    "kg": "Kilogramm", "g": "Gramm", "t": "Tonnen", "l": "Liter", "ml": "Milliliter", "kWh": "Kilowattstunden",
    "MWh": "Megawattstunden", "GWh": "Gigawattstunden", "kW": "Kilowatt", "MW": "Megawatt", "GW": "Gigawatt",
    "GB": "Gigabyte", "MB": "Megabyte", "TB": "Terabyte", "Mbit/s": "Megabit pro Sekunde", "h": "Stunden",
    "min": "Minuten", "s": "Sekunden", "ha": "Hektar", "mg": "Milligramm", "µg": "Mikrogramm", "Hz": "Hertz",
    "kHz": "Kilohertz", "MHz": "Megahertz", "GHz": "Gigahertz", "dB": "Dezibel", "Gbit/s": "Gigabit pro Sekunde",
    "m/s": "Meter pro Sekunde", "g/km": "Gramm pro Kilometer", "kcal": "Kilokalorien", "ct": "Cent",
}
# After a plain 1 a unit is singular: `1 t` is eine Tonne, not ein Tonnen.
ONE_UNIT = re.compile(r"(?<![\w.,])1\s?(t|h|min|s)(?![\w²³/])")
ONE_UNITS = {"t": "eine Tonne", "h": "eine Stunde", "min": "eine Minute", "s": "eine Sekunde"}
TECH = re.compile(r"(?<![\w.,])(\d{1,2})([GKD])(?![\w])|(?<![\w.,-])([A-Z])(\d{1,2})(?![\w]|[.,]\d)")
FORMULA = re.compile(r"(?<![\w])((?:[A-Z][a-z]?[₀-₉]*){1,4})(?![\w])|\b(CO2|H2O|CH4|NO2|SO2|N2O)\b")
SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
# After a digit, or after a magnitude already in words (`3 Mio. t` → drei Millionen Tonnen).
UNIT_NAMES = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
UNIT = re.compile(r"(?:(?<=\d)|(?<=Million)|(?<=Millionen)|(?<=Milliarde)|(?<=Milliarden)|(?<=tausend))\s?("
                  + UNIT_NAMES + r")(?![\w²³/])")
SYMBOLS = [
    (re.compile(r"\s?%-?Punkt"), " Prozentpunkt"), (re.compile(r"\s?%"), " Prozent"), (re.compile(r"\s?‰"), " Promille"),
    (re.compile(r"\s?±\s?(?=\d)"), " plus minus "), (re.compile(r"\s?±\s?"), " plus minus "),
    (re.compile(r"\s?°C\b"), " Grad Celsius"), (re.compile(r"\s?°F\b"), " Grad Fahrenheit"), (re.compile(r"\s?°"), " Grad"),
    (re.compile(r"§§\s?"), "Paragrafen "), (re.compile(r"§\s?"), "Paragraf "), (re.compile(r"\s&\s"), " und "),
    (re.compile(r"(?<=\w)&(?=\w)"), " und "), (re.compile(r"(?:(?<=[\s(/])|^)\+(?=\s?\d)"), "plus "),
    (re.compile(r"\s\+\s"), " plus "), (re.compile(r"€"), " Euro "), (re.compile(r"\$"), " Dollar "),
    (re.compile(r"£"), " Pfund "), (re.compile(r"(?:(?<=[\s(/])|^)[–—−-](?=\d)"), "minus "),
    (re.compile(r"\b24/7\b"), "rund um die Uhr"), (re.compile(r"\s?≈\s?"), " etwa "),
    (re.compile(r"(?:(?<=\s)|^)~\s?(?=\d)"), "etwa "),
]


def symbols(text: str) -> str:
    """Say `%`, `‰`, `°C`, `§`, `&`, signs (`+3,5 %`, `-2 Grad`, `±`), currency signs and units after numbers
    (`km/h`, `kWh`, `1 t` → eine Tonne) in words, and `%-Punkte` as Prozentpunkte."""
    text = ONE_UNIT.sub(lambda m: ONE_UNITS[m.group(1)], text)
    text = UNIT.sub(lambda m: " " + UNITS[m.group(1)], text)
    for pattern, words in SYMBOLS:
        text = pattern.sub(words, text)
    return text


def technical(text: str) -> str:
    """Read chemical formulas and technical names: `CO₂` → Ze O zwei, `H₂O` → Ha zwei O, `5G` → fünf Ge,
    `4K` → vier Ka, `G7` → Ge sieben, `A7` → A sieben."""

    def formula(match: re.Match) -> str:
        written = match.group(2) or match.group(1)
        if match.group(1) and not re.search("[₀-₉]", written):
            return match.group(0)
        parts = re.findall(r"[A-Z][a-z]?|\d+", written.translate(SUBSCRIPTS))
        return " ".join(cardinal(p) if p.isdigit() else spelled(p) for p in parts)

    def tech(match: re.Match) -> str:
        if match.group(1):
            return f"{cardinal(match.group(1))} {LETTERS[match.group(2)]}"
        return f"{LETTERS[match.group(3)]} {cardinal(match.group(4))}"

    return TECH.sub(tech, FORMULA.sub(formula, text))


PLAIN_NUMBER = re.compile(rf"(?<![\w.,])(\d+\.\d{{1,2}}(?!\d)|{NUMBER})(?!\w)(?:\s([^\W\d]+))?")


def numbers(text: str) -> str:
    """Say the remaining numbers: German separators, years as years, `1 Prozent` as `ein Prozent`.

    A number from 1100 to 1999 is a year (`im Jahr 1500`, `1989 fiel die Mauer`) unless it counts the noun
    after it (`1500 Menschen` → eintausendfünfhundert Menschen).
    """

    def say(match: re.Match) -> str:
        number, word = match.group(1), match.group(2)
        after = f" {word}" if word else ""
        if number == "1" and word and word[0].isupper():  # before a noun: ein Prozent, eine Person
            return ("eine" if word in FEMININE else "ein") + after
        if re.fullmatch(r"\d+\.\d{1,2}", number):  # 2.5 as in a version number
            return " Punkt ".join(cardinal(part) for part in number.split(".")) + after
        if counted(number, word, word_before(text, match.start())):  # 1500 Menschen, not fünfzehnhundert
            return spoken_number(number) + after
        return number_or_year(number) + after

    return PLAIN_NUMBER.sub(say, text)


# --- abbreviations and acronyms -----------------------------------------------------------------

ABBREVIATIONS = {
    "z. B.": "zum Beispiel", "d. h.": "das heißt", "u. a.": "unter anderem", "u. ä.": "und Ähnliches",
    "o. ä.": "oder Ähnliches", "z. T.": "zum Teil", "v. a.": "vor allem", "u. U.": "unter Umständen",
    "i. d. R.": "in der Regel", "s. o.": "siehe oben", "s. u.": "siehe unten", "u. v. m.": "und vieles mehr",
    "z. Zt.": "zurzeit", "bzw.": "beziehungsweise", "ca.": "circa", "usw.": "und so weiter", "etc.": "et cetera",
    "Nr.": "Nummer", "Dr.": "Doktor", "Prof.": "Professor", "Mio.": "Millionen", "Mrd.": "Milliarden",
    "Tsd.": "Tausend", "Std.": "Stunden", "inkl.": "inklusive", "exkl.": "exklusive", "vgl.": "vergleiche",
    "ggf.": "gegebenenfalls", "evtl.": "eventuell", "bspw.": "beispielsweise", "sog.": "sogenannte",
    "Jh.": "Jahrhundert", "Jhd.": "Jahrhundert", "St.": "Sankt", "Str.": "Straße", "Abs.": "Absatz",
    "Art.": "Artikel", "Tel.": "Telefon", "max.": "maximal", "mind.": "mindestens", "zzgl.": "zuzüglich",
    "gem.": "gemäß", "geb.": "geboren", "gest.": "gestorben", "Hrsg.": "Herausgeber", "Mrd": "Milliarden",
    "Mio": "Millionen", "allg.": "allgemein", "bzgl.": "bezüglich", "einschl.": "einschließlich",
    "i. H. v.": "in Höhe von", "n. V.": "nach Verlängerung", "n. E.": "nach Elfmeterschießen", "Abb.": "Abbildung",
    "ebd.": "ebenda", "Ebd.": "ebenda", "z. Hd.": "zu Händen",
}
ABBREVIATIONS |= {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in ABBREVIATIONS.items() if k[0].islower()}
ABBREVIATION_KEYS = {re.sub(r"\s", "", k): v for k, v in ABBREVIATIONS.items()}
ABBREVIATION = re.compile(
    "|".join(
        r"(?<![\w.])" + r"\s?".join(re.escape(part) for part in key.split(" ")) + (r"(?!\w)" if key[-1] != "." else "")
        for key in sorted(ABBREVIATIONS, key=len, reverse=True)
    )
)


SENTENCE_ENDING = {"n.V.", "n.E."}  # abbreviations that usually close a sentence about a result
STREET = re.compile(r"(?<=[a-zäöüß])str\.")


def abbreviations(text: str) -> str:
    """Expand German abbreviations (`z. B.`, `bzw.`, `Nr.`, `Dr.`, `Hauptstr.` …);
    one that ends the text keeps its full stop."""

    def say(match: re.Match) -> str:
        key = re.sub(r"\s", "", match.group(0))
        if key in SENTENCE_ENDING and re.match(r"\s+[A-ZÄÖÜ]", text[match.end():]):
            return ABBREVIATION_KEYS[key] + "."  # `3:2 n. V. Dortmund verlor`: the result ends the sentence
        return ABBREVIATION_KEYS[key] + ends_text(match, text)

    text = ABBREVIATION.sub(say, text)
    return STREET.sub(lambda m: "straße" + ends_text(m, text), text)


LETTERS = {
    "A": "A", "B": "Be", "C": "Ze", "D": "De", "E": "E", "F": "Ef", "G": "Ge", "H": "Ha", "I": "I", "J": "Jott",
    "K": "Ka", "L": "El", "M": "Em", "N": "En", "O": "O", "P": "Pe", "Q": "Ku", "R": "Er", "S": "Es", "T": "Te",
    "U": "U", "V": "Vau", "W": "We", "X": "Ix", "Y": "Üpsilon", "Z": "Zett", "Ä": "Ä", "Ö": "Ö", "Ü": "Ü",
}
ACRONYM_LIST = Path(__file__).with_name("acronyms.txt")


def read_acronyms(text: str) -> dict[str, str]:
    """Return the acronym list in `text` as written → spoken: `[letters]` ADAC → A De A Ze, `[word]` NATO → Nato."""
    said: dict[str, str] = {}
    kind = None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line in ("[letters]", "[word]"):
            kind = line
        elif line:
            for written in line.split():
                said[written] = spelled(written) if kind == "[letters]" else written[0] + written[1:].lower()
    return said


def spelled(word: str) -> str:
    """Return a word spelled with German letter names: `Kfz` → Ka Ef Zett."""
    return " ".join(LETTERS.get(letter.upper(), letter) for letter in word)


KNOWN_ACRONYMS = read_acronyms(ACRONYM_LIST.read_text(encoding="utf-8"))
KNOWN_ACRONYM = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(w) for w in sorted(KNOWN_ACRONYMS, key=len, reverse=True)) + r")(s?)(?![\wäöüß])")
# Short German words written in capitals for emphasis (`Das ist KEIN Witz`), read as words.
SHOUTED_WORDS = set(
    "KEIN KEINE NIE NUR AUCH NEU NEUE ALLE SEHR MEHR VIEL NICHT NICHTS JETZT HIER NOCH GUT LIVE TOP GRATIS "
    "ACHTUNG EILMELDUNG UND ODER ABER DAS DIE DER IST SIND WAR WIE WAS WER WO ALLES IMMER".split()
)
ACRONYM = re.compile(r"(?<!\w)([A-ZÄÖÜ]{2,})(s?)(\d*)(?![\wäöüß])")


def acronyms(text: str) -> str:
    """Say abbreviations as German listeners expect: `ADAC` → A De A Ze, `NATO` → Nato, `Kfz` → Ka Ef Zett.

    Knowledge first: the list in `audio/text/acronyms.txt` decides (`IG METALL` → I Ge Metall). Only an
    all-caps word it does not know is judged by its shape: spelled (`CNBC` → Ze En Be Ze) unless it
    reads as a German word (`WARNUNG`, `HERBST`) or stands beside another all-caps word with
    vowels (`SEHR WICHTIG`, but not `BMW AG`).
    """
    text = KNOWN_ACRONYM.sub(lambda m: KNOWN_ACRONYMS[m.group(1)] + m.group(2), text)
    shouting = set()
    for first, second in re.findall(r"\b(?=([A-ZÄÖÜ]{2,})\s+([A-ZÄÖÜ]{2,})\b)", text):
        if max(len(first), len(second)) >= 4 and all(re.search(r"[AEIOUÄÖÜ]", w) for w in (first, second)):
            shouting |= {first, second}  # `SEHR WICHTIG`, but not `BMW AG` or `SAP SE`

    def say(match: re.Match) -> str:
        word, plural, digits = match.groups()
        number = f" {cardinal(digits)}" if digits else ""
        if word in SHOUTED_WORDS or word in shouting or pronounceable(word):
            return word.capitalize() + plural + number
        return spelled(word) + plural + number

    return ACRONYM.sub(say, text)


# Consonant groups a German syllable may start with, and the pattern of those it may end with
# (`HERBST` ends in R-B-ST, `ANGST` in NG-ST); `UNHCR` ends in neither.
ONSETS = set(
    "B C D F G H J K L M N P Q R S T V W X Z BL BR CH CHR CL CR DR FL FR GL GN GR KL KN KR PF PFL PFR PH PL PR QU "
    "SCH SCHL SCHM SCHN SCHR SCHW SK SL SM SN SP SPL SPR ST STR SZ TH TR TSCH TW WR ZW".split()
) | {""}
CODA = re.compile(r"(?:[LRMN]|NG|NK|LL|RR|MM|NN)?(?:SCH|CH|CK|PF|TZ|SS|FF|TT|PP|[BDFGKPSTXZ])?(?:[BDFGKPTZ]|CH)?"
                  r"(?:S|ST|T|TS|SST)?")
VOWELS = "AEIOUÄÖÜY"


def pronounceable(word: str) -> bool:
    """Return True for a long all-caps word that reads as a German word (`WIRTSCHAFT`, `HERBST`), not as letters (`UNHCR`).

    Each run of consonants must start the word with a German onset, end it with a German coda,
    or split into a coda and an onset between two vowels (`ARBEITSPLATZ`: T | SPL).
    """
    if len(word) < 5 or not any(c in VOWELS for c in word):
        return False
    parts = re.split(f"[{VOWELS}]+", word)
    if parts[0] not in ONSETS or not CODA.fullmatch(parts[-1]):
        return False
    return all(any(CODA.fullmatch(run[:i]) and run[i:] in ONSETS for i in range(len(run) + 1)) for run in parts[1:-1])


# --- number words -----------------------------------------------------------------------------


# Words after which a number before a noun is still a year (`seit 1990 Mitglied`); `um 1500 Menschen` counts.
YEAR_BEFORE = set("Jahr Jahre Jahren Jahres seit Seit Anno anno Sommer Winter Herbst Frühjahr Frühling Ende Anfang "
                  "Mitte".split()) | set(MONTHS)


def counted(number: str, word: str | None, before: str) -> bool:
    """Return True when a 1100–1999 number counts the noun after it (`1500 Menschen`), so it is no year."""
    return bool(re.fullmatch(r"1[1-9]\d\d", number) and word and word[0].isupper() and word not in MONTHS
                and before not in YEAR_BEFORE)


def parse_number(number: str) -> float:
    """Return the value of a German-written number: `1.234,5` → 1234.5."""
    return float(re.sub(r"[.\s]", "", number).replace(",", "."))


def cardinal(number: str) -> str:
    return num2words(int(re.sub(r"[.\s]", "", number)), lang="de")


def spoken_number(number: str) -> str:
    """Return a German-written number in words: `1.234,5` → eintausendzweihundertvierunddreißig Komma fünf."""
    whole, _, decimals = number.partition(",")
    words = cardinal(whole)
    if decimals:
        words += " Komma " + " ".join(num2words(int(d), lang="de") for d in decimals)
    return words


def number_or_year(number: str) -> str:
    """Return a number in words, reading a plain 1100–1999 as a year (`1990` → neunzehnhundertneunzig)."""
    if re.fullmatch(r"1[1-9]\d\d", number):
        return year_words(int(number))
    return spoken_number(number)


def year_words(year: int) -> str:
    return num2words(year, lang="de", to="year")


def ordinal(number: int, before: str, after: str = "") -> str:
    """Return an ordinal with the ending its article or preposition asks for (`after` is the text that follows).

    `der 2. Platz` → der zweite, `am 3. Tag` → am dritten, `sein 50. Geburtstag` → sein fünfzigster,
    `ein 2. Mal` → ein zweites, `in der 2. Runde` → in der zweiten (dative), `zum 100. Mal` → zum hundertsten,
    `die 20. Olympischen Spiele` → die zwanzigsten (plural).
    """
    words = num2words(number, lang="de", to="ordinal")
    word = word_before(before, len(before))
    if word in INDEFINITE_BEFORE:  # masculine or neuter nominative: the ordinal carries the gender
        noun = re.match(r"\s*([\w-]*)", after)
        return words + ("s" if noun and is_neuter(noun.group(1)) else "r")
    plural = word in ("die", "Die") and re.match(r"\s*[\w-]*en\b", after)  # die 20. Olympischen Spiele
    if word in NOMINATIVE_BEFORE and not plural and not (word in ("der", "Der") and is_dative_or_genitive(before)):
        return words
    return words + "n"


# Before an ordinal, these leave its ending to the noun's gender: `sein 50. Geburtstag`, `ein 2. Mal`.
INDEFINITE_BEFORE = set("ein kein sein ihr mein dein unser euer Ein Kein Sein Ihr Mein Unser".split())
NEUTER_NOUNS = set(
    "Mal Jahr Kind Buch Spiel Album Tor Rennen Turnier Semester Quartal Jahrzehnt Jahrhundert Jahrtausend Kapitel "
    "Treffen Konzert Land Amt Haus Gesetz Paket Team Projekt Werk Programm Finale Ergebnis Halbjahr Match Gold "
    "Studio Stadion Festival Kabinett Referendum Votum Datum Zentrum Lied Bild Kapitel Spiel Event Update Modell "
    "Mandat Verfahren Treffen Gipfeltreffen Duell Rennen Gespräch Angebot Urteil".split())
DATIVE_PREPOSITIONS = set(
    "in In mit Mit bei Bei von Von aus Aus nach Nach seit Seit zu Zu vor Vor an An auf Auf unter Unter "
    "hinter neben zwischen gegenüber während wegen trotz laut Laut".split())


def is_neuter(noun: str) -> bool:
    """Return True when a noun is neuter by the list of common ones or by its ending (`-chen`, `-ment`, `-um`)."""
    last = noun.split("-")[-1]
    return noun in NEUTER_NOUNS or last in NEUTER_NOUNS or bool(re.search(r"(?:chen|lein|ment|tum|um|nis)$", noun))


def is_dative_or_genitive(before: str) -> bool:
    """Return True when the `der` ending `before` follows a preposition (`in der`) or a noun (`Sieger der`)."""
    words = before.split()
    if len(words) < 2:
        return False
    previous = words[-2].strip(",;:")
    return previous in DATIVE_PREPOSITIONS or (previous[:1].isupper() and previous not in NOMINATIVE_BEFORE
                                                and words[-2][-1:] not in ".!?:" and len(words) > 2)


def word_before(text: str, position: int) -> str:
    """Return the word in `text` that ends before `position` (the context of a number), or ''."""
    words = text[:position].rsplit(maxsplit=1)
    return words[-1] if words else ""


RULES: list[Rule] = [
    remove_editorial, remove_emoji, unbroken_runs, emails, urls, codes, pages, amounts, magnitudes, dates, versions, durations,
    times, scores, fractions, ranges, decades, quarters,
    ordinals, roman_numerals, technical, symbols, numbers, abbreviations, acronyms, tidy,
]
