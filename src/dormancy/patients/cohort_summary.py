r"""The summaries ``dormancy cohort`` prints, from mergeable per-chunk statistics (no table kept).

A :class:`CohortSummary` holds, for a set of patients, only counts, sums and event tables
(:class:`dormancy.patients.event_table.EventTable`), and the summary of a union of patients is
:meth:`CohortSummary.merge` of the summaries of its parts — so a cohort streamed in chunks to disk
(:func:`dormancy.patients.dataset.stream_cohort`) gets its printed tables without holding its rows. Every figure equals
the one computed from the whole in-memory table (:meth:`CohortSummary.from_table` of it): counts exactly, sums of
person-years to rounding (they are added in another order), Kaplan–Meier and Aalen–Johansen estimates to rounding
(the merged event table is the whole table's).

What it holds (all patients unless said):

- by ER status: patients, distant recurrences, first recurrences in bone and, per interval ``[a, b)``, the annual
  hazard's numerator ``D`` (recurrences in the interval among patients followed beyond ``a``) and exposure ``Y``
  (``sum(min(followup, b) - a)`` over them), the hazard being ``D / Y`` per year (as
  :func:`dormancy.patients.summaries.annual_hazard`, without its status filter, as the command always printed);
- DTC-positive aspirates at diagnosis and failed simulations;
- by subtype: distant recurrences, their first site and how many were staged with more than one site;
- patients whose ``status`` is ``"ok"`` (as :func:`dormancy.patients.survival_outcomes`): the event table of death
  (causes breast cancer, other), of the first of distant recurrence and death without it, and by ER status of
  distant recurrence (censored at the end of follow-up or death).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dormancy.patients.event_table import EventTable
from dormancy.patients.outcomes import OUTCOME_COLUMNS
from dormancy.patients.sites import SITES

__all__ = ["ER_GROUPS", "CohortSummary", "SummaryAccumulator", "hazard_intervals"]

#: Intervals since diagnosis of the printed annual hazards, cut at the follow-up.
STANDARD_INTERVALS: tuple[tuple[float, float], ...] = ((0.0, 5.0), (5.0, 10.0), (10.0, 15.0), (15.0, 20.0))
#: Row labels of the by-ER arrays: index 0 ER-positive, 1 ER-negative.
ER_GROUPS: tuple[str, ...] = ("ER+", "ER−")


def hazard_intervals(years: float) -> tuple[tuple[float, float], ...]:
    """Return the standard intervals that start within ``years`` of follow-up, the last cut at ``years``."""
    return tuple((a, min(b, float(years))) for a, b in STANDARD_INTERVALS if a < years)


def _text(table: pd.DataFrame, column: str) -> np.ndarray:
    return np.asarray(table[column].astype(str).to_numpy(), dtype=str)


@dataclass(frozen=True)
class CohortSummary:
    """Mergeable statistics of a set of patients (see the module docstring).

    Parameters
    ----------
    intervals : tuple of (float, float)
        Hazard intervals, years since diagnosis.
    er_patients, er_recurred, er_bone_first : numpy.ndarray of int64, shape (2,)
        By ER status (:data:`ER_GROUPS`): patients, first distant recurrences, of them in bone.
    er_events : numpy.ndarray of int64, shape (2, n_intervals)
        Recurrences in each interval among the patients followed beyond its start.
    er_person_years : numpy.ndarray of float64, shape (2, n_intervals)
        Their years at risk in the interval.
    dtc_positive, failed : int
        DTC-positive aspirates at diagnosis; patients whose simulation failed.
    sites : dict of str to numpy.ndarray of int64
        By subtype: ``[recurred, first site per SITES..., staged with > 1 site]``.
    deaths, first_event : EventTable
        Patients with status ok: exit at death (causes 1 breast cancer, 2 other) or the end of follow-up; exit at the
        first of distant recurrence (cause 1) and death without it (cause 2).
    recurrence : tuple of EventTable
        By ER status, patients with status ok: exit at the first distant recurrence (cause 1) or the end of time at
        risk of it.
    """

    intervals: tuple[tuple[float, float], ...]
    er_patients: np.ndarray
    er_recurred: np.ndarray
    er_bone_first: np.ndarray
    er_events: np.ndarray
    er_person_years: np.ndarray
    dtc_positive: int
    failed: int
    sites: dict[str, np.ndarray] = field(default_factory=dict)
    deaths: EventTable = field(default_factory=lambda: EventTable.empty(2))
    first_event: EventTable = field(default_factory=lambda: EventTable.empty(2))
    recurrence: tuple[EventTable, EventTable] = field(
        default_factory=lambda: (EventTable.empty(1), EventTable.empty(1))
    )

    @property
    def patients(self) -> int:
        """All patients."""
        return int(self.er_patients.sum())

    @classmethod
    def from_table(cls, table: pd.DataFrame, *, intervals: Iterable[tuple[float, float]]) -> CohortSummary:
        """Return the statistics of the patients of a per-patient table (:func:`dormancy.patients.simulate_cohort`).

        Parameters
        ----------
        table : pandas.DataFrame
            Per-patient table (string columns as text or categorical).
        intervals : iterable of (float, float)
            Hazard intervals ``[a, b)``, years since diagnosis (e.g. :func:`hazard_intervals` of the follow-up).
        """
        intervals = tuple((float(a), float(b)) for a, b in intervals)
        er = table["er_positive"].to_numpy(bool)
        recurrence = table["recurrence_years"].to_numpy(float)
        recurred = table["recurred"].to_numpy(bool)
        followup = table["followup_years"].to_numpy(float)
        site = _text(table, "recurrence_site")
        groups = (er, ~er)
        events = np.zeros((2, len(intervals)), np.int64)
        person_years = np.zeros((2, len(intervals)))
        with np.errstate(invalid="ignore"):
            for g, rows in enumerate(groups):
                for i, (start, stop) in enumerate(intervals):
                    at_risk = rows & (followup > start)
                    events[g, i] = int(np.sum(at_risk & (recurrence >= start) & (recurrence < stop)))
                    person_years[g, i] = float(np.sum(np.minimum(followup[at_risk], stop) - start))
        subtype = _text(table, "subtype")
        involved = [f"recurrence_in_{s}" for s in SITES]
        has_involved = set(involved) <= set(table.columns)
        staged = np.column_stack([table[c].to_numpy(bool) for c in involved]).sum(axis=1) if has_involved else None
        sites = {}
        for name in sorted(set(subtype[recurred])):
            rows = recurred & (subtype == name)
            several = int(np.sum(staged[rows] > 1)) if staged is not None else -1
            sites[name] = np.array([rows.sum(), *(np.sum(site[rows] == s) for s in SITES), several], np.int64)
        ok = _text(table, "status") == "ok" if "status" in table else np.ones(len(table), bool)
        return cls(
            intervals=intervals,
            er_patients=np.array([g.sum() for g in groups], np.int64),
            er_recurred=np.array([(g & recurred).sum() for g in groups], np.int64),
            er_bone_first=np.array([(g & recurred & (site == "bone")).sum() for g in groups], np.int64),
            er_events=events,
            er_person_years=person_years,
            dtc_positive=int(table["dtc_positive"].to_numpy(bool).sum()),
            failed=int((~ok).sum()),
            sites=sites,
            **_event_tables(table, ok, er),
        )

    @staticmethod
    def merge(summaries: Sequence[CohortSummary]) -> CohortSummary:
        """Return the statistics of the union of the patients of ``summaries`` (same intervals)."""
        if not summaries:
            raise ValueError("merge needs at least one summary")
        first = summaries[0]
        if any(s.intervals != first.intervals for s in summaries):
            raise ValueError("summaries to merge must have the same hazard intervals")
        sites: dict[str, np.ndarray] = {}
        for summary in summaries:
            for name, counts in summary.sites.items():
                sites[name] = sites[name] + counts if name in sites else counts.copy()

        def total(name: str) -> np.ndarray:
            return np.sum([getattr(s, name) for s in summaries], axis=0)

        return CohortSummary(
            intervals=first.intervals,
            er_patients=total("er_patients"),
            er_recurred=total("er_recurred"),
            er_bone_first=total("er_bone_first"),
            er_events=total("er_events"),
            er_person_years=total("er_person_years"),
            dtc_positive=int(sum(s.dtc_positive for s in summaries)),
            failed=int(sum(s.failed for s in summaries)),
            sites=dict(sorted(sites.items())),
            deaths=EventTable.merge([s.deaths for s in summaries]),
            first_event=EventTable.merge([s.first_event for s in summaries]),
            recurrence=tuple(EventTable.merge([s.recurrence[g] for s in summaries]) for g in range(2)),
        )

    def hazards(self) -> pd.DataFrame:
        """Return the annual distant-recurrence hazard by ER status and interval (rows ER+, ER−, all).

        Returns
        -------
        pandas.DataFrame
            ``group``, ``patients``, ``recurred`` and ``bone_first`` (counts), then per interval ``events``,
            ``person_years`` and ``hazard_percent`` (% per year; NaN without exposure) as columns suffixed with
            ``a-b``.
        """
        rows = []
        arrays = [
            (label, self.er_patients[g], self.er_recurred[g], self.er_bone_first[g], self.er_events[g],
             self.er_person_years[g])
            for g, label in enumerate(ER_GROUPS)
        ]  # fmt: skip
        arrays.append(
            (
                "all",
                self.er_patients.sum(),
                self.er_recurred.sum(),
                self.er_bone_first.sum(),
                self.er_events.sum(axis=0),
                self.er_person_years.sum(axis=0),
            )
        )
        for label, patients, recurred, bone, events, years in arrays:
            row = {"group": label, "patients": int(patients), "recurred": int(recurred), "bone_first": int(bone)}
            for (a, b), d, y in zip(self.intervals, events, years, strict=True):
                row[f"events_{a:g}-{b:g}"] = int(d)
                row[f"person_years_{a:g}-{b:g}"] = float(y)
                row[f"hazard_percent_{a:g}-{b:g}"] = 100.0 * d / y if y > 0 else float("nan")
            rows.append(row)
        return pd.DataFrame(rows)

    def survival_outcomes(self, horizons: Iterable[float]) -> pd.DataFrame:
        """OS, BCSS and the competing-risk incidences, as :func:`dormancy.patients.survival_outcomes`."""
        horizons = [float(h) for h in horizons]
        columns: dict[str, object] = {"years": horizons, "patients": [self.deaths.n_patients] * len(horizons)}
        columns["os"] = self.deaths.survival_at(horizons)
        columns["bcss"] = self.deaths.survival_at(horizons, cause=1)
        columns["cif_distant"], columns["cif_death_without_distant"] = self.first_event.incidence_at(horizons)
        columns["cif_breast_cancer_death"], columns["cif_other_death"] = self.deaths.incidence_at(horizons)
        return pd.DataFrame(columns, columns=["years", "patients", *OUTCOME_COLUMNS])

    def cumulative_recurrence(self, horizons: Iterable[float]) -> pd.DataFrame:
        """Kaplan–Meier cumulative distant recurrence (0-1) by ER status at each horizon (years from diagnosis)."""
        horizons = [float(h) for h in horizons]
        columns = {"years": horizons}
        for label, table in zip(ER_GROUPS, self.recurrence, strict=True):
            columns[label] = 1.0 - table.survival_at(horizons)
        return pd.DataFrame(columns)

    def site_table(self) -> pd.DataFrame:
        """By subtype: recurred, the share of each first site and of more than one site staged (0-1)."""
        rows = []
        for name, counts in self.sites.items():
            recurred = int(counts[0])
            row = {"subtype": name, "recurred": recurred}
            row.update({site: counts[1 + i] / recurred for i, site in enumerate(SITES)})
            row["several"] = counts[-1] / recurred if counts[-1] >= 0 else float("nan")
            rows.append(row)
        return pd.DataFrame(rows, columns=["subtype", "recurred", *SITES, "several"])


class SummaryAccumulator:
    r"""Merge chunk summaries as they arrive, in any order, into what :meth:`CohortSummary.merge` gives in chunk order.

    The cohort's merged statistics are built as chunks finish, so only they (and not every chunk's) are held:
    counts add in any order (exact); the person-years, floating-point sums, are added in chunk order — a chunk that
    finishes before its predecessors waits as its few numbers — so the sum is bit-identical to
    :meth:`CohortSummary.merge` of the chunks in order, whatever order the workers finish in; the event tables
    (exact, their estimates depend only on their counts) are kept as a stack of runs, each at least twice the size
    of the one above it, merged as a binary counter does (:math:`O(N \log k)` for :math:`k` chunks, memory the runs
    plus one merge's output).

    Parameters
    ----------
    n_chunks : int
        Chunks to expect, indexed ``0 .. n_chunks - 1``.
    """

    def __init__(self, n_chunks: int) -> None:
        self.n_chunks = int(n_chunks)
        self._counts: dict[str, np.ndarray] | None = None
        self._person_years: np.ndarray | None = None
        self._waiting: dict[int, np.ndarray] = {}
        self._next = 0
        self._first: CohortSummary | None = None
        self._sites: dict[str, np.ndarray] = {}
        self._runs: list[tuple[EventTable, EventTable, EventTable, EventTable]] = []
        self._seen: set[int] = set()

    def add(self, index: int, summary: CohortSummary) -> None:
        """Add chunk ``index``'s summary (each index once)."""
        if not 0 <= index < self.n_chunks or index in self._seen:
            raise ValueError(f"chunk {index} is not expected or was already added")
        self._seen.add(index)
        if self._first is None:
            self._first = summary
            self._counts = {name: getattr(summary, name).copy() for name in _COUNTS}
            self._counts["scalars"] = np.array([summary.dtc_positive, summary.failed], np.int64)
        else:
            if summary.intervals != self._first.intervals:
                raise ValueError("summaries to merge must have the same hazard intervals")
            for name in _COUNTS:
                self._counts[name] = self._counts[name] + getattr(summary, name)
            self._counts["scalars"] += np.array([summary.dtc_positive, summary.failed], np.int64)
        for name, counts in summary.sites.items():
            self._sites[name] = self._sites[name] + counts if name in self._sites else counts.copy()
        self._waiting[index] = summary.er_person_years
        while self._next in self._waiting:
            years = self._waiting.pop(self._next)
            self._person_years = years.copy() if self._person_years is None else self._person_years + years
            self._next += 1
        self._runs.append((summary.deaths, summary.first_event, *summary.recurrence))
        while len(self._runs) > 1 and _size(self._runs[-2]) <= 2 * _size(self._runs[-1]):
            top = self._runs.pop()
            below = self._runs.pop()
            self._runs.append(tuple(EventTable.merge([a, b]) for a, b in zip(below, top, strict=True)))

    def result(self) -> CohortSummary:
        """Return the merged summary (every chunk must have been added)."""
        if len(self._seen) != self.n_chunks or self._first is None:
            raise ValueError(f"{self.n_chunks - len(self._seen)} of {self.n_chunks} chunks were not added")
        tables = tuple(EventTable.merge([run[k] for run in reversed(self._runs)]) for k in range(4))
        self._runs = [tables]
        return CohortSummary(
            intervals=self._first.intervals,
            **{name: self._counts[name] for name in _COUNTS},
            er_person_years=self._person_years,
            dtc_positive=int(self._counts["scalars"][0]),
            failed=int(self._counts["scalars"][1]),
            sites=dict(sorted(self._sites.items())),
            deaths=tables[0],
            first_event=tables[1],
            recurrence=(tables[2], tables[3]),
        )


_COUNTS = ("er_patients", "er_recurred", "er_bone_first", "er_events")


def _size(run: tuple[EventTable, ...]) -> int:
    return sum(table.times.size for table in run)


def _event_tables(table: pd.DataFrame, ok: np.ndarray, er: np.ndarray) -> dict[str, object]:
    """Return the event tables of the patients with status ok (as ``survival_outcomes``)."""
    part = table[ok] if not ok.all() else table
    er = er[ok]
    n = len(part)
    death = part["death_years"].to_numpy(float) if "death_years" in part else np.full(n, np.nan)
    cause = _text(part, "death_cause") if "death_cause" in part else np.full(n, "")
    end_column = "end_of_followup_years" if "end_of_followup_years" in part else "followup_years"
    dead = ~np.isnan(death)
    exit_years = np.where(dead, death, part[end_column].to_numpy(float))
    recurrence = part["recurrence_years"].to_numpy(float)
    recurred = ~np.isnan(recurrence)
    death_cause = np.where(dead, np.where(cause == "breast cancer", 1, 2), 0)
    first = np.where(recurred, recurrence, exit_years)
    first_cause = np.where(recurred, 1, np.where(dead, 2, 0))
    distant = part["recurred"].to_numpy(bool)
    distant_exit = np.where(distant, recurrence, part["followup_years"].to_numpy(float))
    return {
        "deaths": EventTable.from_arrays(exit_years, death_cause, n_causes=2),
        "first_event": EventTable.from_arrays(first, first_cause, n_causes=2),
        "recurrence": tuple(
            EventTable.from_arrays(distant_exit[rows], distant[rows].astype(np.int64), n_causes=1) for rows in (er, ~er)
        ),
    }
