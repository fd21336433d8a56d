"""`audio-edition digest`: many articles made into one briefing, a chapter each."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from audio.briefing import BriefingOptions, BriefingResult, digest
from audio.briefing.make import briefing_path
from audio.briefing.options import CHAPTER_DEPTHS
from audio.cli.options import BUILD_OPTIONS, CONTEXT, ArticleType, options_from
from audio.cli.terminal import USER_ERRORS, TerminalEvents, error_line, user_errors
from audio.cli.watch import signature
from audio.errors import EditionError
from audio.podcast.transcript import clock
from audio.read.article import without_controls
from audio.read.source import FORMATS, is_link
from audio.text import lexicon

DEFAULTS = BriefingOptions()

DIGEST_OPTIONS = [
    click.option("--format", "fmt", type=click.Choice(FORMATS),
                 help="Read the files as this format instead of guessing from their extensions."),
    click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Pronunciation lexicon on top of the built-in one and each article's lexicon.txt; repeatable."),
    click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
                 help="Folder for the briefing, named briefing-DATE  [default: output]; also where the "
                      "articles' own editions are looked for."),
    click.option("--title", default=DEFAULTS.title, show_default=True,
                 help="The briefing's name: spoken first, the introduction's chapter, the feed's title; "
                      "each episode adds its day."),
    click.option("--date", help="The briefing's day, YYYY-MM-DD  [default: today]"),
    click.option("--gap", type=click.FloatRange(0, 30), default=DEFAULTS.gap, show_default=True,
                 help="Seconds of silence between one article's last word and the next one's title."),
    click.option("--jingle", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="A short sound between articles instead of the silence (any audio ffmpeg reads)."),
    click.option("--no-intro", is_flag=True, help="Leave out the spoken introduction (title, date, the topics)."),
    click.option("--outro-line", help="Spoken after the last article, with {title}, {date}, {topics}, {author}, "
                                      "{publication}: 'Das waren {title}. Bis morgen.'"),
    click.option("--chapters", type=click.Choice(CHAPTER_DEPTHS), default=DEFAULTS.chapters, show_default=True,
                 help="One chapter per article, or its sections too (nested under the article in MP3)."),
    click.option("--from-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
                 help="Take the article editions built in this folder (briefings left out), newest first."),
    click.option("--from-feed", metavar="FEED",
                 help="Take the articles a newsroom's RSS or Atom feed links to (a URL or a file), newest first."),
    click.option("--newest", type=click.IntRange(1), help="Only the N newest articles."),
    click.option("--since", help="Only articles of this day (YYYY-MM-DD) or later."),
    click.option("--feed", "with_feed", is_flag=True,
                 help="Also update the output folder's briefings.xml, the feed of its briefings alone."),
    click.option("--base-url", help="With --feed: where the folder is published  [default: the feeds' own, "
                                    "else http://localhost:8000/]"),
    click.option("--skip-bad", is_flag=True, help="Leave out an article that cannot be read (with a warning)."),
    click.option("--watch", "watching", is_flag=True, help="Make the briefing again each time one of its files changes."),
]


def digest_options(func):
    for option in reversed([*BUILD_OPTIONS, *DIGEST_OPTIONS]):
        func = option(func)
    return click.argument("sources", metavar="[SOURCE]...", nargs=-1, type=ArticleType(folders=True))(func)


@click.command("digest", context_settings=CONTEXT)
@digest_options
@user_errors
def digest_command(sources: tuple, quiet: bool, output_dir: Path | None, title: str, date: str | None, gap: float,
                   jingle: Path | None, no_intro: bool, outro_line: str | None, chapters: str, from_dir: Path | None,
                   from_feed: str | None, newest: int | None, since: str | None, with_feed: bool,
                   base_url: str | None, skip_bad: bool, watching: bool, **options) -> None:
    """Make one episode of many articles: a spoken introduction, then each SOURCE as a chapter.

    SOURCE is an article file, a folder of articles or a link, spoken in the order given; or take
    them with --from-dir or --from-feed. Articles already built cost no new synthesis: their
    sections come from the cache and are joined without encoding them again. The briefing is
    output/briefing-DATE.mp3 unless -o names it; --intro-line replaces the introduction's wording
    ({title}, {date}, {topics}, {author}, {publication}).

    Example: audio-edition digest --from-dir output --newest 5 --feed
    """
    build = options_from(**options)
    settings = BriefingOptions(
        **{f.name: getattr(build, f.name) for f in dataclasses.fields(build)} | {"output_dir": output_dir},
        title=title, date=date, gap=gap, jingle=jingle, spoken_intro=not no_intro, outro_line=outro_line,
        chapters=chapters, from_dir=from_dir, from_feed=from_feed, newest=newest, since=since, feed=with_feed,
        base_url=base_url, skip_bad=skip_bad)
    if not watching:
        report(run_digest(sources, settings, quiet))
        return
    watch(sources, settings, quiet)


def run_digest(sources: tuple, options: BriefingOptions, quiet: bool) -> BriefingResult:
    """Make the briefing; Ctrl-C ends it with a one-line message, keeping what was synthesised."""
    with TerminalEvents(quiet) as events:
        try:
            return digest(list(sources), options, events)
        except KeyboardInterrupt:
            events.close()
            raise EditionError("interrupted; what was synthesised is cached, the previous briefing is untouched") \
                from None


def report(result: BriefingResult) -> None:
    """Print one line per article (new, changed or unchanged since the last briefing), then the summary."""
    for article in result.articles:
        made = f"  ({article.synthesised} chunks synthesised)" if article.synthesised else ""
        click.echo(without_controls(f"{article.state:<9}  {clock(round(article.start)):>7}  {article.title}{made}"))
    click.echo(summary(result))
    if result.feed is not None:
        click.echo(without_controls(f"Wrote {result.feed}"))


def summary(result: BriefingResult) -> str:
    """Return the one line that tells what the briefing made."""
    states = [a.state for a in result.articles]
    counted = ", ".join(f"{states.count(s)} {s}" for s in ("new", "changed", "unchanged") if states.count(s))
    skipped = f", {len(result.skipped)} left out" if result.skipped else ""
    retries = f", {result.voice_report}" if result.voice_report else ""
    return without_controls(
        f"Wrote {result.output}: {clock(round(result.duration))}, {len(result.chapters)} chapters, "
        f"{len(result.articles)} articles ({counted}){skipped}, {result.synthesised} chunks synthesised, "
        f"{result.reused} reused, {result.encoded} sections encoded{retries}, voice {result.engine}")


def watch(sources: tuple, options: BriefingOptions, quiet: bool) -> None:
    """Make the briefing, then again each time one of its files changes (its articles, their lexicons, the
    jingle, intro, outro and cover; with --from-dir, the editions in that folder); Ctrl-C stops."""
    import watchfiles

    from audio.briefing.pick import expand

    click.echo("Watching the briefing's files; Ctrl-C to stop.", err=True)
    watched = files_of([str(s) for s in expand(list(sources))], options)
    made: dict | None = None
    try:
        for _ in watchfiles.watch(*folders(sources, options), debounce=300, step=50, rust_timeout=1000,
                                  yield_on_timeout=True, raise_interrupt=False):
            current = state(watched, options)  # taken before the briefing reads them: a save during it is seen
            if current == made:
                continue
            made = current
            try:
                result = run_digest(sources, options, quiet)
                report(result)
                found = files_of([a.article for a in result.articles], options)
                made |= state(found - watched, options)
                watched |= found
            except USER_ERRORS as exc:
                click.echo(error_line(exc), err=True)
    except KeyboardInterrupt:
        pass


def folders(sources: tuple, options: BriefingOptions) -> set[Path]:
    """Return the folders to watch: those of the sources given (or the --from-dir folder) and of the extra files."""
    found = {Path(str(s)).resolve() if Path(str(s)).is_dir() else Path(str(s)).resolve().parent
             for s in sources if not is_link(s)}
    if options.from_dir is not None:
        found.add(options.from_dir.resolve())
    for extra in (options.jingle, options.intro, options.outro, options.cover, *options.lexicons):
        if extra is not None:
            found.add(Path(extra).resolve().parent)
    return found or {Path.cwd()}


def files_of(articles: list[str], options: BriefingOptions) -> set[Path]:
    """Return the files a briefing is made of: its article files, their lexicon.txt, and the extra files."""
    found: set[Path] = set()
    for article in articles:
        if not is_link(article) and Path(article).is_file():
            path = Path(article).resolve()
            found.update({path, path.parent / lexicon.FILE_NAME})
    for extra in (options.jingle, options.intro, options.outro, options.cover, *options.lexicons):
        if extra is not None:
            found.add(Path(extra).resolve())
    return found


def state(watched: set[Path], options: BriefingOptions) -> dict:
    """Return what tells one version of the briefing's files from the next (with --from-dir, its manifests too)."""
    paths = set(watched)
    if options.from_dir is not None:  # its editions' manifests, but not what the briefing itself writes there
        own = briefing_path(options)[0]
        paths.update(p for p in Path(options.from_dir).glob("*.json")
                     if not (p.parent.resolve() == own.parent.resolve() and p.name.startswith(f"{own.stem}.")))
    return {path: signature(path) for path in paths}
