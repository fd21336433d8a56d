"""The one exception type for failures a user can cause and fix."""

from __future__ import annotations

import re

OPTION = re.compile(r"\b([a-z][a-z_]*)='([^']*)'")
FLAG = re.compile(r"\b([a-z][a-z_]*)=True\b")


class EditionError(Exception):
    """A problem the user can act on; the CLI prints it as one line and exits 1.

    Messages name options as a library user writes them (`engine='espeak'`); `for_terminal`
    words them as command-line flags.
    """


def for_terminal(message: str) -> str:
    """Return a library message with its options written as command-line flags (`--engine espeak`)."""
    message = OPTION.sub(lambda m: f"--{m[1].replace('_', '-')} {m[2]}", message)
    return FLAG.sub(lambda m: f"--{m[1].replace('_', '-')}", message)


def message(exc: BaseException) -> str:
    """Return a user's error as one line, worded as the library words it: an EditionError's message, or an
    OSError (a folder that is read-only or full, a file where a folder should be) with the file it concerns.

    Anything else is a bug; where one article must not stop others (a batch, `watch`), it is said as one line too.
    """
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, EditionError):
        return first or type(exc).__name__
    return f"unexpected {type(exc).__name__}{': ' + first if first else ''} (a bug in audio-edition; please report it)"
