r"""The stochastic natural history of one patient's disseminated tumour cells, compiled and vectorised over patients.

State of a patient (struct of arrays over patients): dormant DTCs per niche (four marrow niches and the lumped
other-organ compartment), dead DTCs, escapes, and up to :data:`FOCUS_SLOTS` micrometastases, each with its log
size, whether it has switched to angiogenesis and the niche it came from. Time advances in steps of
:math:`\Delta` (a month by default; tau-leaping with binomial draws, exact competing risks within a step).

**At diagnosis** (:mod:`dormancy.patients.seeding`): :math:`N \sim \mathrm{NegBin}(m, k)` marrow DTCs (gamma–Poisson),
split over the marrow niches by their fractions, plus :math:`\mathrm{Poisson}(\rho_s N)` in other organs
(:math:`\rho_s` of the patient's subtype; each founder from that pool lodges in the lung, liver, brain or another
visceral site with the subtype's shares, drawn on a stream of its own: :mod:`dormancy.patients.sites`). A cell
arriving in a niche where the switch's proliferating branch stays awake (sprouting vessels) is awake on arrival:
it founds a focus with the establishment probability below (in other organs, the sprouting fraction of the
marrow applies), seeded up to :math:`W` years before diagnosis (its size
at diagnosis follows from the growth law, capped below detection since these patients are M0). The aspirate is a
measurement: DTC-positive with probability :math:`1 - e^{-f N}`.

**Dormant cells** in niche :math:`k` awaken with hazard :math:`h_w = s_{ER}\, q_w(k, D, I)` and die with
:math:`h_d = \mu\, r_{ER}\, q_d(k, D, I) + q_d^{drug}(k, D, I)`, where :math:`q_w, q_d` are the switch's own
awakening and death hazards of a dormant cell (per day, averaged over the bone's resorption exposure;
:mod:`dormancy.coupling.tables`), :math:`q_d^{drug}` what a treatment's drugs add to the switch's death hazard (0
untreated), and :math:`s_{ER}, \mu` dimensionless bridge parameters (``awakening_scale_er_*``,
``dormant_death_scale``): the fraction of the switch's exits that become a sustained awakening, and of its dormant-
branch death hazard that acts in the patient (:math:`r_{ER} = 1` for ER−, :math:`r_+` for ER+: ER+ dormant cells
may be longer-lived, the late ER+ recurrences of Pan 2017; host state :math:`D` oestrogen deficiency, :math:`I`
inflammation, and endocrine therapy); within a step :math:`n_{event} \sim \mathrm{Bin}(n, 1 - e^{-(h_w +
h_d)\Delta})`, split binomially in proportion to the hazards.

**An awakened cell** founds a growing colony with probability :math:`c \max(0, 1 - (\delta_p + \kappa (1 -
e_{PD\text{-}L1}))/r_p)` (a linear birth–death lineage escaping extinction, :math:`c` the clonogenic fraction;
:math:`r_p, \delta_p, e` from the switch's proliferating branch under the sprouting-niche inputs, the
angiogenic, TGF-β1-rich microenvironment a colony makes, in any organ); otherwise its lineage dies out. Dormant
pools are updated once a year (exact competing risks over the year at the host state of its middle); each
founder starts growing at a uniformly drawn month of that year.

**Micrometastases** grow by Gompertz's law :math:`d \ln X/dt = \alpha g \ln(K/X)`, solved exactly over a step:
:math:`\ln X(t + \Delta) = \ln K - (\ln K - \ln X) e^{-\alpha g \Delta}`, with :math:`K = K_{av}` (about 1 mm)
until the angiogenic switch (hazard :math:`\lambda_{ang}(1 + g_V V)`, :math:`V` obesity's angiogenic drive), the full
capacity after; :math:`g` multiplies endocrine inhibition for ER+ foci on therapy and, in bone, the vicious-cycle
factor of :mod:`dormancy.coupling.tables`. Avascular foci are eliminated by immune control with hazard
:math:`\kappa_f (1 - e)` (tumour-mass dormancy, Kuznetsov 1994 / Wilkie & Hahnfeldt 2013 reduced to a hazard).
Chemotherapy acts at the end of its course on every focus: each cell survives with probability :math:`10^{-L}`, so a
focus of :math:`X` cells is eradicated with probability :math:`e^{-X 10^{-L}}` and otherwise keeps
:math:`\max(1, X 10^{-L})` cells (small foci are cured, large ones only set back; Skipper's log-kill; founders
that start during the course are single cells and almost always cured). Endocrine therapy eradicates ER+ foci
with hazard :math:`h_{endo}` while taken; on it an awakened ER+ cell founds a colony with probability times
:math:`1 - \varepsilon_{endo}` (its proliferation needs ER
signalling), and ER+ foci grow at :math:`1 - \varepsilon_{endo}` of their rate. From a per-patient time
:math:`T_R` (de novo or acquired endocrine resistance, :mod:`dormancy.patients.endocrine_resistance`; infinite
when never) none of these endocrine effects acts on the patient, nor a regimen's growth factor or ER inhibition of
her foci: she is treated as off endocrine therapy. Before it, her relative response :math:`s_i` (1 for everyone
unless the response spreads between patients, :func:`dormancy.patients.endocrine_resistance.endocrine_sensitivity`)
multiplies :math:`\varepsilon_{endo}` and :math:`h_{endo}`, and weighs the switch's readings under ER blockade
against the untreated ones (linear, weight :math:`\min(s_i, 1)`).
Detection is a focus reaching :math:`X_{det}`; the time is interpolated within the step. The first detection is
the (first distant) recurrence, with its site (bone or a visceral site); staging then finds every site holding a
focus of at least :math:`X_{stage}` (a bit mask of sites). The history then goes on (no treatment of metastatic
disease is modelled): the detected focus leaves the simulation, the other bone foci keep growing and the marrow's
dormant pools keep waking (foci and dormant cells in other organs are no longer followed: no output depends on
them), so that the first **bone metastasis** is recorded at any time (at the first recurrence when that is in bone, or a
later bone focus reaching detection after a first recurrence elsewhere), as counted by open cohorts of bone-metastasis
incidence (BMC Cancer 2010). A patient's simulation stops once both are recorded. The DTC bookkeeping outputs
(dormant, dead, escapes) are those at the first recurrence (or at the end of follow-up).

**Growth heterogeneity between patients**: each patient's Gompertz rate is :math:`\alpha_{ER} Z` with
:math:`Z` lognormal of mean 1 and coefficient of variation :math:`v_{ER}` (:math:`\ln Z \sim N(-\sigma^2/2,
\sigma^2)`, :math:`\sigma^2 = \ln(1 + v^2)`), drawn once per patient (volume doubling times of breast cancers
vary several-fold between patients, roughly lognormally). Likewise each patient's awakening scale is
:math:`s_{ER} Z_w`, :math:`Z_w` lognormal of mean 1 and CV :math:`v_w` (host differences in niche and immune
state that the covariates do not carry: a frailty, which makes the cohort's hazard fall and then flatten as the
fast-waking patients recur first). With every CV 0 the history is that of the model without heterogeneity, draw for
draw.

**Treatment** (:mod:`dormancy.patients.therapy`): a strategy starts at the first step at or after its start time
and follows its regimen, one state per step (that state's niche-rate and vicious-cycle tables, a log10 kill of
cycling cells applied to every growing focus, a growth factor of every focus, an extra inhibition of ER+ foci
and founders, and an extra death hazard :math:`h_d^{reg}` (per year) of every dormant DTC in every pool, added to
:math:`h_d`: a drug that kills cells that do not cycle, e.g. trastuzumab's antibody-dependent cytotoxicity; and a
factor on the growth of every focus of an endocrine-resistant ER+ patient, on whom the growth factor and ER
inhibition do not act: a drug that needs no endocrine sensitivity, e.g. a CDK4/6 inhibitor).
From the treatment's start to the first pool boundary after the regimen, dormant pools are updated every step.
Before the start the history is that of the untreated patient draw for draw; at the start, the events the latest
yearly pool update placed after it are undone (founders not yet growing return to their pool; dead cells and
failed lineages return with the probability that their event fell after the start), with draws from a stream of
their own. Yearly and monthly pool updates give the same history in distribution (measured and tested:
``tests/test_patients_pool_updates.py``). A yearly update applies its span's deaths at the span's start, so a visit
inside the span adds back the cells whose death or failed awakening falls after the visit (again from a stream of
their own): visits then read the marrow alike under both. ``escapes``, ``dead`` and ``dormant_end`` read at a
first recurrence inside a yearly span still include the rest of the span's events.

Randomness: each (patient, step, block) triple has its own Philox4x32-10 block keyed by the seed (Salmon et al. 2011;
:func:`~dormancy.patients.kernel_random.philox_block` equals :func:`dormancy.rng.philox4x32`), which seeds a
SplitMix64 sequence for that step's draws (:mod:`dormancy.patients.kernel_random`). A patient's history therefore
depends only on (seed, patient id), not on chunking, threads or workers. The parameter vector's order, the host
state and the table lookups are in :mod:`dormancy.patients.kernel_tables`.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from dormancy.patients.kernel_random import binomial, gamma, next_uniform, normal, poisson, step_state
from dormancy.patients.kernel_tables import (
    DAYS_PER_YEAR,
    FOCUS_SLOTS,
    KERNEL_SYMBOLS,
    MARROW_NICHES,
    N_NICHES,
    N_VISCERAL,
    OTHER_SITE,
    P_ALPHA_NEG,
    P_ALPHA_POS,
    P_ANG,
    P_ANG_V,
    P_ASP,
    P_CLONO,
    P_CV_NEG,
    P_CV_POS,
    P_CV_WAKE,
    P_DEATH,
    P_DEATH_POS,
    P_DISP,
    P_ENDO_GROWTH,
    P_ENDO_KILL,
    P_F0,
    P_F1,
    P_F2,
    P_INDEP,
    P_INDEP_RATE,
    P_K,
    P_KAPPA_F,
    P_KAV,
    P_LOGKILL,
    P_TCHEMO,
    P_W,
    P_WAKE_NEG,
    P_WAKE_POS,
    P_XBONE,
    P_XDET,
    P_XSTAGE,
    R_AWAKE,
    SITE_BONE,
    SITE_FIRST_VISCERAL,
    SPROUTING,
    bilinear,
    dormant_hazards,
    establishment,
    grid_position,
    host_state,
    vicious_factor_at,
)

__all__ = [
    "DAYS_PER_YEAR",
    "FOCUS_SLOTS",
    "HETEROGENEITY_BLOCK",
    "INDEPENDENT_BLOCK",
    "KERNEL_SYMBOLS",
    "MARROW_NICHES",
    "N_NICHES",
    "OTHER_SITE",
    "STATUS_CODES",
    "STATUS_NONFINITE",
    "STATUS_OK",
    "simulate_patients",
]

#: Block of a patient's step-0 Philox counter reserved for its heterogeneity factors (blocks 0 and 1 drive the rest).
HETEROGENEITY_BLOCK = 2
#: First of the blocks (one per marrow niche) of the events a yearly pool update placed after a visit; block 3 is
#: the treatment start's.
PENDING_BLOCK = 4
#: Block of the visceral site each founder from the other-organ pool lodges in (diagnosis: step 0; a pool update
#: at step ``s``: step ``s + 1``), a stream of its own so that the sites change no other draw.
SITE_BLOCK = 8
#: Block of the endocrine independence of each founder of an ER+ patient (diagnosis: step 0; a pool update at step
#: ``s``: step ``s + 1``), a stream of its own: with the fraction 0 no draw is made and the history is unchanged.
INDEPENDENT_BLOCK = 9
STATUS_OK = 0
STATUS_NONFINITE = 1
STATUS_CODES = ("ok", "nonfinite")


@numba.njit(cache=True)
def _insert(slots_x, slots_state, slots_niche, x, vascular, niche):
    """Put a focus in an empty slot, else in place of the smallest if larger; return (slot or -1, dropped 0/1)."""
    smallest, where = 1e300, -1
    for s in range(slots_x.shape[0]):
        if slots_state[s] == 0:
            slots_x[s], slots_state[s], slots_niche[s] = x, 2 if vascular else 1, niche
            return s, 0
        if slots_x[s] < smallest:
            smallest, where = slots_x[s], s
    if x > smallest:
        slots_x[where], slots_state[where], slots_niche[where] = x, 2 if vascular else 1, niche
        return where, 1
    return -1, 1


@numba.njit(cache=True)
def _visceral_site(state, cdf):
    """Draw the visceral site of a founder from the other-organ pool: a site code from the cumulative shares."""
    state, u = next_uniform(state)
    for v in range(N_VISCERAL - 1):
        if u < cdf[v]:
            return state, SITE_FIRST_VISCERAL + v
    return state, SITE_FIRST_VISCERAL + N_VISCERAL - 1


@numba.njit(cache=True)
def _marrow_dtcs(dormant, slots_state, slots_wait, slots_niche):
    """DTCs in the marrow: dormant in the four marrow niches plus awakened founders not yet growing there."""
    count = 0
    for k in range(MARROW_NICHES):
        count += dormant[k]
    for s in range(FOCUS_SLOTS):
        if slots_state[s] > 0 and slots_wait[s] > 0 and slots_niche[s] < MARROW_NICHES:
            count += 1
    return count


@numba.njit(cache=True)
def _pending_marrow_events(pid, k0, k1, last_deaths, last_failed, last_hazard, last_update, last_span, at, dt_years):
    r"""Return the cells of the latest pool update that died or failed at or after step ``at`` (dormant until then).

    A pool update applies a whole span's deaths and failed lineages at its first step; at a visit inside the span
    those whose event falls later are still dormant in the marrow. Their events are spread over the span's steps
    by the truncated exponential of the total hazard :math:`h`: step :math:`m` takes each remaining cell with
    probability :math:`(1 - e^{-h\Delta})/(1 - e^{-h(S - m)\Delta})` (sequential binomials). Each marrow niche
    draws from its own Philox block (:data:`PENDING_BLOCK` + niche) at the update's step, so every visit inside the
    span reads the same chain (counts never rise between two visits of one span) and no draw of the history changes.
    """
    tau = at - last_update
    if tau <= 0 or tau >= last_span:
        return 0
    pending = 0
    for k in range(MARROW_NICHES):
        remaining = last_deaths[k] + last_failed[k]
        h = last_hazard[k]
        if remaining == 0 or h <= 0.0:
            continue
        state = step_state(pid, last_update + 1, PENDING_BLOCK + k, k0, k1)
        for m in range(tau):
            in_step = -math.expm1(-h * dt_years) / -math.expm1(-h * (last_span - m) * dt_years)
            state, events = binomial(state, remaining, in_step)
            remaining -= events
        pending += remaining
    return pending


@numba.njit(cache=True)
def _return_unstarted(
    pid,
    start,
    k0,
    k1,
    dormant,
    slots_state,
    slots_birth,
    slots_niche,
    last_deaths,
    last_failed,
    last_hazard,
    last_update,
    last_span,
    dt_years,
    dead,
    escapes,
):
    r"""At the treatment's start, undo the events the latest pool update placed at or after it (module docstring).

    Founders due to start growing at or after the start go back to their niche's dormant pool; of the cells that
    died or whose lineage failed over the update's span, each is returned with the probability that its event
    fell after the start given that it fell within the span: :math:`(e^{-h\tau} - e^{-hS})/(1 - e^{-hS})`.
    Draws come from the patient's own Philox block 3 at the start step, so the untreated streams are untouched.
    """
    if last_update + last_span <= start:
        return dead, escapes
    state = step_state(pid, start + 1, 3, k0, k1)
    tau = (start - last_update) * dt_years
    span = last_span * dt_years
    for k in range(N_NICHES):
        h = last_hazard[k]
        if h <= 0.0:
            continue
        after = math.exp(-h * tau) * -math.expm1(-h * (span - tau)) / -math.expm1(-h * span)
        state, back_dead = binomial(state, last_deaths[k], after)
        state, back_failed = binomial(state, last_failed[k], after)
        dormant[k] += back_dead + back_failed
        dead -= back_dead + back_failed
    for s in range(FOCUS_SLOTS):
        if slots_state[s] > 0 and slots_birth[s] >= start:
            dormant[slots_niche[s]] += 1
            escapes -= 1
            slots_state[s] = 0
    return dead, escapes


@numba.njit(cache=True, parallel=True, nogil=True)  # nogil: other Python threads run meanwhile
def simulate_patients(
    ids,
    k0,
    k1,
    age,
    menopause_age,
    bmi,
    extra_inflammation,
    er_positive,
    seeding_mean,
    other_ratio,
    visceral_cdf,
    chemotherapy,
    endocrine_years,
    resistant_years,
    endocrine_sensitivity,
    params,
    rates,
    vicious,
    burden_log10,
    n_steps,
    step_days,
    treat_start_step,
    regimen_state,
    regimen_log10_kill,
    regimen_growth,
    regimen_er_inhibition,
    regimen_dormant_death,
    regimen_resistant_growth,
    visit_steps,
):
    r"""Simulate every patient of a chunk (module docstring); returns a tuple of per-patient arrays.

    ``rates`` and ``vicious`` carry the regimen states on a first axis (state 0: untreated). Treatment (module
    docstring, *Treatment*) starts at step ``treat_start_step[p]`` (-1: none) and follows ``regimen_*`` (one
    entry per step of the regimen; ``regimen_dormant_death`` is an extra death hazard, per year, of every dormant
    DTC in every pool while the step is on). From ``resistant_years[p]`` (years; ``inf``: never) an ER+ patient's
    disease is endocrine-resistant: no endocrine effect and no regimen growth factor or ER inhibition acts on it
    (:mod:`dormancy.patients.endocrine_resistance`); before it, ``endocrine_sensitivity[p]`` (dimensionless, 1: the
    calibrated response) multiplies the growth and founding inhibition :math:`\varepsilon_{endo}` and the eradication
    hazard :math:`h_{endo}`, and where it is not 1 the switch's readings under ER blockade (dormant hazards, founders'
    establishment, foci's immune evasion) are interpolated linearly between the untreated ones (weight 0) and the
    blockade's (weight :math:`\min(s, 1)`) (:func:`dormancy.patients.endocrine_resistance.endocrine_sensitivity`);
    ``regimen_resistant_growth`` is the factor on the growth of
    every focus of such a patient while the step is on (a drug that needs no endocrine sensitivity, e.g. a CDK4/6
    inhibitor; 1 at every step: none). ``visit_steps[p, v]`` is the step at whose start visit ``v``
    records the marrow DTCs (-1: no visit).
    """
    n = ids.shape[0]
    n_regimen = regimen_state.shape[0]
    n_visits = visit_steps.shape[1]
    out_visit_dtcs = np.full((n, n_visits), -1, np.int64)
    out_dtc = np.zeros(n, np.int64)
    out_other = np.zeros(n, np.int64)
    out_positive = np.zeros(n, np.bool_)
    out_dormant5 = np.full(n, -1, np.int64)  # -1: not observed (recurred earlier or shorter follow-up)
    out_dormant10 = np.full(n, -1, np.int64)
    out_micro10 = np.full(n, -1, np.int64)
    out_escapes = np.zeros(n, np.int64)
    out_dead = np.zeros(n, np.int64)
    out_dormant_end = np.zeros(n, np.int64)
    out_recurrence = np.full(n, np.nan)
    out_site = np.zeros(n, np.int8)  # a site code (kernel_tables.SITE_*): 0 none, 1 bone, 2.. visceral
    out_staged = np.zeros(n, np.int8)  # bit (code - 1) set for every site staging finds at the first recurrence
    out_bone = np.full(n, np.nan)  # first bone metastasis at any time
    out_status = np.zeros(n, np.int8)
    dt_years = step_days / DAYS_PER_YEAR
    ln_kav = math.log(params[P_KAV])
    ln_k = math.log(params[P_K])
    ln_det = math.log(params[P_XDET])
    ln_xbone = math.log(params[P_XBONE])
    ln_stage = math.log(params[P_XSTAGE])
    pool_steps = max(1, round(1.0 / dt_years))
    chemo_last_step = max(0, math.ceil(params[P_TCHEMO] / dt_years - 1e-9) - 1)  # the step in which the course ends
    step5 = round(5.0 / dt_years)
    step10 = round(10.0 / dt_years)
    nd = rates.shape[4]
    untreated = rates[0]
    for p in numba.prange(n):
        pid = ids[p]
        er = 1 if er_positive[p] else 0
        dormant = np.zeros(N_NICHES, np.int64)
        slots_x = np.zeros(FOCUS_SLOTS)
        slots_state = np.zeros(FOCUS_SLOTS, np.int8)
        slots_niche = np.zeros(FOCUS_SLOTS, np.int8)
        slots_site = np.zeros(FOCUS_SLOTS, np.int8)
        slots_indep = np.zeros(FOCUS_SLOTS, np.int8)  # 1: an endocrine-independent focus of an ER+ patient
        slots_wait = np.zeros(FOCUS_SLOTS, np.int64)
        slots_birth = np.full(FOCUS_SLOTS, -1, np.int64)  # step a founder starts growing (-1: before diagnosis)
        last_deaths = np.zeros(N_NICHES, np.int64)  # of the latest pool update: cells dead, lineages failed,
        last_failed = np.zeros(N_NICHES, np.int64)  # and the total event hazard (per year), for the treatment start
        last_hazard = np.zeros(N_NICHES)
        last_update, last_span = 0, 0
        start = treat_start_step[p]
        # pools are updated every step from the treatment's start to the first pool boundary after the regimen
        monthly_end = -1 if start < 0 else ((start + n_regimen + pool_steps - 1) // pool_steps) * pool_steps
        dropped = 0
        dead = 0
        escapes = 0
        alpha0 = params[P_ALPHA_POS] if er else params[P_ALPHA_NEG]
        wake_scale = params[P_WAKE_POS] if er else params[P_WAKE_NEG]
        # per-patient lognormal factors of mean 1 (exactly 1 when the CV is 0), from their own stream
        factor_state = step_state(pid, 0, HETEROGENEITY_BLOCK, k0, k1)
        factor_state, z = normal(factor_state)
        cv = params[P_CV_POS] if er else params[P_CV_NEG]
        sigma2 = math.log1p(cv * cv)
        alpha0 *= math.exp(math.sqrt(sigma2) * z - 0.5 * sigma2)
        factor_state, z = normal(factor_state)
        sigma2 = math.log1p(params[P_CV_WAKE] * params[P_CV_WAKE])
        wake_scale *= math.exp(math.sqrt(sigma2) * z - 0.5 * sigma2)
        recurred = False
        response = endocrine_sensitivity[p]
        # per-focus endocrine independence (ER-negative / ER-independent subclones of an ER+ patient's DTCs)
        q_indep = params[P_INDEP] if er else 0.0
        # endocrine independence acquired by her dormant cells at a constant hazard from diagnosis
        lam_indep = params[P_INDEP_RATE] if er else 0.0
        death_scale = params[P_DEATH] * (params[P_DEATH_POS] if er else 1.0)
        # ---------------------------------------------------------------- diagnosis: seeding and aspirate
        state = step_state(pid, 0, 0, k0, k1)
        deficiency, inflamed, angiogenic = host_state(age[p], menopause_age[p], bmi[p], extra_inflammation[p], params)
        i, fi = grid_position(deficiency, nd)
        j, fj = grid_position(inflamed, nd)
        shape = params[P_DISP]
        state, g = gamma(state, shape)
        state, marrow = poisson(state, g * seeding_mean[p] / shape)
        state, u = next_uniform(state)
        out_positive[p] = u < -math.expm1(-params[P_ASP] * marrow)  # unused: patients.aspirate reads N
        state, other = poisson(state, other_ratio[p] * marrow)
        out_dtc[p], out_other[p] = marrow, other
        remaining, left = marrow, 1.0
        fractions = (params[P_F0], params[P_F1], params[P_F2])
        for k in range(MARROW_NICHES):
            if k < 3:
                state, count = binomial(state, remaining, min(1.0, fractions[k] / left) if left > 0 else 1.0)
                left -= fractions[k]
            else:
                count = remaining
            remaining -= count
            dormant[k] = count
        dormant[OTHER_SITE] = other
        site_state = step_state(pid, 0, SITE_BLOCK, k0, k1)
        indep_state = step_state(pid, 0, INDEPENDENT_BLOCK, k0, k1)
        for k in range(N_NICHES):
            if k == OTHER_SITE:
                awake = params[P_F2] * bilinear(untreated[er, 0, SPROUTING, :, :, R_AWAKE], i, fi, j, fj)
            else:
                awake = bilinear(untreated[er, 0, k, :, :, R_AWAKE], i, fi, j, fj)
            state, n_awake = binomial(state, dormant[k], awake)
            dormant[k] -= n_awake
            p_est, _ = establishment(untreated, er, 0, i, fi, j, fj, params)
            state, founders = binomial(state, n_awake, params[P_CLONO] * p_est)
            dead += n_awake - founders
            escapes += founders
            for _f in range(founders):
                state, u = next_uniform(state)
                age_years = u * params[P_W]
                a_days = alpha0 * age_years * DAYS_PER_YEAR
                state, u = next_uniform(state)
                switch_years = -math.log1p(-u) / params[P_ANG]
                if switch_years < age_years:
                    x = ln_kav * -math.expm1(-alpha0 * switch_years * DAYS_PER_YEAR)
                    x = ln_k - (ln_k - x) * math.exp(-alpha0 * (age_years - switch_years) * DAYS_PER_YEAR)
                    vascular = True
                else:
                    x = ln_kav * -math.expm1(-a_days)
                    vascular = False
                x = min(x, ln_det - math.log(2.0))
                site = SITE_BONE
                if k == OTHER_SITE:
                    site_state, site = _visceral_site(site_state, visceral_cdf[p])
                independent = 0
                if q_indep > 0.0:
                    indep_state, u = next_uniform(indep_state)
                    independent = 1 if u < q_indep else 0
                slot, lost = _insert(slots_x, slots_state, slots_niche, x, vascular, k)
                dropped += lost
                if slot >= 0:
                    slots_wait[slot] = 0
                    slots_site[slot] = site
                    slots_indep[slot] = independent
        # ---------------------------------------------------------------- follow-up
        stopped = n_steps  # the step at whose start the simulation stopped (both events recorded)
        for step in range(n_steps):
            for v in range(n_visits):
                if visit_steps[p, v] == step:
                    out_visit_dtcs[p, v] = _marrow_dtcs(
                        dormant, slots_state, slots_wait, slots_niche
                    ) + _pending_marrow_events(
                        pid, k0, k1, last_deaths, last_failed, last_hazard, last_update, last_span, step, dt_years
                    )
            if step == start:
                dead, escapes = _return_unstarted(
                    pid,
                    step,
                    k0,
                    k1,
                    dormant,
                    slots_state,
                    slots_birth,
                    slots_niche,
                    last_deaths,
                    last_failed,
                    last_hazard,
                    last_update,
                    last_span,
                    dt_years,
                    dead,
                    escapes,
                )
            treated = start >= 0 and start <= step < start + n_regimen
            g = step - start if treated else 0
            if step == step5 and not recurred:
                out_dormant5[p] = dormant.sum()
            if step == step10 and not recurred:
                out_dormant10[p] = dormant.sum()
                micro = dropped
                for s in range(FOCUS_SLOTS):
                    micro += slots_state[s] > 0
                out_micro10[p] = micro
            t0 = step * dt_years
            monthly = start >= 0 and start <= step < monthly_end
            if monthly or step % pool_steps == 0:
                # dormant pools: one competing-risks update per pool period, at the host state of its middle
                state = step_state(pid, step + 1, 1, k0, k1)
                span = 1 if monthly else min(pool_steps, n_steps - step)
                last_update, last_span = step, span
                last_deaths[:] = 0
                last_failed[:] = 0
                last_hazard[:] = 0.0
                tables = rates[regimen_state[g]] if treated else untreated
                mid = t0 + 0.5 * span * dt_years
                deficiency, inflamed, angiogenic = host_state(
                    age[p] + mid, menopause_age[p], bmi[p], extra_inflammation[p], params
                )
                i, fi = grid_position(deficiency, nd)
                j, fj = grid_position(inflamed, nd)
                sensitive = mid < resistant_years[p]
                endo = 1 if (er == 1 and mid < endocrine_years[p] and sensitive) else 0
                p_est, _ = establishment(tables, er, endo, i, fi, j, fj, params)
                if endo and response != 1.0:
                    # a partial response: the switch's establishment between the untreated reading and the blockade's
                    p_off, _ = establishment(tables, er, 0, i, fi, j, fj, params)
                    p_est = p_off + min(response, 1.0) * (p_est - p_off)
                if endo:
                    p_est *= 1.0 - params[P_ENDO_GROWTH] * response
                if treated and er and sensitive:
                    p_est *= 1.0 - regimen_er_inhibition[g]
                # an endocrine-independent founder: the untreated switch, no endocrine or regimen ER inhibition
                p_ind, _ = establishment(tables, er, 0, i, fi, j, fj, params)
                # the independent share of the pool at the period's middle: 1 - (1 - q) exp(-lambda t) (q at 0)
                q_now = q_indep
                if lam_indep > 0.0:
                    q_now = 1.0 - (1.0 - q_indep) * math.exp(-lam_indep * mid)
                site_state = step_state(pid, step + 1, SITE_BLOCK, k0, k1)
                indep_state = step_state(pid, step + 1, INDEPENDENT_BLOCK, k0, k1)
                for k in range(N_NICHES):
                    if dormant[k] == 0 or (recurred and k == OTHER_SITE):
                        continue
                    h_wake, h_die = dormant_hazards(tables[er, endo, k], i, fi, j, fj, wake_scale, death_scale)
                    if endo and response != 1.0:
                        w_off, d_off = dormant_hazards(tables[er, 0, k], i, fi, j, fj, wake_scale, death_scale)
                        h_wake = w_off + min(response, 1.0) * (h_wake - w_off)
                        h_die = d_off + min(response, 1.0) * (h_die - d_off)
                    if treated and regimen_dormant_death[g] > 0.0:
                        h_die += regimen_dormant_death[g]  # the regimen's own kill of non-cycling cells, per year
                    total = h_wake + h_die
                    state, events = binomial(state, dormant[k], -math.expm1(-total * span * dt_years))
                    if events == 0:
                        continue
                    state, woken = binomial(state, events, h_wake / total)
                    dormant[k] -= events
                    dead += events - woken
                    last_deaths[k], last_hazard[k] = events - woken, total
                    if woken == 0:
                        continue
                    n_indep = 0
                    founders_indep = 0
                    if q_now > 0.0:
                        # which awakened cells are endocrine-independent, and how many of them found a colony
                        indep_state, n_indep = binomial(indep_state, woken, q_now)
                        indep_state, founders_indep = binomial(indep_state, n_indep, params[P_CLONO] * p_ind)
                    state, founders = binomial(state, woken - n_indep, params[P_CLONO] * p_est)
                    founders += founders_indep
                    dead += woken - founders
                    last_failed[k] = woken - founders
                    for _f in range(founders):
                        state, u = next_uniform(state)
                        wait = int(u * span)
                        escapes += 1
                        site = SITE_BONE
                        if k == OTHER_SITE:
                            site_state, site = _visceral_site(site_state, visceral_cdf[p])
                        slot, lost = _insert(slots_x, slots_state, slots_niche, 0.0, False, k)
                        dropped += lost
                        if slot >= 0:
                            slots_wait[slot] = wait
                            slots_birth[slot] = step + wait
                            slots_site[slot] = site
                            slots_indep[slot] = 1 if _f < founders_indep else 0
            occupied = False
            for s in range(FOCUS_SLOTS):
                occupied = occupied or slots_state[s] > 0
            if not occupied:
                continue
            state = step_state(pid, step + 1, 0, k0, k1)
            tables = rates[regimen_state[g]] if treated else untreated
            step_vicious = vicious[regimen_state[g]] if treated else vicious[0]
            mid = t0 + 0.5 * dt_years
            deficiency, inflamed, angiogenic = host_state(
                age[p] + mid, menopause_age[p], bmi[p], extra_inflammation[p], params
            )
            i, fi = grid_position(deficiency, nd)
            j, fj = grid_position(inflamed, nd)
            sensitive = mid < resistant_years[p]
            endo = 1 if (er == 1 and mid < endocrine_years[p] and sensitive) else 0
            chemo_ends = chemotherapy[p] and step == chemo_last_step
            _, evasion = establishment(tables, er, endo, i, fi, j, fj, params)
            _, e_untreated = establishment(tables, er, 0, i, fi, j, fj, params)
            if endo and response != 1.0:
                evasion = e_untreated + min(response, 1.0) * (evasion - e_untreated)
            kill = regimen_log10_kill[g] if treated else 0.0
            detected = np.inf
            detected_site = 0
            detected_bone = np.inf
            for s in range(FOCUS_SLOTS):
                if slots_state[s] == 0:
                    continue
                if slots_wait[s] > 0:
                    slots_wait[s] -= 1
                    continue
                x = slots_x[s]
                niche = slots_niche[s]
                # an endocrine-independent focus is treated as the focus of a resistant patient
                f_endo = endo and slots_indep[s] == 0
                f_sensitive = sensitive and slots_indep[s] == 0
                alpha = alpha0
                if f_endo:
                    alpha *= 1.0 - params[P_ENDO_GROWTH] * response
                if treated and (f_sensitive or not er):
                    alpha *= regimen_growth[g] * (1.0 - regimen_er_inhibition[g] if er else 1.0)
                elif treated:
                    alpha *= regimen_resistant_growth[g]  # endocrine-resistant ER+ disease: drugs that need no ER
                if niche < MARROW_NICHES:
                    log10_burden = (x - ln_xbone) / math.log(10.0)
                    alpha *= vicious_factor_at(step_vicious, burden_log10, i, fi, j, fj, log10_burden)
                cap = ln_k if slots_state[s] == 2 else ln_kav
                x_new = cap - (cap - x) * math.exp(-alpha * step_days)
                if chemo_ends:
                    # the course's per-cell survival 10^-L: the focus is eradicated with probability e^{-X 10^-L}
                    survivors = math.exp(x_new) * 10.0 ** -params[P_LOGKILL]
                    state, u = next_uniform(state)
                    x_new = -1.0 if u < math.exp(-survivors) else math.log(max(survivors, 1.0))
                if f_endo:
                    state, u = next_uniform(state)
                    if u < -math.expm1(-(params[P_ENDO_KILL] * response) * dt_years):
                        x_new = -1.0
                if kill > 0.0 and x_new >= 0.0:
                    # the strategy's chemotherapy this step: each cycling cell survives with probability 10^-kill,
                    # so a focus of X cells is eradicated with probability (1 - 10^-kill)^X
                    survival = 10.0**-kill
                    state, u = next_uniform(state)
                    cells = math.exp(x_new)
                    cleared = u < math.exp(cells * math.log1p(-survival)) if survival < 1.0 else False
                    x_new = -1.0 if cleared else math.log(max(cells * survival, 1.0))
                if not math.isfinite(x_new):
                    out_status[p] = STATUS_NONFINITE
                    break
                if x_new >= ln_det:
                    when = t0 + dt_years * (ln_det - x) / (x_new - x) if x_new > x else t0 + dt_years
                    if when < detected:
                        detected = when
                        detected_site = slots_site[s]
                    if niche < MARROW_NICHES:
                        detected_bone = min(detected_bone, when)
                if x_new < 0.0:
                    slots_state[s] = 0
                    continue
                slots_x[s] = x_new
                if slots_state[s] == 1:
                    state, u = next_uniform(state)
                    f_evasion = evasion if slots_indep[s] == 0 else e_untreated
                    if u < -math.expm1(-params[P_KAPPA_F] * (1.0 - f_evasion) * dt_years):
                        slots_state[s] = 0
                        continue
                    state, u = next_uniform(state)
                    if u < -math.expm1(-params[P_ANG] * (1.0 + params[P_ANG_V] * angiogenic) * dt_years):
                        slots_state[s] = 2
            if out_status[p] != STATUS_OK:
                stopped = step + 1
                break
            if detected_bone < np.inf:
                out_bone[p] = detected_bone
            if detected < np.inf and not recurred:
                recurred = True
                out_recurrence[p] = detected
                out_site[p] = detected_site
                # staging at the first recurrence finds every focus above its threshold, in any site
                staged = 1 << (detected_site - 1)
                for s in range(FOCUS_SLOTS):
                    if slots_state[s] > 0 and slots_wait[s] == 0 and slots_x[s] >= ln_stage:
                        staged |= 1 << (slots_site[s] - 1)
                out_staged[p] = staged
                out_escapes[p] = escapes
                out_dead[p] = dead
                out_dormant_end[p] = dormant.sum()
                # from here on only a bone metastasis is recorded: the detected focus and every focus outside the
                # marrow leave the simulation (and the other organs' dormant pool is no longer followed)
                for s in range(FOCUS_SLOTS):
                    if slots_state[s] > 0 and (slots_x[s] >= ln_det or slots_niche[s] >= MARROW_NICHES):
                        slots_state[s] = 0
            if detected_bone < np.inf:
                stopped = step + 1
                break
        if not recurred:
            out_escapes[p] = escapes
            out_dead[p] = dead
            out_dormant_end[p] = dormant.sum()
        for v in range(n_visits):
            # visits after the simulation stopped (both events recorded) see the marrow as it was then
            if out_visit_dtcs[p, v] < 0 and 0 <= visit_steps[p, v] < n_steps:
                out_visit_dtcs[p, v] = _marrow_dtcs(
                    dormant, slots_state, slots_wait, slots_niche
                ) + _pending_marrow_events(
                    pid, k0, k1, last_deaths, last_failed, last_hazard, last_update, last_span, stopped, dt_years
                )
    return (
        out_dtc,
        out_other,
        out_positive,
        out_dormant5,
        out_dormant10,
        out_micro10,
        out_escapes,
        out_dead,
        out_dormant_end,
        out_recurrence,
        out_site,
        out_staged,
        out_bone,
        out_status,
        out_visit_dtcs,
    )
