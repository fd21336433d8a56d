"""What the commands print: one line per error, progress bars, a build's report."""

from __future__ import annotations

import functools
import sys
import threading
from pathlib import Path
from typing import Any

import click

from audio.build import BuildResult
from audio.edition import changes
from audio.errors import EditionError, for_terminal, message
from audio.podcast.transcript import clock
from audio.read.article import without_controls
from audio.read.source import Source, open_source

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


def load(article: Path | str, fmt: str | None) -> Source:
    """Return the article of a file or link, printing any notice about how it was read."""
    source = open_source(article, fmt)
    for notice in source.article.notices:
        click.echo(without_controls(f"Note: {notice}"), err=True)  # notices name the file
    return source


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

