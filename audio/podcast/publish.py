"""Put an edition in place as a unit: written in a private folder, then renamed beside the audio, manifest last.

A build killed at any moment leaves either the previous edition or one whose manifest does not
describe its audio, which the feed skips and the next build writes whole again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from audio.edition import manifest
from audio.podcast import sidecars


@contextlib.contextmanager
def staging(output: Path) -> Iterator[Path]:
    """Yield where to write the edition's audio: its own name in a fresh private folder beside `output`.

    Hold the edition's lock: first what killed builds of this edition left is removed.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    for path in leftovers(output):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    folder = output.parent / f".{output.name}.{secrets.token_hex(8)}.part"
    folder.mkdir()
    try:
        yield folder / output.name
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def leftovers(output: Path) -> list[Path]:
    """Return the temporary files and folders that killed builds of this edition left beside `output`.

    Only names this program gives, with the edition's exact name in them (never another edition's),
    and an older build's work folder only when it holds nothing but what such a build put there.
    """
    name, stem = re.escape(output.name), re.escape(output.stem)
    names = [output, manifest.path_for(output), *(sidecars.path_for(output, kind) for kind in sidecars.KINDS)]
    files = [re.compile(rf"\.{stem}\.[a-z0-9_]{{8}}\.mp3\.part"),  # write_mp3's, before staging
             *(re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.(?:tmp|part)") for path in names)]  # atomic's
    stage = re.compile(rf"\.{name}\.[0-9a-f]{{16}}\.part")
    work = re.compile(rf"\.{stem}\.[a-z0-9_]{{8}}")  # M4B and Opus work folders, before staging
    work_files = re.compile(rf"\d+{re.escape(output.suffix)}|metadata\.txt|{name}")
    found = []
    for entry in os.scandir(output.parent):
        if entry.is_file(follow_symlinks=False) and any(p.fullmatch(entry.name) for p in files):
            found.append(Path(entry.path))
        elif entry.is_dir(follow_symlinks=False) and (
                stage.fullmatch(entry.name) or work.fullmatch(entry.name) and
                all(work_files.fullmatch(inner.name) and inner.is_file(follow_symlinks=False)
                    for inner in os.scandir(entry.path))):
            found.append(Path(entry.path))
    return found


def publish(record: manifest.Manifest, staged: Path, output: Path, kinds: tuple[str, ...]) -> manifest.Manifest:
    """Put a staged edition in place (audio, then sidecars, the manifest last) and return its manifest.

    The manifest is the commit point: it records the audio's size, time and hash, so if the build
    dies between these renames, the manifest beside the new audio does not describe it; the feed
    skips that edition and the next build writes it whole again. Sidecars not chosen are removed,
    so no file describes an older edition.
    """
    info = staged.stat()
    record = dataclasses.replace(record, audio_size=info.st_size, audio_mtime_ns=info.st_mtime_ns,
                                 audio_sha256=manifest.file_sha256(str(staged), info.st_size, info.st_mtime_ns))
    written = sidecars.write(record, staged, kinds)
    manifest.save(record, manifest.path_for(staged))
    os.replace(staged, output)
    for path in written:
        os.replace(path, output.parent / path.name)
    for kind in set(sidecars.KINDS) - set(kinds):
        sidecars.path_for(output, kind).unlink(missing_ok=True)
    os.replace(manifest.path_for(staged), manifest.path_for(output))
    return record
