"""Co-culture protocols: the directions the review reports for MSC exosomes, antagomiR-222/223 and contact."""

import numpy as np
import pytest

from dormancy.lab import run_protocol

FAST = {"days": 5.0, "cells": 800, "clones": 16, "step_hours": 2.0, "max_cells_exported": 20}
SEEDS = (1, 2, 3)


def endpoint(result, readout):
    """Return condition → last value of ``readout`` before the drug (or the survival row)."""
    table = result.table
    rows = table[(table["readout"] == readout) & (table["phase"] != "chemotherapy")]
    if readout == "chemo_survival":
        rows = table[table["readout"] == readout]
    return rows.groupby("condition")["value"].last().to_dict()


@pytest.fixture(scope="module")
def exosome_runs():
    return [run_protocol("coculture-exosomes", seed=seed, options=FAST) for seed in SEEDS]


def test_msc_exosomes_lower_proliferation_primed_more_than_naive(exosome_runs):
    for result in exosome_runs:
        growth = endpoint(result, "fold_change")
        assert growth["primed exosomes"] < growth["naive exosomes"] < growth["tumour alone"]
        ki67 = endpoint(result, "ki67_fraction")
        assert ki67["primed exosomes"] < ki67["tumour alone"]


def test_antagomir_reverses_exosome_quiescence_and_restores_chemosensitivity(exosome_runs):
    for result in exosome_runs:
        growth, survival = endpoint(result, "fold_change"), endpoint(result, "chemo_survival")
        for source in ("naive", "primed"):
            treated = f"{source} exosomes + antagomiR-222/223"
            assert growth[treated] > growth[f"{source} exosomes"]
            assert survival[treated] < survival[f"{source} exosomes"]
        assert survival["primed exosomes"] > survival["tumour alone"], "quiescent cells resist chemotherapy"
        alone = survival["tumour alone"]
        assert abs(survival["primed exosomes + antagomiR-222/223"] - alone) < abs(survival["primed exosomes"] - alone)


def test_exosome_effect_grows_with_dose():
    growth = [
        endpoint(
            run_protocol(
                "coculture-exosomes",
                seed=4,
                options={
                    **FAST,
                    "dose_ug_per_ml": dose,
                    "antagomir": False,
                    "exosome_source": "primed",
                    "chemotherapy_hours": 0,
                },
            ),
            "fold_change",
        )["primed exosomes"]
        for dose in (0.0, 5.0, 50.0)
    ]
    assert growth[0] > growth[1] > growth[2]


def test_indirect_co_culture_misses_the_contact_dependent_effects():
    options = {**FAST, "antagomir": False, "chemotherapy_hours": 0.0}
    for seed in SEEDS[:2]:
        direct = run_protocol("coculture-direct", seed=seed, options=options)
        indirect = run_protocol("coculture-indirect", seed=seed, options=options)
        no_contact = run_protocol(
            "coculture-direct", seed=seed, options={**options, "gap_junctions": False, "priming": False}
        )
        # contact (gap-junction miRNA transfer, MSC priming) slows growth and cycling beyond soluble factors
        assert endpoint(direct, "fold_change")["co-culture"] < endpoint(indirect, "fold_change")["co-culture"]
        assert endpoint(direct, "ki67_fraction")["co-culture"] < endpoint(indirect, "ki67_fraction")["co-culture"]
        # soluble factors alone still act
        assert endpoint(indirect, "fold_change")["co-culture"] < endpoint(indirect, "fold_change")["tumour alone"]
        # and the whole difference is the contact terms: without them direct is indirect, draw for draw
        same = no_contact.table.reset_index(drop=True)
        assert np.array_equal(same["value"].to_numpy(), indirect.table["value"].to_numpy())


def test_a_seed_reproduces_the_table_exactly():
    first = run_protocol("coculture-indirect", seed=9, options={**FAST, "days": 1.0})
    second = run_protocol("coculture-indirect", seed=9, options={**FAST, "days": 1.0})
    assert first.table.equals(second.table)
    other = run_protocol("coculture-indirect", seed=10, options={**FAST, "days": 1.0})
    assert not first.table.equals(other.table)


def test_osteoblast_co_culture_raises_the_p38_erk_ratio():
    options = {**FAST, "stroma": "osteoblast", "antagomir": False, "chemotherapy_hours": 0.0, "days": 3.0}
    ratio = endpoint(run_protocol("coculture-indirect", seed=1, options=options), "p38_erk_ratio")
    assert ratio["co-culture"] > ratio["tumour alone"] + 0.05  # TGF-β2/BMP7/GAS6 → p38 [61, 204, 205]
