r"""Event tables: the exact, mergeable sufficient statistic of Kaplan–Meier and Aalen–Johansen estimates.

An :class:`EventTable` holds, for one group of patients, each one's exit time and cause; grouped, the distinct exit
times :math:`t_j` (sorted) and the number of patients leaving at each by cause (column 0 censored, column
:math:`k \ge 1` an event of cause :math:`k`). Both estimators are functions of these counts only — with
:math:`n_j = N - \sum_{i<j} r_i` at risk just before :math:`t_j` (:math:`r_i` all patients leaving at :math:`t_i`,
:math:`N` all patients) and :math:`d_{kj}` the events of cause :math:`k` at :math:`t_j`:

.. math::

    \hat S(t) = \prod_{t_j \le t} \Bigl(1 - \frac{\sum_k d_{kj}}{n_j}\Bigr), \qquad
    \hat F_k(t) = \sum_{t_j \le t} \hat S(t_{j-1})\, \frac{d_{kj}}{n_j}

(Kaplan–Meier of any event; Aalen–Johansen cumulative incidence of cause :math:`k`, Putter 2007, ``putter2007``) —
and the table of a union of patients is the sum of the tables of its parts at the union of their times
(:meth:`EventTable.merge`), so a cohort simulated in chunks gets exactly the estimates of the whole table without
keeping it. The products and sums are evaluated as lifelines does (``exp`` of a cumulative sum of
``log(n - d) - log(n)``; the incidence as a cumulative sum of ``d / n * S(t_{j-1})``), so the estimates equal
lifelines' ``KaplanMeierFitter`` and ``AalenJohansenFitter`` (without tied event times, which lifelines jitters) to
rounding.

Memory: one entry per distinct (exit time, cause) pair, 13 bytes (the time, the cause and how many patients share
both), whatever the chunking; patients censored at the same time (everyone alive at the end of follow-up) share one
entry. Two tables merge in one pass (:meth:`EventTable.merge`: the second's entries inserted into the first's by
binary search), many tables pairwise in a balanced tree, so a cohort's table is built from its chunks' in
:math:`O(N \log k)` for :math:`k` chunks, holding the table and one merge's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["EventTable"]


#: Most patients one entry may count (its ``weights`` are ``uint32``).
MAX_WEIGHT = np.iinfo(np.uint32).max


@dataclass(frozen=True)
class EventTable:
    """Exit times (sorted) and causes (0 censored, 1..k events) of a group of patients, ties counted once.

    Entries sorted by time, each a (time, cause) pair and the number of patients who left then by that cause; a
    pair may appear in more than one entry (after a merge), the estimators see only :meth:`grouped`'s sums: the
    distinct times and the counts by cause at each.

    Parameters
    ----------
    times : numpy.ndarray of float64, shape (n,)
        Exit times, non-decreasing (years).
    causes : numpy.ndarray of int8, shape (n,)
        0 censored, ``k`` an event of cause ``k`` (at most ``n_causes``).
    n_causes : int
        Number of event causes.
    weights : numpy.ndarray of uint32, shape (n,)
        Patients in each entry (default one each).
    """

    times: NDArray[np.float64]
    causes: NDArray[np.int8]
    n_causes: int
    weights: NDArray[np.uint32] | None = None

    def __post_init__(self) -> None:
        if self.weights is None:
            object.__setattr__(self, "weights", np.ones(self.times.size, np.uint32))

    @classmethod
    def empty(cls, n_causes: int) -> EventTable:
        """Return a table without patients."""
        return cls(np.zeros(0), np.zeros(0, np.int8), n_causes, np.zeros(0, np.uint32))

    @classmethod
    def from_arrays(cls, durations: ArrayLike, causes: ArrayLike, *, n_causes: int) -> EventTable:
        """Return the table of patients with exit times ``durations`` and ``causes`` (0 censored, 1..n_causes)."""
        durations = np.asarray(durations, dtype=np.float64)
        causes = np.asarray(causes, dtype=np.int64)
        if durations.shape != causes.shape or durations.ndim != 1:
            raise ValueError("durations and causes must be one-dimensional arrays of the same length")
        if durations.size and (np.isnan(durations).any() or causes.min() < 0 or causes.max() > n_causes):
            raise ValueError(f"durations must be numbers and causes in 0..{n_causes}")
        order = np.lexsort((causes, durations))
        times, causes = durations[order], causes[order].astype(np.int8)
        return _collapsed(times, causes, np.ones(times.size, np.uint32), int(n_causes))

    @property
    def n_patients(self) -> int:
        """Patients in the table."""
        return int(self.weights.sum(dtype=np.int64))

    @staticmethod
    def merge(tables: Sequence[EventTable]) -> EventTable:
        r"""Return the table of the union of the patients of ``tables`` (exact: the estimators see the same counts).

        Two tables merge in one pass (binary search of the second's times in the first's, then one insertion);
        more merge pairwise in a balanced tree (:math:`O(N \log k)`).
        """
        if not tables:
            raise ValueError("merge needs at least one table")
        if len({t.n_causes for t in tables}) != 1:
            raise ValueError("tables to merge must have the same causes")
        tables = list(tables)
        while len(tables) > 1:
            tables = [_merge_two(*tables[i : i + 2]) if i + 1 < len(tables) else tables[i]
                      for i in range(0, len(tables), 2)]  # fmt: skip
        return tables[0]

    def grouped(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Distinct times and the patients leaving at each by cause, shape ``(m, n_causes + 1)`` (column 0 censored)."""
        if self.times.size == 0:
            return np.zeros(0), np.zeros((0, self.n_causes + 1), np.int64)
        starts = np.flatnonzero(np.r_[True, self.times[1:] != self.times[:-1]])
        weights = self.weights.astype(np.int64)
        counts = np.stack(
            [np.add.reduceat(np.where(self.causes == k, weights, 0), starts) for k in range(self.n_causes + 1)], axis=1
        )
        return self.times[starts], counts

    @staticmethod
    def _at_risk(counts: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        removed = counts.sum(axis=1)
        at_risk = (removed.sum() - np.r_[0, np.cumsum(removed)[:-1]]).astype(np.float64)
        return at_risk, counts[:, 1:].sum(axis=1).astype(np.float64)

    @classmethod
    def _survival(cls, counts: NDArray[np.int64]) -> NDArray[np.float64]:
        at_risk, events = cls._at_risk(counts)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.exp(np.cumsum(np.log(at_risk - events) - np.log(at_risk)))

    def survival_at(self, horizons: Iterable[float], *, cause: int | None = None) -> NDArray[np.float64]:
        """Kaplan–Meier survival at each horizon (1 before the first time; NaN without patients).

        Parameters
        ----------
        horizons : iterable of float
            Times (years).
        cause : int, optional
            Only this cause is an event (the others censored: the survival net of them); default any cause.
        """
        horizons = np.asarray(list(horizons), dtype=np.float64)
        if self.n_patients == 0:
            return np.full(horizons.size, np.nan)
        times, counts = self.grouped()
        if cause is not None:
            if not 1 <= cause <= self.n_causes:
                raise ValueError(f"cause must be in 1..{self.n_causes}")
            counts = np.column_stack([counts.sum(axis=1) - counts[:, cause], counts[:, cause]])
        index = np.searchsorted(times, horizons, side="right") - 1
        return np.where(index >= 0, self._survival(counts)[np.maximum(index, 0)], 1.0)

    def incidence_at(self, horizons: Iterable[float]) -> NDArray[np.float64]:
        """Aalen–Johansen incidence of each cause at each horizon, shape ``(n_causes, len(horizons))``; NaN if empty."""
        horizons = np.asarray(list(horizons), dtype=np.float64)
        if self.n_patients == 0:
            return np.full((self.n_causes, horizons.size), np.nan)
        times, counts = self.grouped()
        at_risk, _ = self._at_risk(counts)
        lagged = np.r_[1.0, self._survival(counts)[:-1]]
        curve = np.cumsum(counts[:, 1:] / at_risk[:, np.newaxis] * lagged[:, np.newaxis], axis=0)
        index = np.searchsorted(times, horizons, side="right") - 1
        return np.where((index >= 0)[:, np.newaxis], curve[np.maximum(index, 0)], 0.0).T


def _collapsed(times: NDArray, causes: NDArray, weights: NDArray, n_causes: int) -> EventTable:
    """Return the table of sorted entries, adjacent entries of the same time and cause made one."""
    if times.size < 2:
        return EventTable(times, causes, n_causes, weights)
    starts = np.flatnonzero(np.r_[True, (times[1:] != times[:-1]) | (causes[1:] != causes[:-1])])
    if starts.size == times.size:
        return EventTable(times, causes, n_causes, weights)
    summed = np.add.reduceat(weights.astype(np.int64), starts)
    if summed.max() > MAX_WEIGHT:
        raise ValueError(f"more than {MAX_WEIGHT} patients share an exit time and cause")
    return EventTable(times[starts], causes[starts], n_causes, summed.astype(np.uint32))


def _merge_two(first: EventTable, second: EventTable) -> EventTable:
    """Return the union of two tables: ``second``'s entries inserted after ``first``'s of the same time."""
    if second.times.size > first.times.size:
        first, second = second, first
    if second.times.size == 0:
        return first
    at = np.searchsorted(first.times, second.times, side="right")
    return _collapsed(
        np.insert(first.times, at, second.times),
        np.insert(first.causes, at, second.causes),
        np.insert(first.weights, at, second.weights),
        first.n_causes,
    )
