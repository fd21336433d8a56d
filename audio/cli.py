"""The `audio-edition` command line: options in, one line per result or error out."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import click

from audio import __version__, changes, engines, formats, lexicon, manifest, plan, render, sidecars, speech
from audio.article import Article, without_controls
from audio.build import BuildResult
from audio.build import build as build_edition
from audio.cache import Cache
from audio.cache import default_dir as default_cache_dir
from audio.errors import EditionError, for_terminal, message
from audio.loudness import Target
from audio.options import BuildOptions
from audio.source import FORMATS, Source, is_link, open_source
from audio.transcript import clock

CONTEXT = {"help_option_names": ["-h", "--help"]}


USER_ERRORS = (EditionError, OSError)  # OSError: a folder that is read-only or full, a file where a folder should be


def error_line(problem: Exception | str) -> str:
    """Return the one line that tells the user what went wrong (an error, or its `errors.message`)."""
    text = problem if isinstance(problem, str) else message(problem)
    return without_controls(f"Error: {for_terminal(text)}")  # a file name may hold terminal codes


def user_errors(func):
    """Turn a user's error into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            click.echo(error_line(exc), err=True)
            sys.exit(1)

    return wrapper


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


@contextlib.contextmanager
def one_line_usage_errors():
    """Let a usage error print as one line naming the help option, not the whole usage block."""
    try:
        yield
    except click.UsageError as exc:
        if exc.ctx is None:
            raise
        raise click.UsageError(f"{exc.format_message()} (see '{exc.ctx.command_path} -h')") from None


class CommandGroup(click.Group):
    def make_context(self, *args, **kwargs):
        with one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with one_line_usage_errors():
            return super().invoke(ctx)


@click.group("audio-edition", cls=CommandGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="audio-edition")
def main() -> None:
    """Turn a German news article into a chaptered audio edition.

    Example: audio-edition build article/twitter-microsoft.txt
    """
    logging.basicConfig(level=logging.WARNING, format="Warning: %(message)s")


@main.command(context_settings=CONTEXT)
@article_argument
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option("--spoken", is_flag=True, help="Show each section in full as it will be spoken, to proof-read.")
@click.option("--engine", type=click.Choice(engines.NAMES),
              help="Apply the lexicon entries limited to this voice too (`[espeak, piper] Musk = Mask`).")
@user_errors
def sections(article: Path, fmt: str | None, lexicons: tuple[Path, ...], as_json: bool, spoken: bool,
             engine: str | None) -> None:
    """Show the title and sections that ARTICLE will be read as.

    Example: audio-edition sections article/twitter-microsoft.txt --spoken --engine espeak
    """
    source = load(article, fmt)
    parsed = source.article
    # Only the spoken text needs sentence splitting and the German rules, the slow part of a long
    # article (about 20 s a megabyte); the outline does without.
    said = ([spoken_text(s) for s in plan.scripts(source, lexicons, engine, max_chars=10**6)]
            if as_json or spoken else [""] * len(parsed.sections))
    speech.announcement(parsed)  # a bad intro line is an error before a build, with or without the spoken text
    if as_json:
        click.echo(json.dumps(plan_json(parsed, said), ensure_ascii=False, indent=2))
        return
    click.echo(parsed.title)
    for number, (section, words) in enumerate(zip(parsed.sections, said), 1):
        click.echo(f"{number:>3}. {section.title}  ({len(section.text)} chars)")
        if spoken:
            click.echo(textwrap.indent(textwrap.fill(words, 100), "     ") + "\n")
        else:
            click.echo(textwrap.indent(textwrap.shorten(section.text, 110, placeholder=" …"), "     "))


def spoken_text(section: speech.SectionScript) -> str:
    """Return everything said in a section, as one text."""
    return " ".join(chunk.spoken for chunk in section.chunks)


