r"""The stochastic natural history of one patient's disseminated tumour cells, compiled and vectorised over patients.

State of a patient (struct of arrays over patients): dormant DTCs per niche (four marrow niches and the lumped
other-organ compartment), dead DTCs, escapes, and up to :data:`FOCUS_SLOTS` micrometastases, each with its log
size, whether it has switched to angiogenesis and the niche it came from. Time advances in steps of
:math:`\Delta` (a month by default; tau-leaping with binomial draws, exact competing risks within a step).

**At diagnosis** (:mod:`dormancy.patients.seeding`): :math:`N \sim \mathrm{NegBin}(m, k)` marrow DTCs (gamma–Poisson),
split over the marrow niches by their fractions, plus :math:`\mathrm{Poisson}(\rho N)` in other organs. A cell
arriving in a niche where the switch's proliferating branch stays awake (sprouting vessels) is awake on arrival:
it founds a focus with the establishment probability below (in other organs, the sprouting fraction of the
marrow applies), seeded up to :math:`W` years before diagnosis (its size
at diagnosis follows from the growth law, capped below detection since these patients are M0). The aspirate is a
measurement: DTC-positive with probability :math:`1 - e^{-f N}`.

**Dormant cells** in niche :math:`k` awaken with hazard :math:`h_w = s_{ER}\, q_{out}(k, D, I)/q_{out,ref}` and die
with :math:`h_d = \mu_D\, r_{ER}\, \delta(k, D, I)/\delta_{ref}` (:math:`r_{ER} = 1` for ER−, :math:`r_+` for ER+:
ER+ dormant cells may be longer-lived, the late ER+ recurrences of Pan 2017; switch fate rates on the dormant branch;
host state :math:`D` oestrogen deficiency, :math:`I` inflammation, and endocrine therapy); within a step
:math:`n_{event} \sim \mathrm{Bin}(n, 1 - e^{-(h_w + h_d)\Delta})`, split binomially in proportion to the hazards.

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
factor of :mod:`dormancy.patients.niche_rates`. Avascular foci are eliminated by immune control with hazard
:math:`\kappa_f (1 - e)` (tumour-mass dormancy, Kuznetsov 1994 / Wilkie & Hahnfeldt 2013 reduced to a hazard).
Chemotherapy acts at the end of its course on every focus: each cell survives with probability :math:`10^{-L}`, so a
focus of :math:`X` cells is eradicated with probability :math:`e^{-X 10^{-L}}` and otherwise keeps
:math:`\max(1, X 10^{-L})` cells (small foci are cured, large ones only set back; Skipper's log-kill; founders
that start during the course are single cells and almost always cured). Endocrine therapy eradicates ER+ foci
with hazard :math:`h_{endo}` while taken; on it an awakened ER+ cell founds a colony with probability times
:math:`1 - \varepsilon_{endo}` (its proliferation needs ER
signalling), and ER+ foci grow at :math:`1 - \varepsilon_{endo}` of their rate.
Detection is a focus reaching :math:`X_{det}`; the time is interpolated within the step. The first detection is
the (first distant) recurrence, with its site. The history then goes on (no treatment of metastatic disease is
modelled): the detected focus leaves the simulation, the other bone foci keep growing and the marrow's dormant pools
keep waking (foci and dormant cells in other organs are no longer followed: no output depends on them), so that the
first **bone metastasis** is recorded at any time (at the first recurrence when that is in bone, or a
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
cycling cells applied to every growing focus, a growth factor of every focus and an extra inhibition of ER+ foci
and founders). From the treatment's start to the first pool boundary after the regimen, dormant pools are updated
every step. Before the start the history is that of the untreated patient draw for draw; at the start, the events
the latest yearly pool update placed after it are undone (founders not yet growing return to their pool; dead
cells and failed lineages return with the probability that their event fell after the start), with draws from a
stream of their own.

Randomness: each (patient, step, block) triple has its own Philox4x32-10 block keyed by the seed (Salmon et al. 2011;
:func:`philox_block` equals :func:`dormancy.rng.philox4x32`), which seeds a SplitMix64 sequence for that step's
draws. A patient's history therefore depends only on (seed, patient id), not on chunking, threads or workers.
"""

