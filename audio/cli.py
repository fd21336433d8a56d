"""The `audio-edition` command line: options in, one line per result or error out."""

from __future__ import annotations

import functools
import json
import sys
import textwrap
from pathlib import Path

import click

from audio import __version__
from audio.article import FORMATS, Article, read_article
from audio.errors import EditionError

CONTEXT = {"help_option_names": ["-h", "--help"]}


def user_errors(func):
    """Turn an EditionError into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except EditionError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def article_argument(func):
    """The ARTICLE argument and the --format option shared by the commands that read one."""
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Read the file as this format instead of guessing from its extension.",
    )(func)
    return click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))(func)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="audio-edition")
def main() -> None:
    """Turn a German news article into a chaptered audio edition.

    Example: audio-edition build article/twitter-microsoft.txt
    """


@main.command(context_settings=CONTEXT)
@article_argument
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@user_errors
def sections(article: Path, fmt: str | None, as_json: bool) -> None:
    """Show the title and sections that ARTICLE will be read as.

    Example: audio-edition sections article/twitter-microsoft.txt --json
    """
    parsed = load(article, fmt)
    if as_json:
        click.echo(json.dumps(plan_json(parsed), ensure_ascii=False, indent=2))
        return
    click.echo(parsed.title)
    for number, section in enumerate(parsed.sections, 1):
        click.echo(f"{number:>3}. {section.title}  ({len(section.text)} chars)")
        click.echo(textwrap.indent(textwrap.shorten(section.text, 110, placeholder=" …"), "     "))


def load(path: Path, fmt: str | None) -> Article:
    """Return the parsed article, printing any notice about how it was read."""
    article = read_article(path, fmt)
    for notice in article.notices:
        click.echo(f"Note: {notice}", err=True)
    return article


def plan_json(article: Article) -> dict:
    """Return the JSON form of an article's section plan."""
    return {
        "title": article.title,
        "meta": article.meta,
        "sections": [{"title": s.title, "text": s.text} for s in article.sections],
    }
