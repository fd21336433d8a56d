"""`audio-edition build`: one edition, or many side by side with a summary table."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from audio.build import BuildResult
from audio.build import build as build_edition
from audio.cli.options import CONTEXT, build_options, options_from
from audio.cli.terminal import TerminalEvents, error_line, report, user_errors
from audio.edition.options import BuildOptions
from audio.errors import EditionError
from audio.podcast.transcript import clock
from audio.read.article import without_controls


@click.command(context_settings=CONTEXT)
@build_options(many=True)
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the editions, each named after its article  [default: output]")
@click.option("--feed", "with_feed", is_flag=True,
              help="Also update the output folder's feed.xml, with the channel settings saved by `feed`.")
@click.option("--base-url", help="With --feed: where the folder is published  [default: the feed's own, "
                                 "else http://localhost:8000/]")
@click.option("-n", "--dry-run", is_flag=True, help="Only report what would change; synthesise and write nothing.")
@click.option("--preview", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an MP3 of only the sentences this build synthesised anew (an edit), each between "
                   "moments of silence, to hear a correction in seconds.")
@user_errors
def build(articles: tuple, quiet: bool, output_dir: Path | None, with_feed: bool, base_url: str | None,
          preview: Path | None, **options) -> None:
    """Build the chaptered audio edition of each ARTICLE: a file, a folder of articles, or a web link.

    Several articles are built side by side, each its own edition in --output-dir, with a summary
    table at the end; the exit status is 1 if any failed.

    Example: audio-edition build article/twitter-microsoft.txt https://example.org/artikel.html
    """
    from audio import batch

    settings = dataclasses.replace(options_from(**options), output_dir=output_dir, preview=preview)
    listed = batch.articles_in(articles)
    if preview and (len(listed) > 1 or Path(str(articles[0])).is_dir()):
        raise click.UsageError("--preview is for one article")
    if len(articles) == 1 and len(listed) == 1 and not Path(str(articles[0])).is_dir():
        with TerminalEvents(quiet) as events:
            result = run_build(listed[0], settings, events)
        report(result)
        if preview and not settings.dry_run:
            click.echo(without_controls(f"Wrote {result.preview}: the {result.synthesised} chunks synthesised anew")
                       if result.preview else "No preview: nothing was synthesised anew" if result.changes is not None
                       else "No preview: a first build says everything anew; hear the edition itself")
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


