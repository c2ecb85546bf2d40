"""Therapies at the switch and patient scales (issue 7): direction of each drug at its target and on outcomes."""

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.bone.pivonka import PivonkaParameters
from dormancy.coupling import NICHE_LEVEL_INPUTS, NICHE_NAMES, niche_inputs
from dormancy.coupling.tables import (
    GRID_POINTS,
    PROLIFERATING_FIELDS,
    RATE_FIELDS,
    TableCache,
    bone_grid,
    tabulate,
    vicious_factor,
)
from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.patients import CohortSpec, aspirate_positive, simulate_cohort, therapy
from dormancy.patients.aspirate import positive_probability
from dormancy.patients.parameters import resolve_parameters
from dormancy.pkpd import Course, Strategy, parse_schedule
from dormancy.signalling import DORMANT_PREPARATION, PROLIFERATING_PREPARATION, SwitchModel, fate_rates, steady_states

SETS = resolve_parameters(None)
VALUES = SETS["patients_natural_history"].values()
COUPLING = SETS["bone_lifetime"].values()
REMODELLING = PivonkaParameters.from_set(SETS["pivonka2008"])
GRID = np.linspace(0.0, 1.0, GRID_POINTS)
BONE_TARGETS = ("osteoclast_apoptosis", "endosteal_niche", "rankl_neutralisation", "il1_blockade")
MID = 4  # grid index of D = I = 0.5


def switch_fates(effects, *, er="negative", niche="endosteal", endocrine_factor=1.0):
    """Fate rates of a dormant and of a proliferating cell of one niche at D = I = 0.5 under constant effects."""
    effects = {t: float(effects.get(t, 0.0)) for t in therapy.TABLE_TARGETS}
    model = SwitchModel.from_parameter_set(load_registry().sets[f"switch_er_{er}"])
    bone_drugs = {t: effects[t] for t in BONE_TARGETS if effects[t]}
    bone = {k: v[MID, MID] for k, v in bone_grid(REMODELLING, COUPLING, GRID, bone_drugs).items()}
    factor = 0.0 if er == "negative" else endocrine_factor
    estrogen = COUPLING["premenopausal_estrogen_signal"] * (1.0 - GRID[MID]) * factor
    drugs = {k: v for k, v in effects.items() if v}
    row = niche_inputs(model, VALUES, niche, bone=bone, il1b=GRID[MID], estrogen=estrogen, drugs=drugs)[np.newaxis]
    reference = {name: VALUES[f"niche_endosteal__{name}"] for name in NICHE_LEVEL_INPUTS}
    out = {}
    for branch, preparation in (("dormant", DORMANT_PREPARATION), ("proliferating", PROLIFERATING_PREPARATION)):
        prepared = {k: v for k, v in {**reference, **preparation}.items() if v}
        start = steady_states(model, model.inputs(prepared), 0.0)
        out[branch] = {k: float(v[0]) for k, v in fate_rates(model, steady_states(model, row, start)).items()}
    return out


UNTREATED = {}


def untreated(**kwargs):
    key = tuple(sorted(kwargs.items()))
    if key not in UNTREATED:
        UNTREATED[key] = switch_fates({}, **kwargs)
    return UNTREATED[key]


# --------------------------------------------------------------------------------------------- switch scale


@pytest.mark.parametrize("niche", ["endosteal", "perivascular_sprouting"])
def test_hcq_and_everolimus_kill_dormant_cells_and_together_more_than_bliss_independence(niche):
    # near-maximal target effects: at the CLEVER doses (effects about 0.5 each) the model is close to additive
    base = untreated(niche=niche)["dormant"]["apoptosis_rate"]
    hcq = switch_fates({"autophagy_inhibition": 0.8}, niche=niche)["dormant"]["apoptosis_rate"]
    eve = switch_fates({"mtor_inhibition": 0.8}, niche=niche)["dormant"]["apoptosis_rate"]
    both = switch_fates({"autophagy_inhibition": 0.8, "mtor_inhibition": 0.8}, niche=niche)["dormant"]["apoptosis_rate"]
    assert hcq > base and eve > base and both > max(hcq, eve)

    def killed(rate):
        # fraction of dormant cells the drug kills over six 28-day cycles beyond untreated death, with the patient
        # model's hazard: the switch's extra apoptosis rate under the drug (per day), added unscaled
        return -math.expm1(-(rate - base) * 168.0)

    bliss = killed(hcq) + killed(eve) - killed(hcq) * killed(eve)
    assert killed(both) > bliss  # positive Bliss excess: the energy crisis of losing both mTOR and autophagy


