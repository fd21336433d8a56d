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


RANGE = re.compile(r"(?<![\w.,])(\d+)\s?[–—-]\s?(\d+)(?![\w,]|\.\d)")
SEASON = re.compile(r"(?<![\w.,/])(1\d{3}|20\d{2})/(\d{2})(?![\w/])")


def ranges(text: str) -> str:
    """Read `2020–2023` and `10-12` as `… bis …` (years as years), a season `2022/23` as two years."""

    def say(match: re.Match) -> str:
        return f"{number_or_year(match.group(1))} bis {number_or_year(match.group(2))}"

    text = SEASON.sub(lambda m: f"{year_words(int(m.group(1)))} {cardinal(m.group(2))}", text)
    return RANGE.sub(say, text)


DECADE = re.compile(r"\b(\d{2}|1\d{3}|20\d{2})er(?=[a-zäöü\s.,;:!?-]|$)")


def decades(text: str) -> str:
    """Read `1990er` as `neunzehnhundertneunziger` and `90er` as `neunziger`."""
    return DECADE.sub(lambda m: number_or_year(m.group(1)) + "er", text)


ORDINAL = re.compile(rf"(?<![\w.,])(\d{{1,3}})\.(?=\s+(?!{STARTER})[A-Za-zÄÖÜäöüß])")


ORDINAL_AT_END = re.compile(r"\b(am|vom|zum|seit dem|bis zum|Am|Vom|Zum) (\d{1,2})\.$")


def ordinals(text: str) -> str:
    """Read `der 5. Platz` as `der fünfte Platz`, `zum 2. Mal` as `zum zweiten Mal`, and `kam am 3.` as `am dritten.`"""
    text = ORDINAL_AT_END.sub(lambda m: f"{m.group(1)} {ordinal(int(m.group(2)), m.group(1))}.", text.rstrip())
    return ORDINAL.sub(lambda m: ordinal(int(m.group(1)), text[: m.start()]), text)


# --- symbols, units and plain numbers -------------------------------------------------------

UNITS = {
    "km/h": "Kilometer pro Stunde", "m²": "Quadratmeter", "qm": "Quadratmeter", "m³": "Kubikmeter",
    "km²": "Quadratkilometer", "km": "Kilometer", "cm": "Zentimeter", "mm": "Millimeter", "m": "Meter",
    "kg": "Kilogramm", "g": "Gramm", "t": "Tonnen", "l": "Liter", "ml": "Milliliter", "kWh": "Kilowattstunden",
    "MWh": "Megawattstunden", "GWh": "Gigawattstunden", "kW": "Kilowatt", "MW": "Megawatt", "GW": "Gigawatt",
    "GB": "Gigabyte", "MB": "Megabyte", "TB": "Terabyte", "Mbit/s": "Megabit pro Sekunde", "h": "Stunden",
    "min": "Minuten", "s": "Sekunden", "ha": "Hektar",
}
UNIT = re.compile(r"(?<=\d)\s?(" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?![\w²³/])")
SYMBOLS = [
    (re.compile(r"\s?%"), " Prozent"), (re.compile(r"\s?‰"), " Promille"),
    (re.compile(r"\s?°C\b"), " Grad Celsius"), (re.compile(r"\s?°F\b"), " Grad Fahrenheit"), (re.compile(r"\s?°"), " Grad"),
    (re.compile(r"§§\s?"), "Paragrafen "), (re.compile(r"§\s?"), "Paragraf "), (re.compile(r"\s&\s"), " und "),
    (re.compile(r"(?<=\w)&(?=\w)"), " und "), (re.compile(r"(?:(?<=\s)|^)\+(?=\s?\d)"), "plus "),
    (re.compile(r"\s\+\s"), " plus "), (re.compile(r"€"), " Euro "), (re.compile(r"\$"), " Dollar "),
    (re.compile(r"£"), " Pfund "), (re.compile(r"(?<=\s)[–—-](?=\d)"), "minus "),
    (re.compile(r"\b24/7\b"), "rund um die Uhr"), (re.compile(r"\s?≈\s?"), " etwa "),
    (re.compile(r"(?:(?<=\s)|^)~\s?(?=\d)"), "etwa "),
]


def symbols(text: str) -> str:
    """Say `%`, `°C`, `§`, `&`, `+`, currency signs and units after numbers (`km/h`, `kWh`) in words."""
    text = UNIT.sub(lambda m: " " + UNITS[m.group(1)], text)
    for pattern, words in SYMBOLS:
        text = pattern.sub(words, text)
    return text


PLAIN_NUMBER = re.compile(rf"(?<![\w.,])(\d+\.\d{{1,2}}(?!\d)|{NUMBER})(?!\w)(?:\s([^\W\d]+))?")


def numbers(text: str) -> str:
    """Say the remaining numbers: German separators, years as years, `1 Prozent` as `ein Prozent`."""

    def say(match: re.Match) -> str:
        number, word = match.group(1), match.group(2)
        after = f" {word}" if word else ""
        if number == "1" and word and word[0].isupper():  # before a noun: ein Prozent, eine Person
            return ("eine" if word in FEMININE else "ein") + after
        if re.fullmatch(r"\d+\.\d{1,2}", number):  # 2.5 as in a version number
            return " Punkt ".join(cardinal(part) for part in number.split(".")) + after
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
    "i. H. v.": "in Höhe von", "Abb.": "Abbildung", "ebd.": "ebenda", "Ebd.": "ebenda", "z. Hd.": "zu Händen",
}
ABBREVIATIONS |= {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in ABBREVIATIONS.items() if k[0].islower()}
ABBREVIATION_KEYS = {re.sub(r"\s", "", k): v for k, v in ABBREVIATIONS.items()}
ABBREVIATION = re.compile(
    "|".join(
        r"(?<![\w.])" + r"\s?".join(re.escape(part) for part in key.split(" ")) + (r"(?!\w)" if key[-1] != "." else "")
        for key in sorted(ABBREVIATIONS, key=len, reverse=True)
    )
)


