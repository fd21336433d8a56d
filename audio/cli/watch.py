"""`audio-edition watch`: rebuild an edition on every save."""

from __future__ import annotations

from pathlib import Path

import click

from audio.build import build as build_edition
from audio.cli.options import CONTEXT, build_options, options_from
from audio.cli.terminal import TerminalEvents, error_line, report, user_errors
from audio.edition.options import BuildOptions
from audio.errors import EditionError
from audio.read.article import without_controls
from audio.read.source import is_link
from audio.text import lexicon


@click.command(context_settings=CONTEXT)
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
    except Exception as exc:  # noqa: BLE001 - whatever one save holds, watching goes on
        click.echo(error_line(exc), err=True)