from __future__ import annotations

import math

import numba
import numpy as np

FOCUS_SLOTS = 8
N_NICHES = 5
MARROW_NICHES = 4
SPROUTING = 2
OTHER_SITE = 4
#: Block of a patient's step-0 Philox counter reserved for its heterogeneity factors (blocks 0 and 1 drive the rest).
HETEROGENEITY_BLOCK = 2
STATUS_OK = 0
STATUS_NONFINITE = 1
STATUS_CODES = ("ok", "nonfinite")
#: Order of the kernel's parameter vector.
KERNEL_SYMBOLS: tuple[str, ...] = (
    "menopause_age_mean",  # unused in the kernel (covariates), kept for one vector
    "postmenopausal_oestrogen",
    "menopausal_transition_years",
    "inflammaging_per_decade",
    "inflammation_per_5_bmi",
    "angiogenic_per_5_bmi",
    "seeding_dispersion",
    "aspirate_sampled_fraction",
    "niche_fraction_endosteal",
    "niche_fraction_perivascular_stable",
    "niche_fraction_perivascular_sprouting",
    "other_site_seeding_ratio",
    "dissemination_window_years",
    "awakening_scale_er_negative",
    "awakening_scale_er_positive",
    "dormant_death_per_year",
    "dormant_death_ratio_er_positive",
    "clonogenic_fraction",
    "immune_kill_rate",
    "focus_immune_elimination_per_year",
    "growth_rate_er_negative",
    "growth_rate_er_positive",
    "growth_rate_cv_er_negative",
    "growth_rate_cv_er_positive",
    "awakening_cv",
    "avascular_limit_cells",
    "carrying_capacity_cells",
    "detection_cells",
    "angiogenic_switch_per_year",
    "obesity_angiogenic_gain",
    "bone_site_capacity_cells",
    "chemotherapy_log_kill",
    "chemotherapy_years",
    "endocrine_growth_inhibition",
    "endocrine_eradication_per_year",
)
_P = {name: i for i, name in enumerate(KERNEL_SYMBOLS)}
P_E_POST = _P["postmenopausal_oestrogen"]
P_TAU_E = _P["menopausal_transition_years"]
P_S_AGE = _P["inflammaging_per_decade"]
P_S_BMI = _P["inflammation_per_5_bmi"]
P_S_V = _P["angiogenic_per_5_bmi"]
P_DISP = _P["seeding_dispersion"]
P_ASP = _P["aspirate_sampled_fraction"]
P_F0, P_F1, P_F2 = (_P[f"niche_fraction_{n}"] for n in ("endosteal", "perivascular_stable", "perivascular_sprouting"))
P_RHO = _P["other_site_seeding_ratio"]
P_W = _P["dissemination_window_years"]
P_WAKE_NEG, P_WAKE_POS = _P["awakening_scale_er_negative"], _P["awakening_scale_er_positive"]
P_DEATH = _P["dormant_death_per_year"]
P_DEATH_POS = _P["dormant_death_ratio_er_positive"]
P_CLONO = _P["clonogenic_fraction"]
P_KAPPA = _P["immune_kill_rate"]
P_KAPPA_F = _P["focus_immune_elimination_per_year"]
P_ALPHA_NEG, P_ALPHA_POS = _P["growth_rate_er_negative"], _P["growth_rate_er_positive"]
P_CV_NEG, P_CV_POS = _P["growth_rate_cv_er_negative"], _P["growth_rate_cv_er_positive"]
P_CV_WAKE = _P["awakening_cv"]
P_KAV, P_K, P_XDET = _P["avascular_limit_cells"], _P["carrying_capacity_cells"], _P["detection_cells"]
P_ANG, P_ANG_V = _P["angiogenic_switch_per_year"], _P["obesity_angiogenic_gain"]
P_XBONE = _P["bone_site_capacity_cells"]
P_LOGKILL, P_TCHEMO = _P["chemotherapy_log_kill"], _P["chemotherapy_years"]
P_ENDO_GROWTH = _P["endocrine_growth_inhibition"]
P_ENDO_KILL = _P["endocrine_eradication_per_year"]