def load(article: Path | str, fmt: str | None) -> Source:
    """Return the article of a file or link, printing any notice about how it was read."""
    source = open_source(article, fmt)
    for notice in source.article.notices:
        click.echo(without_controls(f"Note: {notice}"), err=True)  # notices name the file
    return source


def plan_json(article: Article, spoken: list[str]) -> dict:
    """Return the JSON form of an article's section plan, with what will be said in each section."""
    return {
        "title": article.title,
        "meta": article.meta,
        "sections": [{"title": s.title, "text": s.text, "spoken": said} for s, said in zip(article.sections, spoken)],
    }


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
                 dry_run=False, **voice_settings) -> BuildOptions:
    """Return the BuildOptions that the command-line options describe."""
    return BuildOptions(
        output=output, audio_format=audio_format, engine=engine, speed=speed, cache_dir=cache_dir, intro=intro,
        outro=outro, intro_line=intro_line, cover=cover, bitrate=bitrate, fmt=fmt, dry_run=dry_run,
        lexicons=lexicons, voice_settings={k: v for k, v in voice_settings.items() if v is not None},
        pauses=render.Pauses(sentence=pause_sentence, paragraph=pause_paragraph, section=pause_section),
        loudness=Target(loudness, true_peak), sidecars=sidecars,
    )


@main.command(context_settings=CONTEXT)
@build_options(many=True)
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the editions, each named after its article  [default: output]")
@click.option("--feed", "with_feed", is_flag=True,
              help="Also update the output folder's feed.xml, with the channel settings saved by `feed`.")
@click.option("--base-url", help="With --feed: where the folder is published  [default: the feed's own, "
                                 "else http://localhost:8000/]")
@click.option("-n", "--dry-run", is_flag=True, help="Only report what would change; synthesise and write nothing.")
@user_errors
def build(articles: tuple, quiet: bool, output_dir: Path | None, with_feed: bool, base_url: str | None,
          **options) -> None:
    """Build the chaptered audio edition of each ARTICLE: a file, a folder of articles, or a web link.

    Several articles are built side by side, each its own edition in --output-dir, with a summary
    table at the end; the exit status is 1 if any failed.

    Example: audio-edition build article/twitter-microsoft.txt https://example.org/artikel.html
    """
    from audio import batch

    settings = dataclasses.replace(options_from(**options), output_dir=output_dir)
    listed = batch.articles_in(articles)
    if len(articles) == 1 and len(listed) == 1 and not Path(str(articles[0])).is_dir():
        with TerminalEvents(quiet) as events:
            result = run_build(listed[0], settings, events)
        report(result)
        folders, failed = [result.output.parent], False
    else:
        if settings.output is not None:
            raise click.UsageError("-o names one audio file; for several articles give --output-dir DIR")
        with TerminalEvents(quiet) as events:
            items = run_batch(listed, settings, events)
        click.echo(batch_table(items))
        folders = list(dict.fromkeys(item.result.output.parent for item in items if item.result))
        failed = any(item.error for item in items)
    if with_feed and not settings.dry_run:
        for folder in folders:
            path, count = batch.update_feed(folder, base_url)
            click.echo(f"Wrote {path}: {count} episodes")
    if failed:
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@build_options()
@user_errors
def watch(article: Path, quiet: bool, **options) -> None:
    """Rebuild ARTICLE's edition each time the file is saved; Ctrl-C stops.

    Builds once at the start, then after every save of the article or of its lexicons (several
    saves in quick succession make one build). A failed build is reported and watching goes on.

    Example: audio-edition watch article/twitter-microsoft.txt
    """
    import watchfiles

    if is_link(article):
        raise EditionError(f"{article}: a link cannot be watched, only a file you edit; run build again to "
                           f"rebuild it when the page changed")
    settings = options_from(**options)
    watched = {article.resolve(), (article.parent / lexicon.FILE_NAME).resolve(),
               *(Path(p).resolve() for p in settings.lexicons)}
    folders = {path.parent for path in watched}
    click.echo(without_controls(f"Watching {article}; Ctrl-C to stop."), err=True)
    built = None
    try:
        # Woken by file events or every second; the files' signatures decide, so a save made
        # while a build runs is never missed.
        for _ in watchfiles.watch(*folders, debounce=300, step=50, rust_timeout=1000, yield_on_timeout=True,
                                  raise_interrupt=False, watch_filter=lambda change, path: Path(path) in watched):
            current = [signature(path) for path in sorted(watched)]
            if signature(article.resolve()) is not None and current != built:
                built = current
                watch_build(article, settings, quiet)
    except KeyboardInterrupt:
        pass


