"""Direction of every library strategy on patient outcomes (issue 7), with common random numbers and a vehicle arm.

Design: each strategy starts at diagnosis (``treatment_start_years=0``) and follow-up ends with its regimen, so every
escape (an awakened cell founding a colony) and every recurrence counted happens while the drug acts; a visit at
the end reads the marrow DTCs. The comparison arm is a *vehicle*: the same seed and patient ids, and a regimen of
the same length whose only effect is a negligible docetaxel microdose (log10 kill about 1e-9 a step).

Why a vehicle rather than untreated patients: from a treatment's start the kernel updates the dormant pools monthly
instead of yearly. That does not bias the history (``tests/test_patients_pool_updates.py``: at 500,000 patients
recurrences per year agree within 0.9 %, |z| < 0.7; the 2.4 % more marrow DTCs once seen at visits inside a
yearly-update year was a readout artefact, now fixed), so untreated patients would be an unbiased control for
recurrences and visits. The vehicle is still the right *paired* control: its monthly pool updates draw from the same
(patient, step, block) streams as the treated arm's (untreated patients draw their yearly updates from other
streams), so awakenings, escapes and marrow DTCs, which the pools drive, stay paired patient by patient and small
effects on them are seen at a few tens of thousands of patients. It also reads ``escapes`` and ``dead_dtcs`` at a
recurrence like the treated arm (under yearly updates they include the rest of that year's events). The microdose
draws one uniform per growing focus and step (a treated arm without cycling-cell kill draws none), so the foci's
draws, and with them recurrences, decorrelate between the arms once a focus grows (vehicle vs untreated at 300,000
patients: recurrences per year paired z about equal to unpaired z, all |z| < 1.7); the effects asserted pass with
seeds 1 and 2 at 30,000 patients (the seed used is 1).

Expected directions (``shared/biology.md`` §8): sleeping drugs (IL-1 blockade in inflamed hosts, HDAC inhibitor,
NR2F1 agonist, CDK4/6 inhibitors, RANKL blockade) lower awakenings and recurrences while given; awakening drugs
(CXCR4 blockade, antagomiR-222/223 MSCs) raise escapes and lower the marrow DTCs; killing drugs (hydroxychloroquine)
lower the marrow DTCs. Each test asks for the direction the biology expects, beyond the paired noise where the
effect is small, and its docstring or comments give the size measured (``docs/architecture.md``, *Therapies*);
nothing is tuned to pass.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from dormancy.patients import CohortSpec, PopulationSpec, simulate_cohort, therapy
from dormancy.pkpd import STRATEGY_NAMES, Course, Strategy, parse_schedule

STEP_DAYS = 365.25 / 12
N_PATIENTS = 30000
SEED = 1

PATIENTS = "test_therapy_patients.py"

#: Where each library strategy's direction on patient outcomes is tested (this file unless a path is given).
OUTCOME_TESTS = {
    "hcq": "test_hydroxychloroquine_lowers_marrow_dtcs",
    "everolimus": (PATIENTS, "test_everolimus_lowers_marrow_dtcs_after_treatment"),
    "hcq+everolimus": (PATIENTS, "test_hcq_plus_everolimus_lowers_marrow_dtcs_more_than_everolimus_alone"),
    "zoledronic_acid_azure": "test_zoledronic_acid_lowers_bone_recurrence",
    "denosumab_dcare": "test_denosumab_lowers_escapes_and_bone_recurrence",
    "denosumab_abcsg18": "test_denosumab_lowers_escapes_and_bone_recurrence",
    "cdk46i": "test_cdk46_inhibitors_lower_escapes_and_recurrences_while_given",
    "abemaciclib": "test_cdk46_inhibitors_lower_escapes_and_recurrences_while_given",
    "ribociclib": "test_cdk46_inhibitors_lower_escapes_and_recurrences_while_given",
    "entinostat": "test_sleeping_drugs_lower_escapes_while_given",
    "nr2f1_agonist": "test_sleeping_drugs_lower_escapes_while_given",
    "canakinumab": "test_il1_blockade_lowers_escapes_and_recurrences_in_inflamed_hosts",
    "anakinra": "test_il1_blockade_lowers_escapes_and_recurrences_in_inflamed_hosts",
    "chemotherapy": (PATIENTS, "test_chemotherapy_lowers_recurrences_by_killing_cycling_cells_not_dormant_ones"),
    "antagomir_msc": "test_antagomir_msc_wakes_dormant_cells",
    "awakening+chemotherapy": "test_antagomir_msc_then_chemotherapy_lowers_marrow_dtcs_more_than_chemotherapy",
    "cxcr4i": "test_cxcr4_blockade_wakes_dormant_cells",
    "cxcr4i+chemotherapy": (
        PATIENTS,
        "test_awakening_then_chemotherapy_lowers_marrow_dtcs_more_than_chemotherapy_alone",
    ),
    "tamoxifen": (PATIENTS, "test_endocrine_therapy_lowers_er_positive_and_not_er_negative_recurrence"),
    "aromatase_inhibitor": "test_aromatase_inhibitor_lowers_er_positive_recurrence_only",
}


def test_every_library_strategy_has_an_outcome_test():
    assert set(OUTCOME_TESTS) == set(STRATEGY_NAMES)
    here = globals()
    source = {}
    for name, where in OUTCOME_TESTS.items():
        if isinstance(where, tuple):
            path, function = where
            if path not in source:
                source[path] = (Path(__file__).parent / path).read_text(encoding="utf-8")
            assert f"def {function}(" in source[path], name
        else:
            assert callable(here.get(where)), name


def n_steps(strategy):
    """Steps of the strategy's regimen (:func:`therapy.regimen` is cached, and ``simulate_cohort`` reuses it)."""
    return therapy.regimen(strategy, step_days=STEP_DAYS).n_steps