_M32 = np.uint64(0xFFFFFFFF)
DAYS_PER_YEAR = 365.25


@numba.njit(cache=True, inline="always")
def philox_block(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter ``(c0..c3)`` under key ``(k0, k1)`` (words held in uint64), as four words."""
    m0 = np.uint64(0xD2511F53)
    m1 = np.uint64(0xCD9E8D57)
    w0 = np.uint64(0x9E3779B9)
    w1 = np.uint64(0xBB67AE85)
    mask = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    for r in range(10):
        if r:
            k0 = (k0 + w0) & mask
            k1 = (k1 + w1) & mask
        p0 = m0 * c0
        p1 = m1 * c2
        c0, c1, c2, c3 = (p1 >> s32) ^ c1 ^ k0, p1 & mask, (p0 >> s32) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


@numba.njit(cache=True, inline="always")
def _step_state(patient, step, block, k0, k1):
    """SplitMix64 state of (patient, step, block): the first two Philox words of counter (block, id lo, id hi, step)."""
    pid = np.uint64(patient)
    w0, w1, _, _ = philox_block(
        np.uint64(block), pid & np.uint64(0xFFFFFFFF), pid >> np.uint64(32), np.uint64(step), k0, k1
    )
    return (w0 << np.uint64(32)) | w1


@numba.njit(cache=True, inline="always")
def _next(state):
    """SplitMix64 (Steele, Lea & Flood 2014): return (new state, uniform on [0, 1))."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, float(z >> np.uint64(11)) * 2.0**-53


@numba.njit(cache=True)
def _normal(state):
    state, u1 = _next(state)
    state, u2 = _next(state)
    return state, math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * math.pi * u2)


@numba.njit(cache=True)
def binomial(state, n, p):
    """Binomial draw: inversion for mean below 20, else the normal approximation (rounded, clipped to [0, n])."""
    if n <= 0 or p <= 0.0:
        return state, 0
    if p >= 1.0:
        return state, n
    if p > 0.5:
        state, k = binomial(state, n, 1.0 - p)
        return state, n - k
    mean = n * p
    if mean < 20.0:
        q = 1.0 - p
        s = p / q
        a = (n + 1) * s
        r = math.exp(n * math.log1p(-p))
        state, u = _next(state)
        x = 0
        while u > r and x < n:
            u -= r
            x += 1
            r *= a / x - s
            if r <= 0.0:
                break
        return state, x
    state, z = _normal(state)
    x = math.floor(mean + math.sqrt(mean * (1.0 - p)) * z + 0.5)
    return state, min(max(x, 0), n)


@numba.njit(cache=True)
def poisson(state, lam):
    """Poisson draw: inversion below mean 30, else the normal approximation (rounded, at least 0)."""
    if lam <= 0.0:
        return state, 0
    if lam < 30.0:
        state, u = _next(state)
        x = 0
        p = math.exp(-lam)
        cumulative = p
        while u > cumulative and x < 1000:
            x += 1
            p *= lam / x
            cumulative += p
        return state, x
    state, z = _normal(state)
    return state, max(0, math.floor(lam + math.sqrt(lam) * z + 0.5))


