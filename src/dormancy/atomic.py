"""Atomic file writes: write to a temporary path in the destination's folder, then rename into place.

A reader never sees a half-written file, and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
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
