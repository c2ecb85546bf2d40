"""Screening, eligibility and stratified permuted-block randomisation of a virtual trial.

Per-patient draws (first screening time in the entry window, follow-up length) are counter-based: Philox keyed by
(seed, patient id) through :func:`dormancy.rng.agent_uniforms` on the stream :data:`TRIAL_STREAM`, so they do not
depend on which other patients are screened or how many replicates run. The randomisation of replicate ``r`` uses
its own generator, ``SeedSequence(seed, spawn_key=(RANDOMISATION_TAG, r))``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.rng import agent_uniforms
from dormancy.trials.spec import Eligibility, FollowUp, Screening

__all__ = [
    "RANDOMISATION_TAG",
    "TRIAL_STREAM",
    "covariates_eligible",
    "draw_entry_and_follow_up",
    "randomisation_generator",
    "randomise",
    "screening_times",
    "strata",
]

TRIAL_STREAM = 0x545249  # "TRI": agent stream of the per-patient trial draws
RANDOMISATION_TAG = 0x52414E44  # "RAND": spawn-key tag of each replicate's randomisation generator
NODE_POSITIVE_STAGES = ("N1-3", "N4-9", "N10+")


def draw_entry_and_follow_up(
    seed: int, patient_ids: NDArray[np.int64], eligibility: Eligibility, follow_up: FollowUp
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """First screening time (years after diagnosis) and follow-up after entry (years) of each candidate.

    Both uniform: the time in the entry window ``[a, b]``, the follow-up in ``[min_years, max_years]``.
    """
    u = agent_uniforms(seed, patient_ids, 0, 2, stream=TRIAL_STREAM)
    low, high = eligibility.years_since_diagnosis
    first = low + (high - low) * u[:, 0]
    length = follow_up.min_years + (follow_up.max_years - follow_up.min_years) * u[:, 1]
    return first, length


def screening_times(first: NDArray[np.float64], eligibility: Eligibility, screening: Screening) -> NDArray[np.float64]:
    """Return the times of each candidate's screening aspirates, years after diagnosis, shape (n, k) (NaN = none).

    The first at ``first``; with rescreening, again every ``rescreen_interval_years`` while inside the window.
    """
    high = eligibility.years_since_diagnosis[1]
    interval = screening.rescreen_interval_years
    if interval is None:
        return first[:, None].copy()
    count = int(np.floor((high - float(np.min(first, initial=high))) / interval + 1e-9)) + 1
    times = first[:, None] + interval * np.arange(count)[None, :]
    return np.where(times <= high + 1e-9, times, np.nan)


def postmenopausal_at(table: pd.DataFrame, years: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each patient is postmenopausal ``years`` after diagnosis (age then against age at menopause)."""
    age = table["age_at_diagnosis"].to_numpy(float) + years
    return age >= table["menopause_age"].to_numpy(float)


def covariates_eligible(
    table: pd.DataFrame, entry_years: NDArray[np.float64], eligibility: Eligibility
) -> NDArray[np.bool_]:
    """Covariate criteria at entry, no recurrence and no death before entry (not the DTC criterion).

    A recurrence is any of distant, locoregional or contralateral (``any_recurrence_years``; a table without that
    column: distant only): a trial enrols patients free of disease at entry.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-patient table of :func:`dormancy.patients.simulate_cohort`.
    entry_years : numpy.ndarray
        Entry time per row, years after diagnosis.
    eligibility : Eligibility
        The criteria.
    """
    column = "any_recurrence_years" if "any_recurrence_years" in table else "recurrence_years"
    recurrence = table[column].to_numpy(float)
    ok = (table["status"].to_numpy(str) == "ok") & ~(recurrence <= entry_years)
    if "death_years" in table:  # alive at entry
        ok &= ~(table["death_years"].to_numpy(float) <= entry_years)
    ok &= np.isin(table["t_stage"].to_numpy(str), eligibility.t_stages)
    ok &= np.isin(table["n_stage"].to_numpy(str), eligibility.n_stages)
    ok &= np.isin(table["subtype"].to_numpy(str), eligibility.subtypes)
    er = table["er_positive"].to_numpy(bool)
    if eligibility.er_status != "any":
        ok &= er == (eligibility.er_status == "positive")
    if eligibility.menopausal_status != "any":
        ok &= postmenopausal_at(table, entry_years) == (eligibility.menopausal_status == "post")
    if eligibility.high_risk_any_of:
        features = {
            "node_positive": np.isin(table["n_stage"].to_numpy(str), NODE_POSITIVE_STAGES),
            "triple_negative": table["subtype"].to_numpy(str) == "TN",
            "er_negative": ~er,
            "grade_3": table["grade"].to_numpy(int) == 3,
            "t3": table["t_stage"].to_numpy(str) == "T3",
        }
        ok &= np.logical_or.reduce([features[name] for name in eligibility.high_risk_any_of])
    return ok


def strata(table: pd.DataFrame, entry_years: NDArray[np.float64], factors: Sequence[str]) -> NDArray[np.object_]:
    """Stratum label of each patient, e.g. ``"er_status=positive|node_status=negative"`` (``""`` without factors)."""
    columns = []
    for factor in factors:
        if factor == "er_status":
            values = np.where(table["er_positive"].to_numpy(bool), "positive", "negative")
        elif factor == "node_status":
            values = np.where(np.isin(table["n_stage"].to_numpy(str), NODE_POSITIVE_STAGES), "positive", "negative")
        elif factor == "menopausal_status":
            values = np.where(postmenopausal_at(table, entry_years), "post", "pre")
        elif factor == "t_stage":
            values = table["t_stage"].to_numpy(str)
        else:
            values = table["subtype"].to_numpy(str)
        columns.append(np.char.add(f"{factor}=", values.astype(str)))
    if not columns:
        return np.full(len(table), "", dtype=object)
    label = columns[0]
    for column in columns[1:]:
        label = np.char.add(np.char.add(label, "|"), column)
    return label.astype(object)


def randomisation_generator(seed: int, replicate: int) -> np.random.Generator:
    """Return the generator of replicate ``replicate``'s randomisation: ``SeedSequence(seed, spawn_key=(TAG, r))``."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(RANDOMISATION_TAG, int(replicate))))


def randomise(
    stratum: Sequence[str], ratios: Sequence[int], block_multiplier: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Stratified permuted-block randomisation: the arm index of each patient, in order of enrolment.

    Within each stratum, patients in order take the slots of consecutive blocks; a block holds arm ``k``
    ``ratios[k] × block_multiplier`` times in a random order (an independent permutation per block). Strata are
    served in order of first appearance, so the draws depend only on the enrolment order and the generator.

    Parameters
    ----------
    stratum : sequence of str
        Stratum label of each enrolled patient, in enrolment order.
    ratios : sequence of int
        Allocation ratio of each arm.
    block_multiplier : int
        Block size = ``block_multiplier × sum(ratios)``.
    rng : numpy.random.Generator
        The replicate's randomisation generator.

    Returns
    -------
    numpy.ndarray of int64
        Arm index per patient.
    """
    block = np.repeat(np.arange(len(ratios)), np.asarray(ratios, dtype=np.int64) * int(block_multiplier))
    labels = np.asarray(stratum, dtype=object)
    arms = np.empty(len(labels), dtype=np.int64)
    _, first_index = np.unique(labels, return_index=True)
    for label in labels[np.sort(first_index)]:
        members = np.flatnonzero(labels == label)
        n_blocks = -(-len(members) // len(block))
        slots = np.concatenate([rng.permutation(block) for _ in range(n_blocks)])
        arms[members] = slots[: len(members)]
    return arms
