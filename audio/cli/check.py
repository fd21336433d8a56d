"""`audio-edition check`: what a listener hears, sentence by sentence, against what was written."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from audio.check import CheckReport, check
from audio.cli.options import CACHE_DIR, CONTEXT
from audio.cli.terminal import TerminalEvents, user_errors
from audio.podcast.transcript import clock
from audio.read.article import without_controls

FAILED_CHECK = 3  # --fail-over: the edition was heard worse than allowed (1 stays for errors)
SHOWN = 10  # words listed; the worst come first


def words_option(ctx, param, value: tuple[str, ...]) -> tuple[str, ...]:
    """Return the words of repeated or comma-separated --words values."""
    return tuple(w.strip() for v in value for w in v.split(",") if w.strip())


@click.command(context_settings=CONTEXT)
@click.argument("edition", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", default="base", show_default=True,
              help="Whisper model: a name (base, small for a better ear; fetched once) or a folder in CTranslate2's format.")
@click.option("--language", default="de", show_default=True, help="The language spoken.")
@click.option("--words", multiple=True, callback=words_option,
              help="Check only the sentences with these words, and report on them (comma-separated or repeated).")
@click.option("--fail-over", type=click.FloatRange(0, 1), metavar="RATE",
              help="Exit with status 3 when the word error rate is above RATE (0 to 1), for CI.")
@click.option("--no-suggest", is_flag=True, help="Do not try respellings for the words heard wrong.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("-d", "--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default="output",
              show_default=True, help="Where an article's edition is, when EDITION is the article.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notes.")
@CACHE_DIR
@user_errors
def check_command(edition: Path, model: str, language: str, words: tuple[str, ...], fail_over: float | None,
                  no_suggest: bool, as_json: bool, folder: Path, quiet: bool, cache_dir: Path | None) -> None:
    """Hear EDITION (its audio, its .json, or its article) sentence by sentence with a speech recogniser,
    and show the words the voice gets wrong, where, and a lexicon line to try.

    Example: audio-edition check output/twitter-microsoft.mp3
    """
    with TerminalEvents(quiet) as events:  # notes and the bar go to stderr: --json output stays clean
        report = check(edition, model=model, language=language, words=words or None, cache_dir=cache_dir,
                       output_dir=folder, suggest=not no_suggest, events=events)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        show(report)
    if fail_over is not None and report.wer > fail_over:
        if not as_json:
            click.echo(f"Word error rate {report.wer:.1%} is above {fail_over:.1%}", err=True)
        sys.exit(FAILED_CHECK)


def show(report: CheckReport) -> None:
    """Print the report: the summary line, the systematic mis-hearings with lexicon lines to try, the worst sentences."""
    again = f", {report.heard_now} heard now" if report.heard_now < len(report.sentences) else ""
    click.echo(without_controls(f"{report.edition}: {len(report.sentences)} sentences{again}, "
                                f"word error rate {report.wer:.1%} (Whisper {report.model})"))
    if report.words:
        click.echo("\nHeard wrong again and again:")
        for found in report.words[:SHOWN]:
            heard = ", ".join(sorted(set(h or "(nothing)" for h in found.heard), key=found.heard.count, reverse=True))
            times = " ".join(clock(t) for t in found.times)
            click.echo(without_controls(f"  {found.word}: {found.misheard} of {found.occurrences} times, heard as "
                                        f"{heard!s} at {times}"))
            if found.lexicon:
                click.echo(without_controls(f"    said as `{found.lexicon}` by a lexicon line"))
            if found.suggestion:
                click.echo(without_controls(f"    try in lexicon.txt: {found.suggestion}"))
        if len(report.words) > SHOWN:
            click.echo(f"  and {len(report.words) - SHOWN} more words (--json lists them all)")
    else:
        click.echo("No word was heard wrong at more than half of its occurrences.")
    worst = report.worst()
    if worst:
        click.echo("\nSentences heard worst:")
        for sentence in worst:
            click.echo(without_controls(f"  {clock(sentence.start)}  {sentence.wer:.0%}  written: "
                                        f"{textwrap.shorten(sentence.text, 100)}"))
            click.echo(without_controls(f"              heard:   {textwrap.shorten(sentence.heard or '(nothing)', 100)}"))
