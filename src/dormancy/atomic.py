"""Atomic file writes: write to a temporary path in the destination's folder, then rename into place.

A reader never sees a half-written file, and a failure leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
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
    _remove_stale_files(path)
    # Not mkstemp: its 0600 mode would survive the rename; os.open with 0666 honours the umask like any new file.
    while True:
        temporary = path.parent / f".{path.stem}.{os.getpid()}-{secrets.token_hex(6)}{path.suffix}.tmp"
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


def _remove_stale_files(path: Path) -> None:
    """Delete the temporary files that killed writes of ``path`` left next to it (their process is gone)."""
    pattern = re.compile(re.escape(f".{path.stem}.") + r"(\d+)-[0-9a-f]{12}" + re.escape(f"{path.suffix}.tmp"))
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        match = pattern.fullmatch(sibling.name)
        if match is not None and not sibling.is_symlink() and sibling.is_file() and not _alive(int(match[1])):
            sibling.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text to ``path`` atomically and return the path."""
    with atomic_file(path) as temporary, open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    return Path(path)


#: Format names a manifest may carry for its folder to count as one this package wrote.
OWN_FORMATS = frozenset({"dormancy.result"})
_MANIFEST_LIMIT = 10_000_000  # bytes; a manifest is a few kilobytes, a bigger file is not ours
_STALE = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{32}")
_LEGACY_AGE_S = 24 * 3600.0  # a temporary folder without a process id (older versions) is stale after a day


def written_by_us(path: str | os.PathLike[str], marker: str = "manifest.json") -> bool:
    """Return whether ``path`` is a folder this package wrote: its ``marker`` names one of our formats.

    Parameters
    ----------
    path : path-like
        A folder.
    marker : str
        Name of the manifest file inside it.

    Returns
    -------
    bool
        True when ``path/marker`` is a JSON object whose ``format_name`` is in :data:`OWN_FORMATS` and whose
        ``format_version`` is a positive integer (any version: older folders are ours too). A file merely named
        ``manifest.json`` (``{}``, another program's manifest) is not enough. Never raises.
    """
    manifest = Path(path) / marker
    try:
        if not manifest.is_file() or manifest.is_symlink() or manifest.stat().st_size > _MANIFEST_LIMIT:
            return False
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    version = data.get("format_version")
    return (
        data.get("format_name") in OWN_FORMATS
        and isinstance(version, int)
        and not isinstance(version, bool)
        and version >= 1
    )


def replace_problem(path: str | os.PathLike[str], marker: str = "manifest.json") -> str | None:
    """Return why ``path`` must not be replaced by a new result folder, or None when it may be.

    A folder may be replaced when it does not exist, is empty, or was written by this package (see
    :func:`written_by_us`); never a file, a link, the current folder or a folder that holds it.

    Parameters
    ----------
    path : path-like
        The destination.
    marker : str
        Name of the manifest file.

    Returns
    -------
    str or None
        A phrase saying what ``path`` is ("a file", "not a dormancy result folder (...)", ...), or None.
    """
    path = Path(path)
    if not os.path.lexists(path):
        return None
    if path.is_symlink():
        return "a symbolic link"
    if not path.is_dir():
        return "a file"
    try:
        resolved, here = path.resolve(), Path.cwd().resolve()
    except OSError:
        return "a folder that cannot be resolved"
    if resolved == here or resolved in here.parents or not resolved.name:
        return "the current folder or a folder that holds it"
    try:
        empty = not any(path.iterdir())
    except OSError:
        return "a folder that cannot be read"
    if empty or written_by_us(path, marker):
        return None
    return f"not a dormancy result folder (no {marker} of format {', '.join(sorted(OWN_FORMATS))})"


