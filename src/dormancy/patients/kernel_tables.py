r"""Parameter vector, niche indices, host state and table lookups of the patient kernel (compiled with numba).

The kernel (:mod:`dormancy.patients.natural_history`) reads its parameters from one vector in the order of
:data:`KERNEL_SYMBOLS` and the niche-rate tables of :mod:`dormancy.coupling.tables` (fields by name,
:data:`dormancy.coupling.tables.RATE_FIELDS`; the ``R_*`` indices below) on a regular grid of
oestrogen deficiency :math:`D` and inflammation :math:`I` in [0, 1] (bilinear interpolation; the vicious-cycle
factor also on log10 bone burden).

Numba caches compiled functions per source file and does not track calls into other files: after editing this
module, delete ``src/dormancy/patients/__pycache__`` (or touch ``natural_history.py``) so the kernel recompiles.
"""

from __future__ import annotations

import math

import numba

from dormancy.coupling.tables import RATE_FIELDS
from dormancy.coupling.vocabulary import MARROW_NICHES as MARROW_NICHES
from dormancy.coupling.vocabulary import NICHE_NAMES

FOCUS_SLOTS = 8
DAYS_PER_YEAR = 365.25
N_NICHES = len(NICHE_NAMES)
SPROUTING = NICHE_NAMES.index("perivascular_sprouting")
OTHER_SITE = NICHE_NAMES.index("other_site")
#: Indices of the rate-table fields the kernel reads (numba reads module-level integers as constants).
R_LOG_AWAKENING = RATE_FIELDS.index("log_awakening_rate")
R_DEATH = RATE_FIELDS.index("death_rate")
R_DRUG_DEATH = RATE_FIELDS.index("drug_death_rate")
R_PROLIFERATION = RATE_FIELDS.index("proliferation_rate")
R_APOPTOSIS = RATE_FIELDS.index("apoptosis_rate")
R_EVASION = RATE_FIELDS.index("immune_evasion")
R_AWAKE = RATE_FIELDS.index("awake_on_arrival")
#: Site codes of a focus and of a first distant recurrence (:data:`dormancy.patients.sites.SITE_CODES` names them):
#: 0 none, 1 bone (every marrow niche), then the visceral sites a cell of the other-organ pool lodges in.
SITE_BONE = 1
SITE_FIRST_VISCERAL = 2
N_VISCERAL = 4
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
    "dormant_death_scale",
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
    "staging_detection_cells",
    "endocrine_independent_focus_fraction",
    "endocrine_independence_per_year",
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
P_DEATH = _P["dormant_death_scale"]
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
P_XSTAGE = _P["staging_detection_cells"]
P_INDEP = _P["endocrine_independent_focus_fraction"]
P_INDEP_RATE = _P["endocrine_independence_per_year"]


@numba.njit(cache=True, inline="always")
def grid_position(value, n):
    """Return the cell ``i`` and fraction ``f`` of ``value`` (clipped to [0, 1]) on a grid of ``n`` points."""
    x = min(max(value, 0.0), 1.0) * (n - 1)
    i = min(int(x), n - 2)
    return i, x - i


@numba.njit(cache=True, inline="always")
def bilinear(table, i, fi, j, fj):
    """Return ``table`` interpolated bilinearly at grid cell ``(i, j)`` with fractions ``(fi, fj)``."""
    return (
        table[i, j] * (1 - fi) * (1 - fj)
        + table[i + 1, j] * fi * (1 - fj)
        + table[i, j + 1] * (1 - fi) * fj
        + table[i + 1, j + 1] * fi * fj
    )


@numba.njit(cache=True)
def vicious_factor_at(vicious, burden_log10, i, fi, j, fj, log10_burden):
    """Return the vicious-cycle growth factor at ``(D, I)`` and a log10 bone burden (clipped to the table's range)."""
    nb = burden_log10.shape[0]
    lo, hi = burden_log10[0], burden_log10[nb - 1]
    x = (min(max(log10_burden, lo), hi) - lo) / (hi - lo) * (nb - 1)
    b = min(int(x), nb - 2)
    fb = x - b
    return bilinear(vicious[:, :, b], i, fi, j, fj) * (1 - fb) + bilinear(vicious[:, :, b + 1], i, fi, j, fj) * fb


@numba.njit(cache=True)
def host_state(age, menopause_age, bmi, extra, params):
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
def establishment(rates, er, endo, i, fi, j, fj, params):
    r"""Return a founder's establishment probability :math:`\max(0, 1 - (\delta_p + \kappa(1 - e))/r_p)` and :math:`e`.

    Read from the sprouting niche's proliferating-branch columns (``rates[er, endo, SPROUTING]``): :math:`r_p`
    proliferation, :math:`\delta_p` apoptosis and :math:`e` immune evasion, per year; :math:`\kappa` the immune kill
    rate (module docstring of :mod:`dormancy.patients.natural_history`).
    """
    table = rates[er, endo, SPROUTING]
    r = bilinear(table[:, :, R_PROLIFERATION], i, fi, j, fj)
    death = bilinear(table[:, :, R_APOPTOSIS], i, fi, j, fj)
    evasion = bilinear(table[:, :, R_EVASION], i, fi, j, fj)
    loss = death + params[P_KAPPA] * (1.0 - evasion)
    p = 1.0 - loss / r if r > 0.0 else 0.0
    return max(p, 0.0), evasion


@numba.njit(cache=True)
def dormant_hazards(table, i, fi, j, fj, wake_scale, death_scale):
    r"""Return a dormant DTC's awakening and death hazards (per year) from its niche's rate table at ``(D, I)``.

    :math:`h_w = s\,q_w \cdot 365.25` and :math:`h_d = (\mu\,q_d + q_d^{drug}) \cdot 365.25`: the switch's own hazards
    (per day, fields ``log_awakening_rate``, ``death_rate``, ``drug_death_rate`` of
    :mod:`dormancy.coupling.tables`) times the bridge parameters ``wake_scale`` :math:`s` and ``death_scale``
    :math:`\mu` (dimensionless); a drug's own kill is added unscaled. ``table`` is ``rates[state, er, endo, niche]``.
    """
    h_wake = wake_scale * math.exp(bilinear(table[:, :, R_LOG_AWAKENING], i, fi, j, fj)) * DAYS_PER_YEAR
    h_die = (
        death_scale * bilinear(table[:, :, R_DEATH], i, fi, j, fj) + bilinear(table[:, :, R_DRUG_DEATH], i, fi, j, fj)
    ) * DAYS_PER_YEAR
    return h_wake, h_die
