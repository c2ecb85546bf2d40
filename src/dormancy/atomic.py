"""Atomic file writes: write to a temporary path in the destination's folder, then rename into place.

A reader never sees a half-written file, and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on normal exit rename it to ``path``, on error delete it.

    Parameters
    ----------
    path : path-like
        Final destination; replaced if it exists.
    """
    path = Path(path)
    # Not mkstemp: its 0600 mode would survive the rename; os.open with 0666 honours the umask like any new file.
    while True:
        temporary = path.parent / f".{path.stem}.{secrets.token_hex(6)}{path.suffix}.tmp"
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text to ``path`` atomically and return the path."""
    with atomic_file(path) as temporary, open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    return Path(path)


@contextmanager
def atomic_folder(
    path: str | os.PathLike[str], *, overwrite: bool = False, what: str = "a result", marker: str = "manifest.json"
) -> Iterator[Path]:
    """Yield a new temporary folder next to ``path``; on normal exit move it to ``path``, on error delete it.

    A reader sees either the old folder or the complete new one, flushed to disk before the rename. With
    ``overwrite``, an existing folder is replaced only if it is one of ours (it holds ``marker``) or is empty, so a
    mistyped destination such as a home folder is never deleted; the old folder is moved aside first and put back
    if the final rename fails.

    Parameters
    ----------
    path : path-like
        Destination folder.
    overwrite : bool
        Replace an existing folder written by this package.
    what : str
        What is being saved, for the error messages ("a cohort", "a trial report").
    marker : str
        File whose presence marks a folder written by this package.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False, or it exists and is not replaceable.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(path)
    if os.path.lexists(path):
        if not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
        if not path.is_dir() or path.is_symlink() or not ((path / marker).is_file() or not any(path.iterdir())):
            raise FileExistsError(f"{path} exists and is not a dormancy result folder; refusing to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {what} to {path}: folder {path.parent} does not exist")
    temporary = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex}"
    temporary.mkdir()
    try:
        yield temporary
        fsync_tree(temporary)
        if not os.path.lexists(path):
            os.rename(temporary, path)
        elif not overwrite:
            raise FileExistsError(f"{path} appeared while {what} was being written; not replacing it")
        else:
            aside = path.parent / f".{path.name}.old-{uuid.uuid4().hex}"
            os.rename(path, aside)
            try:
                os.rename(temporary, path)
            except BaseException:
                os.rename(aside, path)
                raise
            # The new folder is in place; a failure to delete the old one must not report the save as failed.
            shutil.rmtree(aside, ignore_errors=True)
        fsync(path.parent)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def fsync(path: str | os.PathLike[str]) -> None:
    """Flush a file or folder to disk (folders cannot be opened for this on Windows, so they are skipped there)."""
    if os.name == "nt" and os.path.isdir(path):
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: str | os.PathLike[str]) -> None:
    """Flush every file, then every folder, under ``root``."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            fsync(os.path.join(folder, name))
        fsync(folder)
