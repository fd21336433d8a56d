"""The options and arguments that several commands share, and the BuildOptions they describe."""

from __future__ import annotations

from pathlib import Path

import click

from audio import engines
from audio.edition.options import BuildOptions
from audio.podcast import sidecars
from audio.read.source import FORMATS, is_link
from audio.sound import formats, render
from audio.sound.loudness import Target

CONTEXT = {"help_option_names": ["-h", "--help"]}


class ArticleType(click.ParamType):
    """An article file, or a web link (`https://…`); with `folders`, also a folder of articles."""

    name = "article"

    def __init__(self, folders: bool = False):
        self.path = click.Path(exists=True, dir_okay=folders, path_type=Path)

    def convert(self, value, param, ctx):
        return str(value) if is_link(value) else self.path.convert(value, param, ctx)


def article_argument(func, many: bool = False):
    """The ARTICLE argument and the --format and --lexicon options shared by the commands that read one."""
    func = click.option(
        "--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Pronunciation lexicon (`written = spoken` lines) on top of the built-in one and "
             "lexicon.txt next to the article; may be given several times.",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Read the file as this format instead of guessing from its extension.",
    )(func)
    if many:
        return click.argument("articles", metavar="ARTICLE...", nargs=-1, required=True,
                              type=ArticleType(folders=True))(func)
    return click.argument("article", type=ArticleType())(func)


def sidecar_kinds(ctx, param, value: str) -> tuple[str, ...]:
    """Return the sidecar kinds named in a comma-separated --sidecars value."""
    kinds = tuple(k.strip() for k in value.split(",") if k.strip() and k.strip() != "none")
    unknown = [k for k in kinds if k not in sidecars.KINDS]
    if unknown:
        raise click.BadParameter(f"unknown kind {unknown[0]!r}; use {', '.join(sidecars.KINDS)} or none")
    return kinds


DEFAULTS = BuildOptions()


def voice_setting_options() -> list:
    """Return a command-line option for every voice setting that a voice module declares."""
    options = []
    for name, field in engines.settings_fields().items():
        flags = [*filter(None, [field.metadata.get("short")]), f"--{name.replace('_', '-')}"]
        if field.type in (bool, "bool"):
            options.append(click.option(*flags, is_flag=True, default=None, help=field.metadata.get("help")))
            continue
        kind: type | click.ParamType = {"int": int, "float": float}.get(getattr(field.type, "__name__", field.type), str)
        low_high = field.metadata.get("range")
        if low_high:
            kind = click.IntRange(*low_high) if kind is int else click.FloatRange(*low_high)
        options.append(click.option(*flags, type=kind, default=None,
                                    help=f"{field.metadata.get('help', '')}  [default: {field.default}]"))
    return options


BUILD_OPTIONS = [
    click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                 help="Audio file to write  [default: output/<article name>.mp3]"),
    click.option("--audio-format", type=click.Choice(formats.NAMES),
                 help="mp3 (default), m4b (AAC with chapters, for Apple Books and audiobook players) or opus; "
                      "also chosen by the output's extension."),
    click.option("--engine", type=click.Choice([engines.AUTO, *engines.NAMES]), default=DEFAULTS.engine,
                 show_default=True,
                 help="Voice: " + ", ".join(f"{name} ({engines.module(name).SUMMARY})" for name in engines.NAMES)
                      + "; or auto: the previous edition's voice, else the first of "
                      + ", ".join(engines.AUTO_ORDER) + " that can speak here."),
    *voice_setting_options(),
    click.option("--speed", type=click.FloatRange(0.5, 2.0), default=DEFAULTS.speed, show_default=True,
                 help="Speaking speed for every voice: 0.8 slower, 1.2 faster."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                 help="Where synthesised speech is kept  [default: ~/.cache/audio-edition]"),
    click.option("--cover", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Cover image (JPEG or PNG) to embed; overrides the front matter's cover."),
    click.option("--intro", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Audio (a jingle) before the speech; overrides the front matter's intro."),
    click.option("--outro", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Audio after the speech; overrides the front matter's outro."),
    click.option("--intro-line", help="Spoken instead of the title, with {title}, {author}, {publication}: "
                                      "'Sie hören: {title}. Eine Audio-Ausgabe von {publication}.'"),
    click.option("--bitrate", type=click.IntRange(32, 320), default=DEFAULTS.bitrate, show_default=True,
                 help="MP3 bitrate in kbit/s."),
    click.option("--pause-sentence", type=click.FloatRange(0, 10), default=DEFAULTS.pauses.sentence,
                 show_default=True, help="Seconds of silence between sentences."),
    click.option("--pause-paragraph", type=click.FloatRange(0, 10), default=DEFAULTS.pauses.paragraph,
                 show_default=True, help="Seconds of silence between paragraphs and after a heading."),
    click.option("--pause-section", type=click.FloatRange(0, 10), default=DEFAULTS.pauses.section,
                 show_default=True, help="Seconds of silence between sections."),
    click.option("--loudness", type=click.FloatRange(-40, -5), default=DEFAULTS.loudness.integrated,
                 show_default=True,
                 help="Integrated loudness of every section, in LUFS (-16 for podcasts, -19 for mono speech on Apple)."),
    click.option("--true-peak", type=click.FloatRange(-10, 0), default=DEFAULTS.loudness.true_peak, show_default=True,
                 help="Ceiling for true peaks, in dBTP."),
    click.option("--sidecars", default=",".join(DEFAULTS.sidecars), show_default=True, callback=sidecar_kinds,
                 help="Files to write beside the audio: chapters (Podcasting 2.0 JSON), vtt, srt, html; or none."),
    click.option("--replace", is_flag=True,
                 help="Build over an edition of the same name that another article (file or link) made."),
    click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notices; errors and the summary only."),
]


def build_options(many: bool = False):
    """The options shared by `build` and `watch`."""
    def decorate(func):
        for option in reversed(BUILD_OPTIONS):
            func = option(func)
        return article_argument(func, many)

    return decorate


def options_from(fmt, lexicons, output, audio_format, engine, speed, cache_dir, cover, intro, outro, intro_line,
                 bitrate, pause_sentence, pause_paragraph, pause_section, loudness, true_peak, sidecars,
                 replace=False, dry_run=False, **voice_settings) -> BuildOptions:
    """Return the BuildOptions that the command-line options describe."""
    return BuildOptions(
        output=output, audio_format=audio_format, engine=engine, speed=speed, cache_dir=cache_dir, intro=intro,
        outro=outro, intro_line=intro_line, cover=cover, bitrate=bitrate, fmt=fmt, dry_run=dry_run, replace=replace,
        lexicons=lexicons, voice_settings={k: v for k, v in voice_settings.items() if v is not None},
        pauses=render.Pauses(sentence=pause_sentence, paragraph=pause_paragraph, section=pause_section),
        loudness=Target(loudness, true_peak), sidecars=sidecars,
    )


CACHE_DIR = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                         help="The cache folder  [default: ~/.cache/audio-edition]")


OUTPUT_DIR = click.option("-d", "--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default="output",
                          show_default=True, help="The folder with the editions.")