def vehicle(steps):
    """A regimen of ``steps`` patient steps with no effect but a docetaxel microdose (module docstring)."""
    out = Strategy(
        "vehicle",
        "standard",
        (Course(parse_schedule("docetaxel:1e-5mg:q7d"), duration_days=(steps - 0.5) * STEP_DAYS),),
    )
    assert n_steps(out) == steps
    return out


_RUNS = {}


def run(treatment, *, steps, population=None):
    """Cohort treated from diagnosis and followed for ``steps`` patient steps (at least a year), one end visit."""
    key = (treatment if isinstance(treatment, str) else treatment.name, steps, population)
    if key not in _RUNS:
        followup = max(steps, 12) / 12
        spec = CohortSpec(N_PATIENTS, followup_years=followup, population=population or PopulationSpec())
        _RUNS[key] = simulate_cohort(
            spec,
            seed=SEED,
            treatment=treatment,
            treatment_start_years=0.0,
            visits_years=np.full((N_PATIENTS, 1), followup - 1.0 / 24.0),
        )
    return _RUNS[key]


def paired(strategy, *, population=None):
    steps = n_steps(strategy)
    return run(vehicle(steps), steps=steps, population=population), run(strategy, steps=steps, population=population)


def escape_rate(result):
    return result.table["escapes"].sum() / result.table["followup_years"].sum()


def marrow_dtcs(result):
    return result.visits["marrow_dtcs"].sum()


# ------------------------------------------------------------------------------------------------ sleeping


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["entinostat", "nr2f1_agonist"])
def test_sleeping_drugs_lower_escapes_while_given(strategy):
    control, treated = paired(strategy)
    assert escape_rate(treated) < escape_rate(control)


@pytest.mark.slow
def test_nr2f1_agonist_keeps_more_dtcs_dormant_in_the_marrow():
    control, treated = paired("nr2f1_agonist")
    assert escape_rate(treated) < 0.99 * escape_rate(control)
    assert marrow_dtcs(treated) > marrow_dtcs(control)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["cdk46i", "abemaciclib", "ribociclib"])
def test_cdk46_inhibitors_lower_escapes_and_recurrences_while_given(strategy):
    control, treated = paired(strategy)
    assert escape_rate(treated) < 0.97 * escape_rate(control)
    assert treated.table["recurred"].sum() < 0.9 * control.table["recurred"].sum()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["canakinumab", "anakinra"])
def test_il1_blockade_lowers_escapes_and_recurrences_in_inflamed_hosts(strategy):
    # IL-1 beta drives awakening in inflamed hosts; in the average host the lower IL1B input is almost offset by
    # the lower inflammatory RANKL drive, which lowers osteoblast TGF-beta2/BMP7 (as denosumab does, below)
    # Recurrences within the one-year follow-up come mostly from foci present at diagnosis, and a treatment from
    # diagnosis re-draws some histories, so the paired recurrence counts differ by noise (~500 discordant patients
    # of 30,000; since calibration run 8 the ER- awakening the drug acts on is half as large). The direction is the
    # escape rate's; recurrences must not rise beyond two standard deviations of a sign test on discordant pairs.
    inflamed = PopulationSpec(extra_inflammation_mean=0.4)
    control, treated = paired(strategy, population=inflamed)
    assert escape_rate(treated) < escape_rate(control)
    only_treated = int((treated.table["recurred"] & ~control.table["recurred"]).sum())
    only_control = int((control.table["recurred"] & ~treated.table["recurred"]).sum())
    assert only_treated - only_control < 2.0 * np.sqrt(only_treated + only_control), (only_treated, only_control)


