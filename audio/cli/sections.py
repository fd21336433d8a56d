"""`audio-edition sections`: what an article will be read as."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from audio import engines
from audio.cli.options import CONTEXT, article_argument
from audio.cli.terminal import load, user_errors
from audio.edition import plan
from audio.read.article import Article
from audio.text import speech


@click.command(context_settings=CONTEXT)
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


def plan_json(article: Article, spoken: list[str]) -> dict:
    """Return the JSON form of an article's section plan, with what will be said in each section."""
    return {
        "title": article.title,
        "meta": article.meta,
        "sections": [{"title": s.title, "text": s.text, "spoken": said} for s, said in zip(article.sections, spoken)],
    }