@numba.njit(cache=True)
def gamma(state, shape):
    """Gamma(shape, 1) draw by Marsaglia & Tsang (2000), with the u^(1/shape) boost below shape 1."""
    boost = 1.0
    if shape < 1.0:
        state, u = _next(state)
        boost = (1.0 - u) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        state, z = _normal(state)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = _next(state)
        if math.log(1.0 - u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return state, d * v * boost


@numba.njit(cache=True, inline="always")
def _grid_position(value, n):
    x = min(max(value, 0.0), 1.0) * (n - 1)
    i = min(int(x), n - 2)
    return i, x - i


@numba.njit(cache=True, inline="always")
def _bilinear(table, i, fi, j, fj):
    return (
        table[i, j] * (1 - fi) * (1 - fj)
        + table[i + 1, j] * fi * (1 - fj)
        + table[i, j + 1] * (1 - fi) * fj
        + table[i + 1, j + 1] * fi * fj
    )


@numba.njit(cache=True)
def _vicious(vicious, burden_log10, i, fi, j, fj, log10_burden):
    nb = burden_log10.shape[0]
    lo, hi = burden_log10[0], burden_log10[nb - 1]
    x = (min(max(log10_burden, lo), hi) - lo) / (hi - lo) * (nb - 1)
    b = min(int(x), nb - 2)
    fb = x - b
    return _bilinear(vicious[:, :, b], i, fi, j, fj) * (1 - fb) + _bilinear(vicious[:, :, b + 1], i, fi, j, fj) * fb


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
def _host(age, menopause_age, bmi, extra, params):
    """Oestrogen deficiency, inflammation and angiogenic drive of the host at ``age`` (dormancy.bone.host)."""
    if age < menopause_age:
        deficiency = 0.0
    else:
        e_post = params[P_E_POST]
        deficiency = 1.0 - (e_post + (1.0 - e_post) * math.exp(-(age - menopause_age) / params[P_TAU_E]))
    inflamed = min(
        1.0,
        params[P_S_AGE] * max(age - 40.0, 0.0) / 10.0 + params[P_S_BMI] * max(bmi - 25.0, 0.0) / 5.0 + extra,
    )
    angiogenic = min(1.0, params[P_S_V] * max(bmi - 25.0, 0.0) / 5.0)
    return deficiency, inflamed, angiogenic


@numba.njit(cache=True)
def _establishment(rates, er, endo, i, fi, j, fj, params):
    table = rates[er, endo, SPROUTING]
    r = _bilinear(table[:, :, 2], i, fi, j, fj)
    death = _bilinear(table[:, :, 3], i, fi, j, fj)
    evasion = _bilinear(table[:, :, 5], i, fi, j, fj)
    loss = death + params[P_KAPPA] * (1.0 - evasion)
    p = 1.0 - loss / r if r > 0.0 else 0.0
    return max(p, 0.0), evasion


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
    state = _step_state(pid, start + 1, 3, k0, k1)
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


@numba.njit(cache=True, parallel=True)
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
    chemotherapy,
    endocrine_years,
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
    visit_steps,
):
    """Simulate every patient of a chunk (module docstring); returns a tuple of per-patient arrays.

    ``rates`` and ``vicious`` carry the regimen states on a first axis (state 0: untreated). Treatment (module
    docstring, *Treatment*) starts at step ``treat_start_step[p]`` (-1: none) and follows ``regimen_*`` (one
    entry per step of the regimen). ``visit_steps[p, v]`` is the step at whose start visit ``v`` records the
    marrow DTCs (-1: no visit).
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
    out_site = np.zeros(n, np.int8)  # 0 none, 1 bone, 2 other
    out_bone = np.full(n, np.nan)  # first bone metastasis at any time
    out_status = np.zeros(n, np.int8)
    dt_years = step_days / DAYS_PER_YEAR
    ln_kav = math.log(params[P_KAV])
    ln_k = math.log(params[P_K])
    ln_det = math.log(params[P_XDET])
    ln_xbone = math.log(params[P_XBONE])
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
        factor_state = _step_state(pid, 0, HETEROGENEITY_BLOCK, k0, k1)
        factor_state, z = _normal(factor_state)
        cv = params[P_CV_POS] if er else params[P_CV_NEG]
        sigma2 = math.log1p(cv * cv)
        alpha0 *= math.exp(math.sqrt(sigma2) * z - 0.5 * sigma2)
        factor_state, z = _normal(factor_state)
        sigma2 = math.log1p(params[P_CV_WAKE] * params[P_CV_WAKE])
        wake_scale *= math.exp(math.sqrt(sigma2) * z - 0.5 * sigma2)
        recurred = False
        death_scale = params[P_DEATH] * (params[P_DEATH_POS] if er else 1.0)
        # ---------------------------------------------------------------- diagnosis: seeding and aspirate
        state = _step_state(pid, 0, 0, k0, k1)
        deficiency, inflamed, angiogenic = _host(age[p], menopause_age[p], bmi[p], extra_inflammation[p], params)
        i, fi = _grid_position(deficiency, nd)
        j, fj = _grid_position(inflamed, nd)
        shape = params[P_DISP]
        state, g = gamma(state, shape)
        state, marrow = poisson(state, g * seeding_mean[p] / shape)
        state, u = _next(state)
        out_positive[p] = u < -math.expm1(-params[P_ASP] * marrow)
        state, other = poisson(state, params[P_RHO] * marrow)
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
        for k in range(N_NICHES):
            if k == OTHER_SITE:
                awake = params[P_F2] * _bilinear(untreated[er, 0, SPROUTING, :, :, 6], i, fi, j, fj)
            else:
                awake = _bilinear(untreated[er, 0, k, :, :, 6], i, fi, j, fj)
            state, n_awake = binomial(state, dormant[k], awake)
            dormant[k] -= n_awake
            p_est, _ = _establishment(untreated, er, 0, i, fi, j, fj, params)
            state, founders = binomial(state, n_awake, params[P_CLONO] * p_est)
            dead += n_awake - founders
            escapes += founders
            for _f in range(founders):
                state, u = _next(state)
                age_years = u * params[P_W]
                a_days = alpha0 * age_years * DAYS_PER_YEAR
                state, u = _next(state)
                switch_years = -math.log1p(-u) / params[P_ANG]
                if switch_years < age_years:
                    x = ln_kav * -math.expm1(-alpha0 * switch_years * DAYS_PER_YEAR)
                    x = ln_k - (ln_k - x) * math.exp(-alpha0 * (age_years - switch_years) * DAYS_PER_YEAR)
                    vascular = True
                else:
                    x = ln_kav * -math.expm1(-a_days)
                    vascular = False
                x = min(x, ln_det - math.log(2.0))
                slot, lost = _insert(slots_x, slots_state, slots_niche, x, vascular, k)
                dropped += lost
                if slot >= 0:
                    slots_wait[slot] = 0
        # ---------------------------------------------------------------- follow-up
        for step in range(n_steps):
            for v in range(n_visits):
                if visit_steps[p, v] == step:
                    out_visit_dtcs[p, v] = _marrow_dtcs(dormant, slots_state, slots_wait, slots_niche)
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
                state = _step_state(pid, step + 1, 1, k0, k1)
                span = 1 if monthly else min(pool_steps, n_steps - step)
                last_update, last_span = step, span
                last_deaths[:] = 0
                last_failed[:] = 0
                last_hazard[:] = 0.0
                tables = rates[regimen_state[g]] if treated else untreated
                mid = t0 + 0.5 * span * dt_years
                deficiency, inflamed, angiogenic = _host(
                    age[p] + mid, menopause_age[p], bmi[p], extra_inflammation[p], params
                )
                i, fi = _grid_position(deficiency, nd)
                j, fj = _grid_position(inflamed, nd)
                endo = 1 if (er == 1 and mid < endocrine_years[p]) else 0
                p_est, _ = _establishment(tables, er, endo, i, fi, j, fj, params)
                if endo:
                    p_est *= 1.0 - params[P_ENDO_GROWTH]
                if treated and er:
                    p_est *= 1.0 - regimen_er_inhibition[g]
                for k in range(N_NICHES):
                    if dormant[k] == 0 or (recurred and k == OTHER_SITE):
                        continue
                    table = tables[er, endo, k]
                    h_wake = wake_scale * math.exp(_bilinear(table[:, :, 0], i, fi, j, fj))
                    h_die = death_scale * _bilinear(table[:, :, 1], i, fi, j, fj)
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
                    state, founders = binomial(state, woken, params[P_CLONO] * p_est)
                    dead += woken - founders
                    last_failed[k] = woken - founders
                    for _f in range(founders):
                        state, u = _next(state)
                        wait = int(u * span)
                        escapes += 1
                        slot, lost = _insert(slots_x, slots_state, slots_niche, 0.0, False, k)
                        dropped += lost
                        if slot >= 0:
                            slots_wait[slot] = wait
                            slots_birth[slot] = step + wait
            occupied = False
            for s in range(FOCUS_SLOTS):
                occupied = occupied or slots_state[s] > 0
            if not occupied:
                continue
            state = _step_state(pid, step + 1, 0, k0, k1)
            tables = rates[regimen_state[g]] if treated else untreated
            step_vicious = vicious[regimen_state[g]] if treated else vicious[0]
            mid = t0 + 0.5 * dt_years
            deficiency, inflamed, angiogenic = _host(
                age[p] + mid, menopause_age[p], bmi[p], extra_inflammation[p], params
            )
            i, fi = _grid_position(deficiency, nd)
            j, fj = _grid_position(inflamed, nd)
            endo = 1 if (er == 1 and mid < endocrine_years[p]) else 0
            chemo_ends = chemotherapy[p] and step == chemo_last_step
            _, evasion = _establishment(tables, er, endo, i, fi, j, fj, params)
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
                alpha = alpha0
                if endo:
                    alpha *= 1.0 - params[P_ENDO_GROWTH]
                if treated:
                    alpha *= regimen_growth[g] * (1.0 - regimen_er_inhibition[g] if er else 1.0)
                if niche < MARROW_NICHES:
                    log10_burden = (x - ln_xbone) / math.log(10.0)
                    alpha *= _vicious(step_vicious, burden_log10, i, fi, j, fj, log10_burden)
                cap = ln_k if slots_state[s] == 2 else ln_kav
                x_new = cap - (cap - x) * math.exp(-alpha * step_days)
                if chemo_ends:
                    # the course's per-cell survival 10^-L: the focus is eradicated with probability e^{-X 10^-L}
                    survivors = math.exp(x_new) * 10.0 ** -params[P_LOGKILL]
                    state, u = _next(state)
                    x_new = -1.0 if u < math.exp(-survivors) else math.log(max(survivors, 1.0))
                if endo:
                    state, u = _next(state)
                    if u < -math.expm1(-params[P_ENDO_KILL] * dt_years):
                        x_new = -1.0
                if kill > 0.0 and x_new >= 0.0:
                    # the strategy's chemotherapy this step: each cycling cell survives with probability 10^-kill,
                    # so a focus of X cells is eradicated with probability (1 - 10^-kill)^X
                    survival = 10.0**-kill
                    state, u = _next(state)
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
                        detected_site = 1 if niche < MARROW_NICHES else 2
                    if niche < MARROW_NICHES:
                        detected_bone = min(detected_bone, when)
                if x_new < 0.0:
                    slots_state[s] = 0
                    continue
                slots_x[s] = x_new
                if slots_state[s] == 1:
                    state, u = _next(state)
                    if u < -math.expm1(-params[P_KAPPA_F] * (1.0 - evasion) * dt_years):
                        slots_state[s] = 0
                        continue
                    state, u = _next(state)
                    if u < -math.expm1(-params[P_ANG] * (1.0 + params[P_ANG_V] * angiogenic) * dt_years):
                        slots_state[s] = 2
            if out_status[p] != STATUS_OK:
                break
            if detected_bone < np.inf:
                out_bone[p] = detected_bone
            if detected < np.inf and not recurred:
                recurred = True
                out_recurrence[p] = detected
                out_site[p] = detected_site
                out_escapes[p] = escapes
                out_dead[p] = dead
                out_dormant_end[p] = dormant.sum()
                # from here on only a bone metastasis is recorded: the detected focus and every focus outside the
                # marrow leave the simulation (and the other organs' dormant pool is no longer followed)
                for s in range(FOCUS_SLOTS):
                    if slots_state[s] > 0 and (slots_x[s] >= ln_det or slots_niche[s] >= MARROW_NICHES):
                        slots_state[s] = 0
            if detected_bone < np.inf:
                break
        if not recurred:
            out_escapes[p] = escapes
            out_dead[p] = dead
            out_dormant_end[p] = dormant.sum()
        for v in range(n_visits):
            # visits after the simulation stopped (both events recorded) see the pools as they were then
            if out_visit_dtcs[p, v] < 0 and 0 <= visit_steps[p, v] < n_steps:
                out_visit_dtcs[p, v] = _marrow_dtcs(dormant, slots_state, slots_wait, slots_niche)
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
        out_bone,
        out_status,
        out_visit_dtcs,
    )