@pytest.mark.slow
def test_zoledronic_acid_lowers_bone_recurrence():
    # AZURE's schedule from diagnosis: bone foci grow more slowly under the lower osteoclast drive (vicious cycle)
    control, treated = paired("zoledronic_acid_azure")
    bone = (treated.table["recurrence_site"] == "bone").sum()
    assert bone < (control.table["recurrence_site"] == "bone").sum()
    assert treated.table["bone_metastasis_years"].notna().sum() < control.table["bone_metastasis_years"].notna().sum()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["denosumab_dcare", "denosumab_abcsg18"])
def test_denosumab_lowers_escapes_and_bone_recurrence(strategy):
    control, treated = paired(strategy)
    assert escape_rate(treated) < escape_rate(control)
    bone = (treated.table["recurrence_site"] == "bone").sum()
    assert bone < (control.table["recurrence_site"] == "bone").sum()


# ------------------------------------------------------------------------------------------------ awakening


@pytest.mark.slow
def test_cxcr4_blockade_wakes_dormant_cells():
    control, treated = paired("cxcr4i")
    assert escape_rate(treated) > 1.05 * escape_rate(control)
    assert marrow_dtcs(treated) < 0.99 * marrow_dtcs(control)


@pytest.mark.slow
def test_antagomir_msc_wakes_dormant_cells():
    control, treated = paired("antagomir_msc")
    assert escape_rate(treated) > escape_rate(control)
    assert marrow_dtcs(treated) < marrow_dtcs(control)


@pytest.mark.slow
def test_antagomir_msc_then_chemotherapy_lowers_marrow_dtcs_more_than_chemotherapy():
    """antagomiR-222/223 MSCs before chemotherapy leave fewer marrow DTCs than the same chemotherapy alone [2, 58].

    The effect is small and the test asks for its direction beyond the paired noise, not for a size: at the run-4
    values, 30,000 patients, seed 1, marrow DTCs 0.99938 of chemotherapy alone, lower in 29,994 patients (paired
    z about -100). The route is the model's, not the co-culture's: dormant DTCs die more (dead DTCs +0.6 %), while
    the awakening that chemotherapy could exploit stays rare (escapes +0.1 %, 1e-4-1e-3 per cell-year) because
    TGF-beta2, BMP7, GAS6, Wnt5a and TSP1 still hold the cells in vivo (docs/architecture.md, *Therapies*).
    """
    steps = n_steps("awakening+chemotherapy")
    chemotherapy = Strategy(
        "chemotherapy-matched",
        "standard",
        (
            Course(parse_schedule("docetaxel:135mg:q3w:x6"), start_days=14.0),
            Course(parse_schedule("docetaxel:1e-5mg:q7d"), duration_days=(steps - 0.5) * STEP_DAYS),
        ),
    )
    assert n_steps(chemotherapy) == steps
    alone = run(chemotherapy, steps=steps)
    awakened = run("awakening+chemotherapy", steps=steps)
    assert np.array_equal(alone.visits["patient"], awakened.visits["patient"])
    difference = awakened.visits["marrow_dtcs"].to_numpy(float) - alone.visits["marrow_dtcs"].to_numpy(float)
    paired_z = difference.sum() / (difference.std(ddof=1) * math.sqrt(difference.size))
    assert paired_z < -5.0
    assert awakened.table["dead_dtcs"].sum() > alone.table["dead_dtcs"].sum()


# ------------------------------------------------------------------------------------------------ killing, endocrine


@pytest.mark.slow
def test_hydroxychloroquine_lowers_marrow_dtcs():
    control, treated = paired("hcq")
    assert marrow_dtcs(treated) < 0.99 * marrow_dtcs(control)
    assert treated.table["dead_dtcs"].sum() > control.table["dead_dtcs"].sum()


@pytest.mark.slow
def test_aromatase_inhibitor_lowers_er_positive_recurrence_only():
    control, treated = paired("aromatase_inhibitor")
    positive = control.table["er_positive"]
    assert treated.table["recurred"][positive].sum() < 0.8 * control.table["recurred"][positive].sum()
    # ER- cells read no oestrogen; over five years the vehicle's microdose draws decorrelate the arms a little
    negative = control.table["recurred"][~positive].sum()
    assert treated.table["recurred"][~positive].sum() == pytest.approx(negative, rel=0.05)
