"""Progress for the ``progress=`` callbacks of long runs, in Jupyter and in a terminal, without extra packages.

``simulate_cohort(..., progress=dormancy.progress_bar("patients"))``: in Jupyter (IPython with a display), one
output line updated in place; elsewhere, one line on standard error rewritten with a carriage return.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

__all__ = ["progress_bar"]

_WIDTH = 30


def _line(description: str, done: int, total: int, started: float) -> str:
    fraction = 0.0 if total <= 0 else min(1.0, done / total)
    filled = round(_WIDTH * fraction)
    elapsed = time.monotonic() - started
    return (
        f"{description} [{'#' * filled}{'.' * (_WIDTH - filled)}] {done:,}/{total:,} ({fraction:.0%}, {elapsed:.1f} s)"
    )


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(description: str = "progress", *, every_s: float = 0.2) -> Callable[[int, int], None]:
    """Return a ``progress(done, total)`` callback that draws a progress bar.

    Parameters
    ----------
    description : str
        Text before the bar.
    every_s : float
        Redraw at most this often (seconds); the last call (``done == total``) always draws.

    Returns
    -------
    callable
        Pass it as ``progress=`` to :func:`dormancy.simulate`, :func:`dormancy.patients.simulate_cohort` and the
        other runs that take one.
    """
    started = time.monotonic()
    state = {"drawn": -1.0, "handle": None}
    notebook = _in_notebook()

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and now - state["drawn"] < every_s:
            return
        state["drawn"] = now
        text = _line(description, int(done), int(total), started)
        if notebook:
            from IPython.display import display

            if state["handle"] is None:
                state["handle"] = display({"text/plain": text}, raw=True, display_id=True)
            else:
                state["handle"].update({"text/plain": text}, raw=True)
        else:
            sys.stderr.write("\r" + text + ("\n" if final else ""))
            sys.stderr.flush()

    return progress
