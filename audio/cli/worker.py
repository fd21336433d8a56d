"""`audio-edition worker`: build what the newsroom's API accepts, from a queue in Redis shared with `serve --api`."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from audio.cli.options import CONTEXT, OUTPUT_DIR
from audio.cli.terminal import user_errors
from audio.errors import EditionError
from audio.read.article import without_controls


@click.command(context_settings=CONTEXT)
@OUTPUT_DIR
@click.option("--queue", required=True, help="The build queue of `serve --api --queue`: redis://HOST:PORT/N.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Builds at once.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The shared cache folder as this machine mounts it  [default: the one `serve --api` uses]")
@user_errors
def worker(folder: Path, queue: str, workers: int, cache_dir: Path | None) -> None:
    """Build the articles submitted to `serve --api` for FOLDER, taking them from its Redis queue.

    Run as many as you like, on this machine or on others that share FOLDER and the cache folder
    (a network file system); they build with the defaults `serve --api` was started with.

    Example: audio-edition worker -d /srv/podcast --queue redis://queue.internal:6379/0
    """
    from audio.service.desk import load_settings
    from audio.service.run import Running

    if not queue.startswith(("redis://", "rediss://", "unix://")):
        raise EditionError(f"{queue}: workers share a queue in Redis: give --queue redis://HOST:PORT/N")
    running = Running.worker(load_settings(folder, queue, cache_dir), workers,
                             report=lambda line: click.echo(without_controls(line)))
    click.echo(without_controls(f"Worker {running.workers.name} building for {folder} from {queue}; Ctrl-C stops."))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
