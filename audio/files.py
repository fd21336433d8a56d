"""The user's own files, read safely: regular files only, of a bounded size, and front-matter paths kept
inside the article's folder."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

from audio.errors import EditionError

MB = 1024 * 1024
LIMITS = {  # the most each kind of input may hold: far beyond real use, well below filling the memory
    "article": 50 * MB,  # a book is about 1 MB of text
    "lexicon": 5 * MB,
    "cover image": 20 * MB,  # podcast apps want well under 1 MB
    "audio file": 500 * MB,  # an intro or outro, decoded whole
    "feed": 10 * MB,  # a newsroom's RSS or Atom feed for a briefing: some hundred items
}


def read_bytes(path: Path, kind: str) -> bytes:
    """Return the bytes of a regular file of at most LIMITS[kind]; raise EditionError for anything else.

    A device (/dev/zero) would fill the memory and a named pipe would wait forever, so the file is
    opened without blocking and checked before a byte is read.
    """
    limit = LIMITS[kind]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise EditionError(f"{path}: no such file") from None
    except OSError as exc:
        raise EditionError(f"{path}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise EditionError(f"{path}: is a directory, not an {kind}" if kind[0] in "aeiou"
                               else f"{path}: is a directory, not a {kind}")
        if not stat.S_ISREG(info.st_mode):
            raise EditionError(f"{path}: not a regular file (a device or a pipe); give the {kind} as a file")
        data = handle.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(data) > limit:
        raise EditionError(f"{path}: more than {limit // MB} MB, the most an {kind} may have" if kind[0] in "aeiou"
                           else f"{path}: more than {limit // MB} MB, the most a {kind} may have")
    return data


def read_kept(path: Path, limit: int, follow_links: bool = True) -> bytes | None:
    """Return the bytes of a file this program wrote and reads back (a cache entry, a manifest), or None when
    there is none; raise ValueError saying what is there instead: not a regular file (a pipe would wait
    forever, a device fill the memory), a link when `follow_links` is False, or more than `limit` bytes.
    Other failures to open it (no permission) are raised as they are."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError("a symbolic link, not a file") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        data = handle.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(data) > limit:
        raise ValueError(f"more than {limit // MB} MB")
    return data


def check_regular(path: Path, kind: str) -> Path:
    """Return `path` when it is a regular file within LIMITS[kind] (without reading it); else raise EditionError."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise EditionError(f"{path}: no such file") from None
    except OSError as exc:
        raise EditionError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise EditionError(f"{path}: not a regular file; give the {kind} as a file")
    if info.st_size > LIMITS[kind]:
        raise EditionError(f"{path}: more than {LIMITS[kind] // MB} MB, the most for the {kind}")
    return Path(path)


def beside_article(folder: Path, name: str, what: str) -> Path:
    """Return the file that the front matter's `what` names, which must be inside the article's `folder`.

    An article may come from anyone; its front matter must not reach for files elsewhere (links
    resolved). The options, given by the user, may point anywhere.
    """
    real = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(real, name))
    if os.path.commonpath([real, path]) != real:
        raise EditionError(f"{what} {name}: the front matter may only name files in the article's folder; "
                           f"give {what}='FILE' to use a file elsewhere")
    return Path(folder) / name


def parse_json(text: str | bytes) -> Any:
    """Return the value of a JSON document; raise ValueError for anything that is not one, including a document
    nested too deeply for Python's parser (which meets it with a RecursionError, not a ValueError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