def _alive(pid: int) -> bool:
    """Return whether process ``pid`` exists on this machine (True when unsure)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def remove_stale(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary folders that killed saves to ``path`` left next to it, and put back a moved-aside one.

    A save writes ``.<name>.tmp-<pid>-<uuid>`` and, when replacing, moves the old folder to
    ``.<name>.old-<pid>-<uuid>``. Only folders of processes that no longer exist are touched (and, for the names
    of older versions without a process id, those untouched for a day). When the process died between moving
    the old folder aside and moving the new one in, the old folder is renamed back to ``path``.

    Parameters
    ----------
    path : path-like
        The destination of the save.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    path = Path(path)
    removed: list[Path] = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return removed
    for sibling in sorted(siblings, key=lambda p: p.name):
        match = _STALE.fullmatch(sibling.name)
        if match is None or match["name"] != path.name or sibling.is_symlink() or not sibling.is_dir():
            continue
        if match["pid"] is not None:
            if _alive(int(match["pid"])):
                continue
        else:
            try:
                if time.time() - sibling.stat().st_mtime < _LEGACY_AGE_S:
                    continue
            except OSError:
                continue
        if match["kind"] == "old" and not os.path.lexists(path):
            try:
                os.rename(sibling, path)  # the user's previous folder goes back where it was
                continue
            except OSError:
                continue
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
    return removed


@contextmanager
def atomic_folder(
    path: str | os.PathLike[str], *, overwrite: bool = False, what: str = "a result", marker: str = "manifest.json"
) -> Iterator[Path]:
    """Yield a new temporary folder next to ``path``; on normal exit move it to ``path``, on error delete it.

    A reader sees either the old folder or the complete new one, flushed to disk before the rename. With
    ``overwrite``, an existing folder is replaced only if this package wrote it (its ``marker`` names one of
    :data:`OWN_FORMATS`, see :func:`written_by_us`) or it is empty, so a mistyped destination such as a home
    folder is never deleted; the old folder is moved aside first and put back if the final rename fails.
    Temporary folders of earlier saves to ``path`` whose process was killed are removed first
    (:func:`remove_stale`).

    Parameters
    ----------
    path : path-like
        Destination folder.
    overwrite : bool
        Replace an existing folder written by this package.
    what : str
        What is being saved, for the error messages ("a cohort", "a trial report").
    marker : str
        Manifest file whose format fields mark a folder written by this package.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False, or it exists and is not replaceable.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(path)
    check_destination(path, overwrite=overwrite, what=what, marker=marker)
    temporary = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex}"
    temporary.mkdir()
    try:
        yield temporary
        publish_folder(temporary, path, overwrite=overwrite, what=what, marker=marker)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def check_destination(path: Path, *, overwrite: bool, what: str, marker: str = "manifest.json") -> None:
    """Judge a result folder's destination before any work (the checks of :func:`atomic_folder`).

    Removes what killed earlier saves to ``path`` left next to it (:func:`remove_stale`) first.

    Raises
    ------
    FileExistsError
        When ``path`` names the current folder or one above it, exists without ``overwrite``, or exists and is
        not replaceable (:func:`replace_problem`).
    FileNotFoundError
        When the parent folder does not exist.
    """
    if not path.name or path.name in (".", ".."):
        raise FileExistsError(f"cannot save {what} to {path}: it names the current folder or one above it")
    if path.parent.is_dir():
        remove_stale(path)
    if os.path.lexists(path):
        if not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
        reason = replace_problem(path, marker)
        if reason is not None:
            raise FileExistsError(f"{path} exists and is {reason}; refusing to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {what} to {path}: folder {path.parent} does not exist")


def publish_folder(temporary: Path, path: Path, *, overwrite: bool, what: str, marker: str = "manifest.json") -> None:
    """Flush the complete folder ``temporary`` to disk and rename it to ``path`` (the end of :func:`atomic_folder`).

    A folder that appeared at ``path`` meanwhile is replaced only with ``overwrite`` and when it may be
    (:func:`replace_problem`); it is moved aside to ``.<name>.old-<pid>-<uuid>`` first, put back if the rename
    fails, and deleted after.

    Raises
    ------
    FileExistsError
        When a folder appeared at ``path`` that may not be replaced.
    """
    fsync_tree(temporary)
    if not os.path.lexists(path):
        os.rename(temporary, path)
    else:
        if not overwrite or replace_problem(path, marker) is not None:
            raise FileExistsError(f"{path} appeared while {what} was being written; not replacing it")
        aside = path.parent / f".{path.name}.old-{os.getpid()}-{uuid.uuid4().hex}"
        os.rename(path, aside)
        try:
            os.rename(temporary, path)
        except BaseException:
            os.rename(aside, path)
            raise
        # The new folder is in place; a failure to delete the old one must not report the save as failed.
        shutil.rmtree(aside, ignore_errors=True)
    fsync(path.parent)


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
