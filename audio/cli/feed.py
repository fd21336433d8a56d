"""`audio-edition feed`: the podcast feed of a folder of editions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from audio.cli.options import CONTEXT, OUTPUT_DIR
from audio.cli.terminal import user_errors
from audio.errors import EditionError
from audio.read.article import without_controls


@click.command("feed", context_settings=CONTEXT)
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
    from audio.podcast import feed

    feed.check_base_url(base_url)
    channel = configure(folder, settings)
    path, items = feed.write_feed(folder, base_url, channel)
    for name in feed.unmatched(folder):
        click.echo(without_controls(f"Note: {name} left out: it is not the audio its manifest describes (a build "
                                    "cut short, or the file changed since); build it again"), err=True)
    click.echo(without_controls(f"Wrote {path}: {items} episodes, {base_url}"))


def configure(folder: Path, settings: dict):
    """Return the feed channel settings saved in `folder`, updated with the options given, and save them."""
    from audio.podcast import feed

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


