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

Memory is one entry a patient (9 bytes: the exit time and the cause), whatever the chunking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["EventTable"]


@dataclass(frozen=True)
class EventTable:
    """Exit times (sorted) and causes (0 censored, 1..k events) of a group of patients.

    One entry a patient (9 bytes), sorted by time; :meth:`grouped` gives the distinct times and the counts by cause
    at each, the form the estimators use.

    Parameters
    ----------
    times : numpy.ndarray of float64, shape (n,)
        Exit times, non-decreasing (years).
    causes : numpy.ndarray of int8, shape (n,)
        0 censored, ``k`` an event of cause ``k`` (at most ``n_causes``).
    n_causes : int
        Number of event causes.
    """

    times: NDArray[np.float64]
    causes: NDArray[np.int8]
    n_causes: int

    @classmethod
    def empty(cls, n_causes: int) -> EventTable:
        """Return a table without patients."""
        return cls(np.zeros(0), np.zeros(0, np.int8), n_causes)

    @classmethod
    def from_arrays(cls, durations: ArrayLike, causes: ArrayLike, *, n_causes: int) -> EventTable:
        """Return the table of patients with exit times ``durations`` and ``causes`` (0 censored, 1..n_causes)."""
        durations = np.asarray(durations, dtype=np.float64)
        causes = np.asarray(causes, dtype=np.int64)
        if durations.shape != causes.shape or durations.ndim != 1:
            raise ValueError("durations and causes must be one-dimensional arrays of the same length")
        if durations.size and (np.isnan(durations).any() or causes.min() < 0 or causes.max() > n_causes):
            raise ValueError(f"durations must be numbers and causes in 0..{n_causes}")
        order = np.argsort(durations, kind="stable")
        return cls(durations[order], causes[order].astype(np.int8), int(n_causes))

    @property
    def n_patients(self) -> int:
        """Patients in the table."""
        return int(self.times.size)

    @staticmethod
    def merge(tables: Sequence[EventTable]) -> EventTable:
        """Return the table of the union of the patients of ``tables`` (exact: the estimators see the same counts)."""
        if not tables:
            raise ValueError("merge needs at least one table")
        if len({t.n_causes for t in tables}) != 1:
            raise ValueError("tables to merge must have the same causes")
        if len(tables) == 1:
            return tables[0]
        times = np.concatenate([t.times for t in tables])
        order = np.argsort(times, kind="stable")
        causes = np.concatenate([t.causes for t in tables])[order]
        return EventTable(times[order], causes, tables[0].n_causes)

    def grouped(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Distinct times and the patients leaving at each by cause, shape ``(m, n_causes + 1)`` (column 0 censored)."""
        if self.times.size == 0:
            return np.zeros(0), np.zeros((0, self.n_causes + 1), np.int64)
        starts = np.flatnonzero(np.r_[True, self.times[1:] != self.times[:-1]])
        counts = np.stack(
            [np.add.reduceat((self.causes == k).astype(np.int64), starts) for k in range(self.n_causes + 1)], axis=1
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
