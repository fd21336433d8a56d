"""The one way files are written: to a temporary name in the same folder, renamed into place when whole.

Readers (a podcast app, a second build, the server) see the old file or the new one, never a part,
and a failed or interrupted write leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

PART = ".part"  # the suffix of every temporary file, so leftovers of a killed process can be recognised


def write_atomically(path: Path, data: bytes, sync: bool = False, exclusive: bool = False) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part.

    No fsync by default: a torn cache entry after a power cut is detected and re-made. With `sync`, the
    file and its folder are on the disk when this returns (what a service promises it accepted); with
    `exclusive`, a file already at `path` is kept and FileExistsError raised instead.
    """
    with replacing(path, sync, exclusive) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def replacing(path: Path, sync: bool = False, exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error, it replaces `path`
    (see `write_atomically` for `sync` and `exclusive`).

    On an error (or Ctrl-C) the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        if sync:
            flush(tmp)
        if exclusive:
            os.link(tmp, path)  # fails when `path` exists: nothing is replaced
            tmp.unlink()
        else:
            os.replace(tmp, path)
        if sync:
            flush(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def flush(path: Path) -> None:
    """Make what was written to a file, or the names in a folder, durable (fsync)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