def test_cdk46_inhibitor_halts_proliferation_without_killing_dormant_cells():
    base, treated = untreated(), switch_fates({"cdk46_inhibition": 0.7})
    assert treated["proliferating"]["proliferation_rate"] < 0.5 * base["proliferating"]["proliferation_rate"]
    assert treated["dormant"]["quiescence_exit_rate"] < base["dormant"]["quiescence_exit_rate"]
    assert treated["dormant"]["apoptosis_rate"] == pytest.approx(base["dormant"]["apoptosis_rate"], rel=1e-3)


@pytest.mark.parametrize("target", ["hdac_inhibition", "nr2f1_activation"])
def test_hdac_inhibitor_and_nr2f1_agonist_deepen_dormancy(target):
    base, treated = untreated(), switch_fates({target: 0.6})
    assert treated["dormant"]["quiescence_exit_rate"] < base["dormant"]["quiescence_exit_rate"]


@pytest.mark.parametrize(("target", "effect"), [("cxcr4_blockade", 0.6), ("mir222_223_blockade", 0.8)])
def test_cxcr4_blockade_and_antagomir_raise_awakening(target, effect):
    base, treated = untreated(), switch_fates({target: effect})
    assert treated["dormant"]["quiescence_exit_rate"] > base["dormant"]["quiescence_exit_rate"]


def test_il1_blockade_lowers_awakening_in_an_inflamed_host():
    base, treated = untreated(), switch_fates({"il1_blockade": 0.9})
    assert treated["dormant"]["quiescence_exit_rate"] < base["dormant"]["quiescence_exit_rate"]


def test_er_blockade_lowers_awakening_of_er_positive_cells_only():
    positive, treated = untreated(er="positive"), switch_fates({"er_signalling_blockade": 0.8}, er="positive")
    assert treated["dormant"]["quiescence_exit_rate"] < positive["dormant"]["quiescence_exit_rate"]
    negative = switch_fates({"er_signalling_blockade": 0.8})
    assert negative["dormant"] == untreated()["dormant"]


@pytest.mark.parametrize("target", ["osteoclast_apoptosis", "rankl_neutralisation"])
def test_zoledronic_acid_and_denosumab_lower_osteoclast_factors_exposure_and_the_vicious_cycle(target):
    rest = bone_grid(REMODELLING, COUPLING, GRID)
    treated = bone_grid(REMODELLING, COUPLING, GRID, {target: 0.9})
    assert np.all(treated["OSTEOCLAST_FACTORS"] < rest["OSTEOCLAST_FACTORS"])
    assert np.all(treated["osteoclast_fold"] < rest["osteoclast_fold"])  # fewer resorbing fronts reach a DTC
    vicious_rest = vicious_factor(REMODELLING, COUPLING, GRID)
    vicious = vicious_factor(REMODELLING, COUPLING, GRID, {target: 0.9})
    assert np.all(vicious[..., 8:] < vicious_rest[..., 8:])  # bone foci above 1e-4 of the site grow more slowly


def test_full_rankl_neutralisation_slows_bone_foci_instead_of_taking_the_runaway_value():
    # At effect 1 osteoclasts vanish and the log-space root finder fails; the bone must then be integrated (it
    # collapses), not given the runaway cap: foci grow no faster than at effect 0.7, and slower than untreated.
    # Each host state's factor is computed on its own, so the 3 x 3 sub-grid (corners, edge midpoints, centre) has
    # exactly the full grid's values there, at a ninth of the cost (the integration takes about a minute on 9 x 9).
    step = (len(GRID) - 1) // 2
    grid = GRID[::step]
    assert np.array_equal(grid, [0.0, 0.5, 1.0])
    partial_block = vicious_factor(REMODELLING, COUPLING, grid, {"rankl_neutralisation": 0.7})
    full_block = vicious_factor(REMODELLING, COUPLING, grid, {"rankl_neutralisation": 1.0})
    untreated = vicious_factor(REMODELLING, COUPLING, grid)
    assert np.array_equal(untreated, vicious_factor(REMODELLING, COUPLING, GRID)[::step, ::step])
    assert np.all(np.isfinite(full_block))
    assert np.all(full_block <= partial_block * (1.0 + 1e-9))
    assert np.all(full_block[..., 8:] < untreated[..., 8:])