def signature(path: Path) -> tuple[int, int] | None:
    """Return what tells one saved version of a file from the next: its mtime and size."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def watch_build(article: Path, options: BuildOptions, quiet: bool) -> None:
    """Run one build for `watch`: print its report, or its error, and return either way."""
    try:
        with TerminalEvents(quiet) as events:
            report(build_edition(article, options, events))
    except USER_ERRORS as exc:
        click.echo(error_line(exc), err=True)


CACHE_DIR = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                         help="The cache folder  [default: ~/.cache/audio-edition]")


@main.group(context_settings=CONTEXT, invoke_without_command=True)
@CACHE_DIR
@click.pass_context
def cache(ctx: click.Context, cache_dir: Path | None) -> None:
    """Show where the cache is and how much it holds.

    Example: audio-edition cache; audio-edition cache prune
    """
    ctx.obj = Cache(cache_dir or default_cache_dir())
    if ctx.invoked_subcommand is None:
        entries = ctx.obj.entries()
        size = sum(p.stat().st_size for p in entries)
        click.echo(f"{ctx.obj.root}: {len(entries)} files, {megabytes(size)}")


@cache.command(context_settings=CONTEXT)
@click.option("--keep-for", "folders", multiple=True, default=["output"], show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Keep what the editions (manifests) in this folder use; may be given several times.")
@click.option("-n", "--dry-run", is_flag=True, help="Only say what would be removed.")
@CACHE_DIR
@click.pass_obj
@user_errors
def prune(store: Cache, folders: tuple[Path, ...], dry_run: bool, cache_dir: Path | None) -> None:
    """Remove cache entries that no edition in the given folders uses.

    Example: audio-edition cache prune --keep-for output --keep-for ../podcast/output
    """
    store = Cache(cache_dir) if cache_dir else store  # `cache --cache-dir D prune` and `cache prune --cache-dir D`
    missing = [str(f) for f in folders if not Path(f).is_dir()]
    if missing:
        raise EditionError(f"no such folder: {', '.join(missing)}")
    keep, editions = manifest.keys_in(list(folders))
    keep.add(plan.splitter_key())  # not an edition's, but every edit's: it starts the sentence splitter quickly
    files, size = store.prune(keep, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {files} files ({megabytes(size)}); kept what {editions} editions use")


OUTPUT_DIR = click.option("-d", "--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default="output",
                          show_default=True, help="The folder with the editions.")


@main.command("feed", context_settings=CONTEXT)
@OUTPUT_DIR
@click.option("--base-url", default="http://localhost:8000/", show_default=True,
              help="Where the folder is published; enclosure and sidecar URLs start with it.")
@click.option("--title", help="The podcast's title (remembered in feed.json for the next runs).")
@click.option("--description", help="The podcast's description.")
@click.option("--author", help="The podcast's author.")
@click.option("--image", help="Cover of the podcast: a URL, or an image file (copied into the folder).")
@click.option("--category", help="iTunes category, e.g. News.")
@click.option("--explicit/--clean", default=None, help="The iTunes explicit flag.")
@user_errors
def feed_command(folder: Path, base_url: str, **settings) -> None:
    """Write FOLDER/feed.xml, an RSS podcast feed of every edition in the folder.

    Run it again after each build: the feed is made anew from the editions' manifests, and an
    edition keeps its GUID when it is regenerated.

    Example: audio-edition feed --base-url https://example.org/podcast/ --title "Meine Artikel"
    """
    from audio import feed

    feed.check_base_url(base_url)
    channel = configure(folder, settings)
    path, items = feed.write_feed(folder, base_url, channel)
    for name in feed.unmatched(folder):
        click.echo(without_controls(f"Note: {name} left out: it is not the audio its manifest describes (a build "
                                    "cut short, or the file changed since); build it again"), err=True)
    click.echo(without_controls(f"Wrote {path}: {items} episodes, {base_url}"))


def configure(folder: Path, settings: dict):
    """Return the feed channel settings saved in `folder`, updated with the options given, and save them."""
    from audio import feed

    if not folder.is_dir():
        raise EditionError(f"no such folder: {folder}")
    channel = feed.load_channel(folder)
    given = {k: v for k, v in settings.items() if v is not None}
    if given.get("image"):
        given["image"] = feed.place_image(folder, given["image"])
    if given:
        channel = dataclasses.replace(channel, **given)
        feed.save_channel(folder, channel)
    return channel


@main.command(context_settings=CONTEXT)
@OUTPUT_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network subscribe.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--base-url", help="The URL the phone uses  [default: http://HOST:PORT/]")
@user_errors
def serve(folder: Path, host: str, port: int, base_url: str | None) -> None:
    """Serve FOLDER over HTTP (with range requests for seeking) and a feed whose URLs point at it.

    Example: audio-edition serve --host 0.0.0.0 --base-url http://192.168.1.20:8000/
    """
    from audio import feed
    from audio.serve import server

    if base_url:
        feed.check_base_url(base_url)
    channel = configure(folder, {})
    urls: list[str] = []  # known once the server has its port

    def current_feed() -> bytes:  # made at each request: editions built while serving appear at once
        return feed.rss(feed.editions(folder), urls[0], channel)

    try:
        httpd = server(folder, host, port, current_feed)
    except OSError as exc:
        raise EditionError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    url = base_url or f"http://{host}:{httpd.server_address[1]}/"
    urls.append(url)
    click.echo(without_controls(f"Serving {folder} at {url}; subscribe to {url}{feed.FEED_FILE}; Ctrl-C stops."))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def report(result: BuildResult) -> None:
    """Print what changed since the previous edition, one line a section, then the summary line."""
    for change in result.changes or []:
        click.echo(without_controls(change.line()))  # titles of an older manifest, written before they were cleaned
    click.echo(summary(result))


def summary(result: BuildResult) -> str:
    """Return the one line that tells what a build made (or, in a dry run, would make)."""
    changed = f"{changes.summary(result.changes, result.sections)}, " if result.changes is not None else ""
    retries = f", {result.voice_report}" if result.voice_report else ""
    if result.dry_run:
        return without_controls(f"Dry run for {result.output}: {changed}{result.synthesised} chunks to synthesise, "
                                f"{result.reused} reused, voice {result.engine}; nothing written")
    return without_controls(  # the output's name may hold terminal codes
        f"Wrote {result.output}: {clock(round(result.duration))}, {len(result.chapters)} chapters, {changed}"
        f"{result.synthesised} chunks synthesised, {result.reused} reused{retries}, voice {result.engine}"
    )


class TerminalEvents:
    """Shows a build's progress: a bar on a terminal, nothing when piped or quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar: Any = None  # a click progress bar while a stage runs
        self.lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def notice(self, text: str) -> None:
        if not self.quiet:
            click.echo(without_controls(f"Note: {text}"), err=True)

    def started(self, stage: str, total: int) -> None:
        self.close()
        if total and not self.quiet and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label=f"{stage:<12}", file=sys.stderr)
            self.bar.__enter__()

    def advanced(self, amount: int = 1) -> None:
        with self.lock:  # called from the synthesis and encoding threads
            if self.bar is not None:
                self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_batch(articles: list, options: BuildOptions, events: TerminalEvents) -> list:
    """Build several articles; Ctrl-C ends the run with a one-line message, keeping what was synthesised."""
    from audio import batch

    try:
        return batch.build_many(articles, options, events)
    except KeyboardInterrupt:
        events.close()
        raise EditionError("interrupted; what was synthesised is cached, the previous editions are untouched") from None


