"""The `audio-edition` command line: one module per command, each a thin client of the Python API.

Shared options live in `options`, what is printed in `terminal`; this module holds the group.
"""

from __future__ import annotations

import contextlib
import logging

import click

from audio.cli.options import CONTEXT
from audio.version import __version__


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
    # The extractor's warnings are about its own heuristics (`discarding data: None`), not the article;
    # what the user needs to know is our one line (`no article text found on the page`).
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


def _register() -> None:
    from audio.cli import build, cache, digest, feed, sections, serve, voices, watch, worker

    for command in (sections.sections, build.build, watch.watch, cache.cache, feed.feed_command, serve.serve,
                    voices.voices_command, digest.digest_command, worker.worker):
        main.add_command(command)
    from audio.cli import check
    main.add_command(check.check_command, "check")


_register()
