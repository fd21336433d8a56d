"""`audio-edition cache` and `cache prune`: the cache of synthesised speech."""

from __future__ import annotations

from pathlib import Path

import click

from audio.cli.options import CACHE_DIR, CONTEXT
from audio.cli.terminal import megabytes, user_errors
from audio.edition import manifest
from audio.edition.cache import Cache
from audio.edition.cache import default_dir as default_cache_dir
from audio.errors import EditionError


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@CACHE_DIR
@click.pass_context
def cache(ctx: click.Context, cache_dir: Path | None) -> None:
    """Show where the cache is and how much it holds.

    Example: audio-edition cache; audio-edition cache prune
    """
    ctx.obj = Cache(cache_dir or default_cache_dir())
    if ctx.invoked_subcommand is None:
        entries = ctx.obj.entries()
        size = sum(p.stat().st_size for p in entries)
        click.echo(f"{ctx.obj.root}: {len(entries)} files, {megabytes(size)}")


@cache.command(context_settings=CONTEXT)
@click.option("--keep-for", "folders", multiple=True, default=["output"], show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Keep what the editions (manifests) in this folder use; may be given several times.")
@click.option("-n", "--dry-run", is_flag=True, help="Only say what would be removed.")
@CACHE_DIR
@click.pass_obj
@user_errors
def prune(store: Cache, folders: tuple[Path, ...], dry_run: bool, cache_dir: Path | None) -> None:
    """Remove cache entries that no edition in the given folders uses.

    Example: audio-edition cache prune --keep-for output --keep-for ../podcast/output
    """
    store = Cache(cache_dir) if cache_dir else store  # `cache --cache-dir D prune` and `cache prune --cache-dir D`
    missing = [str(f) for f in folders if not Path(f).is_dir()]
    if missing:
        raise EditionError(f"no such folder: {', '.join(missing)}")
    keep, editions = manifest.keys_in(list(folders))
    files, size = store.prune(keep, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {files} files ({megabytes(size)}); kept what {editions} editions use")