def batch_table(items: list) -> str:
    """Return the summary of a batch: one row per article with its duration, chapters, changes and voice, or error."""
    rows = [("article", "duration", "chapters", "changed", "voice")]
    for item in items:
        result = item.result
        if result is None:
            rows.append((item.article, "failed", "", "", error_line(item.error or "")))
            continue
        changed = (f"{sum(1 for c in result.changes if c.kind != 'removed')} of {result.sections}"
                   if result.changes is not None else "new")
        duration = "dry run" if result.dry_run else clock(round(result.duration))
        rows.append((item.article, duration, str(len(result.chapters)), changed, result.engine))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4] for row in rows]
    built = sum(1 for item in items if item.result)
    lines.append(f"{built} of {len(items)} articles built" + (f", {len(items) - built} failed" if built < len(items)
                                                                 else ""))
    return "\n".join(line.rstrip() for line in lines)


def run_build(article: Path | str, options: BuildOptions, events: TerminalEvents) -> BuildResult:
    """Run a build; Ctrl-C ends it with a one-line message, keeping what was synthesised."""
    try:
        return build_edition(article, options, events)
    except KeyboardInterrupt:
        events.close()
        raise EditionError("interrupted; what was synthesised is cached, the previous edition is untouched") from None


# --- Piper voices: `voices` lists them, `voices download NAME` fetches one ahead of time ---


