"""Analysis of the switch: steady states and fate along an input (dense scan), and the hysteresis loop.

Bistability is found by relaxing every scanned input value from two starts, a dormant and a proliferating cell,
all in one batch: where the two end states differ, the cell remembers where it came from. The entry threshold is
the input level at which a proliferating cell falls dormant; the escape threshold the level at which a dormant cell
wakes. For an escape-promoting input, memory means escape > entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dormancy.signalling.model import SwitchModel, is_dormant, steady_states


@dataclass(frozen=True)
class Hysteresis:
    """Both branches of a dense input scan.

    Parameters
    ----------
    input_name : str
        The scanned input.
    values : numpy.ndarray
        Scanned input levels, increasing.
    from_dormant, from_proliferating : numpy.ndarray
        Steady states ``(len(values), n_internal)`` reached from a dormant and from a proliferating start.
    dormant_from_dormant, dormant_from_proliferating : numpy.ndarray of bool
        Whether each end state is dormant (:func:`dormancy.signalling.model.is_dormant`).
    """

    input_name: str
    values: NDArray[np.float64]
    from_dormant: NDArray[np.float64]
    from_proliferating: NDArray[np.float64]
    dormant_from_dormant: NDArray[np.bool_]
    dormant_from_proliferating: NDArray[np.bool_]

    @property
    def bistable(self) -> NDArray[np.bool_]:
        """Input levels at which the fate depends on the starting state."""
        return self.dormant_from_dormant != self.dormant_from_proliferating

    def threshold(self, branch: str) -> float:
        """Return the first scanned level where the fate on ``branch`` differs from its fate at the lowest level.

        Parameters
        ----------
        branch : {"dormant", "proliferating"}
            Which start.

        Returns
        -------
        float
            The level, or NaN when the fate does not change over the scan.
        """
        fate = self.dormant_from_dormant if branch == "dormant" else self.dormant_from_proliferating
        changed = np.flatnonzero(fate != fate[0])
        return float(self.values[changed[0]]) if changed.size else float("nan")


def hysteresis(
    model: SwitchModel,
    input_name: str,
    values: NDArray[np.float64],
    *,
    niche: Mapping[str, float] | None = None,
    dormant_niche: Mapping[str, float],
    proliferating_niche: Mapping[str, float],
    hours: float = 2000.0,
) -> Hysteresis:
    """Scan one input from a dormant and a proliferating start (one batch of ``2 len(values)`` cells).

    Parameters
    ----------
    model : SwitchModel
        The model.
    input_name : str
        Input node to scan.
    values : numpy.ndarray
        Levels in [0, 1].
    niche : mapping, optional
        The other inputs during the scan.
    dormant_niche, proliferating_niche : mapping
        Inputs (added to ``niche``) under which the two starting cells are prepared.
    hours : float
        Relaxation time of each scanned cell.
    """
    niche = dict(niche or {})
    values = np.asarray(values, dtype=np.float64)
    starts = [
        steady_states(model, model.inputs({**niche, **prepare}), 0.0, hours=hours)[0]
        for prepare in (dormant_niche, proliferating_niche)
    ]
    inputs = model.inputs(niche, cells=2 * len(values))
    inputs[:, model.wiring.inputs.index(input_name)] = np.tile(values, 2)
    initial = np.repeat(np.stack(starts), len(values), axis=0)
    ends = steady_states(model, inputs, initial, hours=hours)
    from_dormant, from_proliferating = ends[: len(values)], ends[len(values) :]
    return Hysteresis(
        input_name,
        values,
        from_dormant,
        from_proliferating,
        is_dormant(model, from_dormant),
        is_dormant(model, from_proliferating),
    )