def test_zero_drug_effects_give_the_untreated_bone():
    zero = dict.fromkeys(BONE_TARGETS, 0.0)
    rest, treated = bone_grid(REMODELLING, COUPLING, GRID), bone_grid(REMODELLING, COUPLING, GRID, zero)
    for name in rest:
        np.testing.assert_allclose(treated[name], rest[name], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(
        vicious_factor(REMODELLING, COUPLING, GRID, zero), vicious_factor(REMODELLING, COUPLING, GRID)
    )


@pytest.mark.slow
def test_a_treated_table_is_the_untreated_one_where_the_drug_does_not_act():
    """ER blockade leaves ER- cells alone: the treated path must give their untreated rows (a check of one path)."""
    base = tabulate(SETS, cache=therapy.DEFAULT_CACHE)
    treated = tabulate(SETS, {"er_signalling_blockade": 0.5}, cache=therapy.DEFAULT_CACHE)
    assert treated.key != base.key
    # the dormant-branch fields everywhere; the proliferating branch only where the kernel reads it under treatment
    dormant = [RATE_FIELDS.index(name) for name in ("log_awakening_rate", "death_rate", "drug_death_rate")]
    awake = [RATE_FIELDS.index(name) for name in PROLIFERATING_FIELDS]
    np.testing.assert_allclose(treated.rates[0][..., dormant], base.rates[0][..., dormant], rtol=1e-9, atol=1e-12)
    sprouting = NICHE_NAMES.index("perivascular_sprouting")
    np.testing.assert_allclose(
        treated.rates[0, :, sprouting][..., awake], base.rates[0, :, sprouting][..., awake], rtol=1e-9, atol=1e-12
    )
    assert np.isnan(np.delete(treated.rates[..., awake], sprouting, axis=2)).all()
    np.testing.assert_array_equal(treated.vicious_factor, base.vicious_factor)
    awakening = treated.field("log_awakening_rate")
    # ER+ cells wake less wherever oestrogen is left to block (D < 1)
    assert (awakening[1, :, :4, :-1] < base.field("log_awakening_rate")[1, :, :4, :-1]).all()


def test_regimen_time_averages_follow_the_dosing_and_end_after_washout():
    everolimus = Strategy("eve", "killing", (Course(parse_schedule("everolimus:10mg:qd"), duration_days=168.0),))
    means = therapy.step_effects(everolimus, step_days=365.25 / 12)
    column = therapy.TARGETS.index("mtor_inhibition")
    assert 5 <= len(means) <= 8  # six months of dosing, then a short washout (t½ 30 h)
    assert np.all(means[1:5, column] > 0.45)
    docetaxel = therapy.step_effects(
        Strategy("c", "standard", (Course(parse_schedule("docetaxel:135mg:once")),)), step_days=365.25 / 12
    )
    assert len(docetaxel) == 1 and docetaxel[0, therapy.TARGETS.index("cycling_cell_kill")] > 0


# --------------------------------------------------------------------------------------------- patient scale

SPEC = CohortSpec(n_patients=1500, followup_years=12.0)
VISITS = np.tile([1.0, 2.5, 4.0], (SPEC.n_patients, 1))


@pytest.fixture(scope="module")
def base():
    return simulate_cohort(SPEC, seed=11, visits_years=VISITS)


def test_untreated_results_are_unchanged_by_a_treatment_never_started(base):
    never = simulate_cohort(SPEC, seed=11, treatment="chemotherapy", treatment_start_years=np.nan, visits_years=VISITS)
    pd.testing.assert_frame_equal(never.table, base.table)
    pd.testing.assert_frame_equal(never.visits, base.visits)
    late = simulate_cohort(SPEC, seed=11, treatment="chemotherapy", treatment_start_years=50.0)
    pd.testing.assert_frame_equal(late.table.drop(columns="treatment"), base.table.drop(columns="treatment"))


def test_a_subset_of_patient_ids_has_the_same_rows(base):
    ids = np.array([3, 7, 100, 1499, 42])
    subset = simulate_cohort(SPEC, seed=11, patient_ids=ids, visits_years=VISITS[: len(ids)])
    expected = base.table.set_index("patient").loc[ids].reset_index()
    pd.testing.assert_frame_equal(subset.table, expected)


def test_history_before_the_treatment_is_that_of_the_untreated_patient(base):
    treated = simulate_cohort(SPEC, seed=11, treatment="chemotherapy", treatment_start_years=2.2, visits_years=VISITS)
    before = base.table["recurrence_years"] < 2.2
    pd.testing.assert_series_equal(treated.table["recurrence_years"][before], base.table["recurrence_years"][before])
    first = base.visits["visit"] == 0
    pd.testing.assert_series_equal(treated.visits["marrow_dtcs"][first], base.visits["marrow_dtcs"][first])
    assert set(treated.table["treatment"]) == {"chemotherapy"}
    # undoing the part of the yearly pool update after a mid-year start is unbiased: chemotherapy spares dormant
    # cells, so the marrow pools after the start match the untreated ones on average
    late = base.visits["visit"] == 2
    ratio = treated.visits["marrow_dtcs"][late].sum() / base.visits["marrow_dtcs"][late].sum()
    assert ratio == pytest.approx(1.0, abs=0.01)


def test_chemotherapy_lowers_recurrences_by_killing_cycling_cells_not_dormant_ones(base):
    treated = simulate_cohort(SPEC, seed=11, treatment="chemotherapy", treatment_start_years=1.0, visits_years=VISITS)
    assert treated.table["recurred"].sum() < base.table["recurred"].sum()
    late = treated.visits["visit"] == 2
    ratio = treated.visits["marrow_dtcs"][late].sum() / base.visits["marrow_dtcs"][late].sum()
    assert ratio == pytest.approx(1.0, abs=0.01)  # dormant cells are not killed


@pytest.mark.slow
def test_awakening_then_chemotherapy_lowers_marrow_dtcs_more_than_chemotherapy_alone(base):
    def dtcs(treatment):
        run = simulate_cohort(SPEC, seed=11, treatment=treatment, treatment_start_years=1.0, visits_years=VISITS)
        return run.visits["marrow_dtcs"][run.visits["visit"] == 2].sum(), run

    chemo, _ = dtcs("chemotherapy")
    awakened, run = dtcs("cxcr4i+chemotherapy")
    assert awakened < 0.99 * chemo  # CXCR4 blockade wakes cells that chemotherapy then kills
    assert run.table["escapes"].sum() > base.table["escapes"].sum()  # more cells woke (and were killed)


@pytest.mark.slow
def test_everolimus_lowers_marrow_dtcs_after_treatment(base):
    everolimus = Strategy("eve", "killing", (Course(parse_schedule("everolimus:10mg:qd"), duration_days=168.0),))
    run = simulate_cohort(SPEC, seed=11, treatment=everolimus, treatment_start_years=1.0, visits_years=VISITS)
    late = run.visits["visit"] == 1
    assert run.visits["marrow_dtcs"][late].sum() < base.visits["marrow_dtcs"][late].sum()


def test_bad_treatment_arguments_are_input_errors():
    with pytest.raises(InputError, match="treatment"):
        simulate_cohort(SPEC, seed=1, treatment="cure-all")
    with pytest.raises(InputError, match="treatment_start_years"):
        simulate_cohort(SPEC, seed=1, treatment="chemotherapy", treatment_start_years=[1.0, 2.0])
    with pytest.raises(InputError, match="visits_years"):
        simulate_cohort(SPEC, seed=1, visits_years=np.ones((3, 2)))
    with pytest.raises(InputError, match="patient_ids"):
        simulate_cohort(SPEC, seed=1, patient_ids=np.array([-1, 2]))


# --------------------------------------------------------------------------------------------- aspirate


def test_aspirate_positivity_rises_with_the_dtc_count():
    ids = np.arange(20000)
    previous = 0.0
    for count in (1e4, 1e5, 1e6):
        positive = aspirate_positive(np.full(ids.size, count), seed=3, patient_ids=ids, visit=0)
        assert positive.mean() == pytest.approx(positive_probability([count])[0], abs=0.015)
        assert positive.mean() > previous
        previous = positive.mean()
    assert not aspirate_positive(np.zeros(5), seed=3, patient_ids=np.arange(5), visit=0).any()


def test_repeated_aspirates_are_independent_and_reproducible():
    ids = np.arange(20000)
    counts = np.full(ids.size, 3.5e5)  # P(positive) about one half
    first = aspirate_positive(counts, seed=5, patient_ids=ids, visit=1)
    again = aspirate_positive(counts, seed=5, patient_ids=ids, visit=1)
    second = aspirate_positive(counts, seed=5, patient_ids=ids, visit=2)
    np.testing.assert_array_equal(first, again)
    p1, p2 = first.mean(), second.mean()
    assert (first & second).mean() == pytest.approx(p1 * p2, abs=0.015)


def test_a_patient_with_few_dtcs_can_test_negative():
    ids = np.arange(1000)
    positive = aspirate_positive(np.full(ids.size, 1e5), seed=9, patient_ids=ids, visit=0)
    assert 0 < positive.sum() < ids.size  # P = 1 - exp(-0.2): mostly false negatives


@pytest.fixture(scope="module")
def larger():
    spec = CohortSpec(n_patients=4000, followup_years=12.0)
    return spec, simulate_cohort(spec, seed=11).table


@pytest.mark.slow
def test_endocrine_therapy_lowers_er_positive_and_not_er_negative_recurrence(larger):
    spec, base = larger
    treated = simulate_cohort(spec, seed=11, treatment="tamoxifen", treatment_start_years=0.5).table
    positive = base["er_positive"]
    assert treated["recurred"][positive].sum() < 0.9 * base["recurred"][positive].sum()
    assert treated["recurred"][~positive].sum() == pytest.approx(base["recurred"][~positive].sum(), rel=0.05)


def test_aspirates_read_the_visit_table_directly(base):
    visits = base.visits
    positive = aspirate_positive(
        visits["marrow_dtcs"], seed=11, patient_ids=visits["patient"].to_numpy(), visit=visits["visit"].to_numpy()
    )
    assert positive.shape == (len(visits),) and positive.dtype == bool
    many = visits["marrow_dtcs"].to_numpy(dtype=float, na_value=0.0) > 2e6
    few = visits["marrow_dtcs"].to_numpy(dtype=float, na_value=0.0) < 1e4
    assert positive[many].mean() > positive[few].mean()


@pytest.mark.slow
def test_hcq_plus_everolimus_lowers_marrow_dtcs_more_than_everolimus_alone(base):
    def dtcs(treatment):
        run = simulate_cohort(SPEC, seed=11, treatment=treatment, treatment_start_years=1.0, visits_years=VISITS)
        return run.visits["marrow_dtcs"][run.visits["visit"] == 1].sum()

    untreated_dtcs = base.visits["marrow_dtcs"][base.visits["visit"] == 1].sum()
    both, everolimus = dtcs("hcq+everolimus"), dtcs("everolimus")
    assert both < everolimus < untreated_dtcs


def test_disk_cache_keys_change_with_the_code_that_computes_the_tables(tmp_path):
    from dormancy.coupling.tables import _table_key

    registry = load_registry()
    switches = {er: registry.sets[f"switch_er_{er}"] for er in ("negative", "positive")}
    cache = TableCache(tmp_path)
    key = _table_key(SETS, switches, {}, cache.code_digest())
    assert key == _table_key(SETS, switches, {}, TableCache(tmp_path).code_digest())
    assert _table_key(SETS, switches, {}, "edited-source") != key
    assert _table_key(SETS, switches, {"mtor_inhibition": 0.5}, cache.code_digest()) != key


def test_table_keys_ignore_the_records_a_posterior_draw_varies_and_follow_the_niche_records():
    """A posterior draw (the 20 natural-history records) must reuse the tables: they read none of its records."""
    from dormancy.coupling.tables import _table_key
    from dormancy.patients.parameters import resolve_parameters
    from dormancy.patients.posterior_fit import POSTERIOR_PARAMETERS

    registry = load_registry()
    switches = {er: registry.sets[f"switch_er_{er}"] for er in ("negative", "positive")}
    key = _table_key(resolve_parameters(None), switches, {}, "digest")
    drawn = {name: registry.parameter(name).value * 1.01 for name in POSTERIOR_PARAMETERS}
    assert _table_key(resolve_parameters(drawn), switches, {}, "digest") == key
    niche = "patients_natural_history.niche_endosteal__resorption_reach"
    changed = resolve_parameters({niche: registry.parameter(niche).value * 0.9})
    assert _table_key(changed, switches, {}, "digest") != key
