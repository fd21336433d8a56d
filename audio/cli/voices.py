"""`audio-edition voices` and `voices download`: the Piper voices."""

from __future__ import annotations

import click

from audio.cli.options import CONTEXT
from audio.cli.terminal import TerminalEvents, megabytes, user_errors
from audio.errors import EditionError, for_terminal
from audio.read.article import without_controls


@click.group("voices", context_settings=CONTEXT, invoke_without_command=True)
@click.pass_context
@user_errors
def voices_command(ctx: click.Context) -> None:
    """List the German Piper voices: name, quality, download size, licence, installed or not.

    The list comes from the voice repository once and is kept in the voices folder.

    Example: audio-edition voices; audio-edition voices download de_DE-thorsten-medium
    """
    if ctx.invoked_subcommand is not None:
        return
    from audio.engines import voices

    try:
        catalogue = voices.german(voices.catalogue())
    except EditionError as exc:  # offline before the list was ever fetched: what is installed can still be used
        installed = voices.installed_here()
        if not installed:
            raise
        click.echo(without_controls(f"Note: {for_terminal(str(exc))}; these voices are installed here:"), err=True)
        for name, size in installed.items():
            click.echo(without_controls(f"{name}  {megabytes(size):>8}  installed"))
        click.echo(f"Voices folder: {voices.voices_folder()}")
        return
    width = max(len(v.name) for v in catalogue) if catalogue else 0
    for voice in catalogue:
        state = "installed" if voices.is_installed(voice) else ""
        default = " (default)" if voice.name == voices.DEFAULT_VOICE else ""
        click.echo(without_controls(  # names and licences come from the voice repository's files
            f"{voice.name:<{width}}  {voice.quality:<6}  {megabytes(voice.size):>8}  "
            f"{voices.licence(voice) or 'licence: see model card':<16}  {state}{default}".rstrip()))
    click.echo(f"Voices folder: {voices.voices_folder()}")


@voices_command.command("download", context_settings=CONTEXT)
@click.argument("name")
@user_errors
def voices_download(name: str) -> None:
    """Download the Piper voice NAME and check it, for use without internet later.

    Example: audio-edition voices download de_DE-thorsten-medium
    """
    from audio.engines import voices

    voice = voices.find(name, voices.catalogue())
    with TerminalEvents(quiet=False) as events:  # a bar of the bytes on a terminal
        installed = voices.download(voice, events)
    click.echo(without_controls(f"{voice.name} is installed: {installed.model} ({megabytes(voice.size)}, checked)"))