@main.group("voices", context_settings=CONTEXT, invoke_without_command=True)
@click.pass_context
@user_errors
def voices_command(ctx: click.Context) -> None:
    """List the German Piper voices: name, quality, download size, licence, installed or not.

    The list comes from the voice repository once and is kept in the voices folder.

    Example: audio-edition voices; audio-edition voices download de_DE-thorsten-medium
    """
    if ctx.invoked_subcommand is not None:
        return
    from audio import voices

    try:
        catalogue = voices.german(voices.catalogue())
    except EditionError as exc:  # offline before the list was ever fetched: what is installed can still be used
        installed = voices.installed_here()
        if not installed:
            raise
        click.echo(without_controls(f"Note: {for_terminal(str(exc))}; these voices are installed here:"), err=True)
        for name, size in installed.items():
            click.echo(without_controls(f"{name}  {megabytes(size):>8}  installed"))
        click.echo(f"Voices folder: {voices.voices_folder()}")
        return
    width = max(len(v.name) for v in catalogue) if catalogue else 0
    for voice in catalogue:
        state = "installed" if voices.is_installed(voice) else ""
        default = " (default)" if voice.name == voices.DEFAULT_VOICE else ""
        click.echo(without_controls(  # names and licences come from the voice repository's files
            f"{voice.name:<{width}}  {voice.quality:<6}  {megabytes(voice.size):>8}  "
            f"{voices.licence(voice) or 'licence: see model card':<16}  {state}{default}".rstrip()))
    click.echo(f"Voices folder: {voices.voices_folder()}")


@voices_command.command("download", context_settings=CONTEXT)
@click.argument("name")
@user_errors
def voices_download(name: str) -> None:
    """Download the Piper voice NAME and check it, for use without internet later.

    Example: audio-edition voices download de_DE-thorsten-medium
    """
    from audio import voices

    voice = voices.find(name, voices.catalogue())
    with TerminalEvents(quiet=False) as events:  # a bar of the bytes on a terminal
        installed = voices.download(voice, events)
    click.echo(without_controls(f"{voice.name} is installed: {installed.model} ({megabytes(voice.size)}, checked)"))