STREET = re.compile(r"(?<=[a-zäöüß])str\.")


def abbreviations(text: str) -> str:
    """Expand German abbreviations (`z. B.`, `bzw.`, `Nr.`, `Dr.`, `Hauptstr.` …);
    one that ends the text keeps its full stop."""

    def say(match: re.Match) -> str:
        return ABBREVIATION_KEYS[re.sub(r"\s", "", match.group(0))] + ends_text(match, text)

    text = ABBREVIATION.sub(say, text)
    return STREET.sub(lambda m: "straße" + ends_text(m, text), text)


LETTERS = {
    "A": "A", "B": "Be", "C": "Ze", "D": "De", "E": "E", "F": "Ef", "G": "Ge", "H": "Ha", "I": "I", "J": "Jott",
    "K": "Ka", "L": "El", "M": "Em", "N": "En", "O": "O", "P": "Pe", "Q": "Ku", "R": "Er", "S": "Es", "T": "Te",
    "U": "U", "V": "Vau", "W": "We", "X": "Ix", "Y": "Üpsilon", "Z": "Zett", "Ä": "Ä", "Ö": "Ö", "Ü": "Ü",
}
SAID_AS_WORDS = {
    "NATO", "UNO", "DAX", "NASA", "UNESCO", "UNICEF", "AIDS", "OPEC", "FIFA", "UEFA", "ESA", "ASEAN", "NASDAQ",
    "DIW", "IFO", "LIDAR", "RADAR", "LASER", "PIN", "TÜV", "ADAC", "BAFöG", "KITA", "ZEIT", "GAU",
    "OK", "ISIS", "DAK", "AOK", "NAFTA", "CERN", "EFTA", "FIDE", "INTERPOL", "EUROPOL", "FRONTEX",
}
# Short German words written in capitals for emphasis (`Das ist KEIN Witz`), read as words.
SHOUTED_WORDS = set(
    "KEIN KEINE NIE NUR AUCH NEU NEUE ALLE SEHR MEHR VIEL NICHT NICHTS JETZT HIER NOCH GUT LIVE TOP GRATIS "
    "ACHTUNG EILMELDUNG UND ODER ABER DAS DIE DER IST SIND WAR WIE WAS WER WO ALLES IMMER".split()
)
ACRONYM = re.compile(r"(?<!\w)([A-ZÄÖÜ]{2,})(s?)(\d*)(?![\wäöüß])")


def acronyms(text: str) -> str:
    """Spell all-caps abbreviations with German letter names (`CNBC` → Ze En Be Ze), except known words (`NATO`).

    All-caps words with vowels that are long (`WARNUNG`) or stand beside another all-caps word
    (`SEHR WICHTIG`) are shouted words, not abbreviations, and are read as words.
    """
    shouting = set()
    for first, second in re.findall(r"\b(?=([A-ZÄÖÜ]{2,})\s+([A-ZÄÖÜ]{2,})\b)", text):
        if max(len(first), len(second)) >= 4 and all(re.search(r"[AEIOUÄÖÜ]", w) for w in (first, second)):
            shouting |= {first, second}  # `SEHR WICHTIG`, but not `BMW AG` or `SAP SE`

    def say(match: re.Match) -> str:
        word, plural, digits = match.groups()
        number = f" {cardinal(digits)}" if digits else ""
        if word in SAID_AS_WORDS | SHOUTED_WORDS or word in shouting or pronounceable(word):
            return word.capitalize() + plural + number
        return " ".join(LETTERS.get(letter, letter) for letter in word) + plural + number

    return ACRONYM.sub(say, text)


def pronounceable(word: str) -> bool:
    """Return True for a long all-caps word that reads as a word (`WIRTSCHAFT`, `SPORT`), not as letters (`UNHCR`).

    German letter groups that make one sound (`TSCH`, `SCH`, `CH`, `CK`, `PF`, `TZ`, `SS`) count as one consonant;
    a word needs a vowel in every five letters and no run of more than three consonants.
    """
    sounds = re.sub(r"TSCH|SCH|CH|CK|PF|PH|TZ|SS|QU", "C", word)
    vowels = sum(1 for c in sounds if c in "AEIOUÄÖÜY")
    longest_run = max(len(run) for run in re.split(r"[AEIOUÄÖÜY]", sounds))
    return len(word) >= 5 and vowels / len(sounds) >= 0.2 and longest_run <= 3


# --- number words -----------------------------------------------------------------------------


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


def ordinal(number: int, before: str) -> str:
    """Return an ordinal in the case its context asks for: `am dritten`, `der dritte`."""
    words = num2words(number, lang="de", to="ordinal")
    return words if word_before(before, len(before)) in NOMINATIVE_BEFORE else words + "n"


def word_before(text: str, position: int) -> str:
    """Return the word in `text` that ends before `position` (the context of a number), or ''."""
    words = text[:position].rsplit(maxsplit=1)
    return words[-1] if words else ""


RULES: list[Rule] = [
    remove_editorial, remove_emoji, emails, urls, pages, amounts, magnitudes, dates, times, scores, ranges, decades,
    ordinals, symbols, numbers, abbreviations, acronyms, tidy,
]
