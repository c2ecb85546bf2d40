r"""The bone-marrow aspirate as a measurement: clustered sampling of the marrow, a protocol's cells and sensitivity.

A patient's marrow holds :math:`N` DTCs (the kernel's count, at diagnosis or at a visit). An aspirate draws a few
millilitres from each of :math:`s` sites (``aspirate_sites``: bilateral iliac crest, :math:`s = 2`), and
:math:`M` mononuclear cells (``aspirate_screened_cells``, about :math:`2 \times 10^6`, split equally over the sites)
are screened by cytokeratin immunocytochemistry. The marrow's DTCs are spread among :math:`C` mononuclear cells
(``marrow_mononuclear_cells``), but not evenly:

1. **Site factor.** The DTC density where site :math:`j` draws is the marrow mean times :math:`Z_j \sim
   \mathrm{Gamma}(a, 1/a)` (mean 1, coefficient of variation :math:`v = a^{-1/2}`, ``aspirate_site_cv``; :math:`v =
   0` is a homogeneous marrow, :math:`Z_j = 1`), independently between sites and between aspirates.
2. **Clusters.** DTCs are found singly or in small clusters sampled together: the number of clusters found at site
   :math:`j` is Poisson with mean :math:`\lambda_j Z_j / c`, each cluster holding :math:`1 + G` cells with :math:`G`
   geometric of mean :math:`c - 1` (``dtc_cluster_mean_size`` :math:`c \ge 1`; :math:`c = 1`: single cells), so the
   mean number found is unchanged by clustering.
3. **Sensitivity.** :math:`\lambda_j = q\, (M / s)\, N / C`: each DTC among the screened cells is read as a tumour
   cell with probability :math:`q` (density-gradient losses, cytokeratin-negative cells, the reader), which depends on
   the protocol (:data:`PROTOCOLS`): ``reference``, the reading of Braun 2005's pooled studies (the at-diagnosis
   prevalence the calibration targets), and ``oslo``, the Norwegian protocol of Synnestvedt 2012 (morphological
   evaluation; the repeat-aspirate replica, :mod:`dormancy.patients.repeat_aspirate`).

The cells found are :math:`K = \min(N, \sum_j K_j)` (the cap, the binomial limit of Poisson thinning, binds only when
:math:`\lambda` is comparable with :math:`N`, never in practice), and the aspirate is positive when :math:`K \ge 1`.
No false positives are modelled (haematopoietic cells stained by the antibody are excluded by the morphological
reading, Naume 2004). Closed form (:func:`positive_probability`), with :math:`\lambda = \sum_j \lambda_j`:

.. math::

    P(K \ge 1 \mid N) = 1 - \Bigl(1 + \frac{\lambda}{s\, c\, a}\Bigr)^{-s a}
    \xrightarrow{\;v \to 0\;} 1 - e^{-\lambda / c},

which with :math:`v = 0`, :math:`c = 1` is the homogeneous Poisson reading :math:`1 - e^{-qMN/C}` of
:func:`dormancy.patients.seeding.aspirate_positive_probability` (and :math:`K` is then exactly Poisson). Between two
aspirates of the same patient only :math:`N` is shared: with strong site heterogeneity a positive aspirate is
often not repeated (Synnestvedt 2012: 8.7 % and 7.6 % positive six months apart, 86.5 % concordance).

**Randomness.** Aspirate ``visit`` of patient ``id`` draws :math:`2 s` uniforms from its own counter-based stream
(:data:`ASPIRATE_STREAM`, keyed by (seed, patient id, visit)): per site the number of clusters (the gamma site factor
integrated out: a negative binomial of shape :math:`a`, Poisson when :math:`v = 0`) and their extra cells, each by
inversion of its distribution function. A reading depends on nothing else, so it is the
same for any chunking or order of patients. The aspirate at diagnosis is visit :data:`DIAGNOSIS_VISIT`; the trial
engine numbers its screening aspirates 0, 1, … and its assessments from 1000.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.rng import agent_uniforms

__all__ = [
    "ASPIRATE_STREAM",
    "DIAGNOSIS_VISIT",
    "PROTOCOLS",
    "AspirateReading",
    "aspirate_values",
    "positive_probability",
    "read_aspirate",
    "read_aspirate_values",
]

#: Counter-based stream of every aspirate draw ("ASPI"; the same stream the trial engine's aspirates always used).
ASPIRATE_STREAM = 0x41535049
#: Visit number of the aspirate at diagnosis (the largest step :func:`dormancy.rng.agent_uniforms` accepts).
DIAGNOSIS_VISIT = 2**32 - 1
#: Protocols by name: the record of the patient set holding the reading's sensitivity.
PROTOCOLS: Mapping[str, str] = {"reference": "aspirate_sensitivity", "oslo": "aspirate_sensitivity_oslo"}
#: Records of ``patients_natural_history`` the measurement reads (besides the protocol's sensitivity).
MEASUREMENT_SYMBOLS = ("aspirate_screened_cells", "marrow_mononuclear_cells", "aspirate_sites", "aspirate_site_cv")
CLUSTER_SYMBOL = "dtc_cluster_mean_size"
_OPEN = 2.0**-54  # shifts uniforms on [0, 1) into (0, 1): an inverse distribution function at 0 is not a draw


@dataclass(frozen=True)
class AspirateReading:
    """What aspirates found.

    Parameters
    ----------
    cells_found : numpy.ndarray of int64
        Cells read as tumour cells in each aspirate (0 where no aspirate was done).
    positive : numpy.ndarray of bool
        At least one cell found.
    """

    cells_found: NDArray[np.int64]
    positive: NDArray[np.bool_]


def aspirate_values(parameters: Mapping[str, float] | None = None) -> dict[str, float]:
    """Return the measurement's values by symbol, with registry overrides applied (checked against the priors).

    Parameters
    ----------
    parameters : mapping of str to float, optional
        Overrides by registry record name, e.g. ``{"patients_natural_history.aspirate_site_cv": 0.0}``.
    """
    from dormancy.patients.parameters import SET_NAME, resolve_parameters

    values = resolve_parameters(parameters)[SET_NAME].values()
    return {k: float(values[k]) for k in (*MEASUREMENT_SYMBOLS, CLUSTER_SYMBOL, *PROTOCOLS.values())}


def _protocol_rate(values: Mapping[str, float], protocol: str) -> float:
    """Return :math:`q M / C`, the mean number of cells found per marrow DTC (before clustering)."""
    if protocol not in PROTOCOLS:
        raise InputError([Problem("protocol", f"one of {', '.join(PROTOCOLS)}", repr(protocol))])
    return values[PROTOCOLS[protocol]] * values["aspirate_screened_cells"] / values["marrow_mononuclear_cells"]


def _counts(marrow_dtcs: ArrayLike, field: str = "marrow_dtcs") -> NDArray[np.float64]:
    if hasattr(marrow_dtcs, "to_numpy"):  # a pandas column with <NA> for visits not observed
        marrow_dtcs = marrow_dtcs.to_numpy(dtype=np.float64, na_value=np.nan)
    try:
        counts = np.asarray(marrow_dtcs, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise InputError([Problem(field, "DTC counts (integers; negative or NaN: no aspirate)", str(error))]) from None
    if np.any(np.isinf(counts)):
        raise InputError([Problem(field, "finite DTC counts", "an infinite count")])
    return np.where(np.isfinite(counts) & (counts > 0), np.floor(counts), 0.0)


def positive_probability(
    marrow_dtcs: ArrayLike, *, protocol: str = "reference", parameters: Mapping[str, float] | None = None
) -> NDArray[np.float64]:
    r"""Return :math:`P(K \ge 1 \mid N)`, the chance that an aspirate is positive (module formula).

    Parameters
    ----------
    marrow_dtcs : array_like of int
        DTCs in the marrow :math:`N` (negative or NaN: no aspirate, probability 0).
    protocol : {"reference", "oslo"}
        Whose sensitivity (:data:`PROTOCOLS`).
    parameters : mapping of str to float, optional
        Registry overrides.
    """
    values = aspirate_values(parameters)
    return _positive_probability(_counts(marrow_dtcs), values, protocol)


def _positive_probability(n: NDArray[np.float64], values: Mapping[str, float], protocol: str) -> NDArray[np.float64]:
    lam = _protocol_rate(values, protocol) * n / values[CLUSTER_SYMBOL]  # clusters expected
    v = values["aspirate_site_cv"]
    if v <= 0.0:
        return -np.expm1(-lam)
    sites = max(1, round(values["aspirate_sites"]))
    a = 1.0 / (v * v)
    return -np.expm1(-sites * a * np.log1p(lam / (sites * a)))


def read_aspirate(
    marrow_dtcs: ArrayLike,
    *,
    seed: int,
    patient_ids: ArrayLike,
    visit: int | ArrayLike,
    protocol: str = "reference",
    parameters: Mapping[str, float] | None = None,
) -> AspirateReading:
    """Read one aspirate per entry: cells found and positivity (module docstring).

    Parameters
    ----------
    marrow_dtcs : array_like of int
        DTCs in the marrow at the time of each aspirate; negative or missing (NaN, pandas ``<NA>``) values mean no
        aspirate (0 cells, negative).
    seed : int
        Non-negative seed.
    patient_ids : array_like of int
        Patient id of each aspirate (same length).
    visit : int or array_like of int
        Visit number of each aspirate, in ``[0, 2**32)``; the draws are keyed by (seed, patient id, visit), so
        repeated aspirates of a patient are independent readings of her marrow. :data:`DIAGNOSIS_VISIT` is the
        aspirate at diagnosis.
    protocol : {"reference", "oslo"}
        Whose sensitivity (:data:`PROTOCOLS`).
    parameters : mapping of str to float, optional
        Registry overrides (``patients_natural_history.aspirate_*``, ``marrow_mononuclear_cells``,
        ``dtc_cluster_mean_size``).

    Returns
    -------
    AspirateReading
        Cells found (never more than the DTCs present) and positivity.

    Raises
    ------
    InputError
        For mismatched shapes, a bad seed, patient id, visit or protocol, or an override outside its prior.
    """
    counts = _counts(marrow_dtcs)
    ids = np.asarray(patient_ids).ravel()
    visits = np.broadcast_to(np.asarray(visit), counts.shape) if np.ndim(visit) == 0 else np.asarray(visit).ravel()
    if ids.shape != counts.shape or visits.shape != counts.shape:
        raise InputError(
            [Problem("patient_ids", "one patient id and visit per DTC count", f"{ids.shape} and {visits.shape}")]
        )
    if counts.size and (not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0):
        raise InputError([Problem("patient_ids", "non-negative integer ids", str(ids.dtype))])
    bad_visit = counts.size and (not np.issubdtype(visits.dtype, np.integer) or visits.min() < 0)
    if bad_visit or (counts.size and visits.max() > DIAGNOSIS_VISIT):
        raise InputError([Problem("visit", f"integer visit numbers in [0, {DIAGNOSIS_VISIT}]", str(visits.dtype))])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    values = aspirate_values(parameters)
    _protocol_rate(values, protocol)  # checks the protocol
    found = np.zeros(counts.size, dtype=np.int64)
    for v in np.unique(visits):
        rows = np.flatnonzero(visits == v)
        found[rows] = _read(counts[rows], ids[rows].astype(np.uint64), int(seed), int(v), values, protocol)
    return AspirateReading(found, found > 0)


def read_aspirate_values(
    marrow_dtcs: NDArray[np.float64],
    *,
    ids: NDArray[np.uint64],
    seed: int,
    visit: int,
    values: Mapping[str, float],
    protocol: str = "reference",
) -> NDArray[np.int64]:
    """Return the cells found by one aspirate of each patient at one visit, from already resolved values.

    The fast path of :func:`read_aspirate` for callers that hold the patient set's values (the cohort, the
    repeat-aspirate fit): no input checks beyond the protocol. ``marrow_dtcs`` below 1 or NaN find nothing.
    """
    n = np.asarray(marrow_dtcs, dtype=np.float64)
    n = np.where(np.isfinite(n) & (n > 0), np.floor(n), 0.0)
    return _read(n, np.asarray(ids, dtype=np.uint64), int(seed), int(visit), values, protocol)


#: Means above this are inverted by SciPy's distribution functions instead of the recurrence (rare: very rich marrows).
_RECURRENCE_MAX_MEAN = 30.0
_RECURRENCE_MAX_STEPS = 400


def _invert_counts(u: NDArray[np.float64], mean: NDArray[np.float64], shape: float) -> NDArray[np.float64]:
    r"""Return :math:`F^{-1}(u)` of a Poisson (``shape`` infinite) or negative-binomial count of the given means.

    The negative binomial of shape :math:`a` and mean :math:`\mu` is the gamma–Poisson mixture of the module
    docstring, :math:`P(0) = (1 + \mu/a)^{-a}`, :math:`P(k + 1) = P(k)\, \frac{k + a}{k + 1}\, \frac{\mu}{a + \mu}`;
    the Poisson's :math:`P(0) = e^{-\mu}`, :math:`P(k + 1) = P(k)\, \mu / (k + 1)`. The smallest :math:`k` with
    :math:`F(k) \ge u` is found by summing the recurrence (vectorised; rows leave once found), means above
    :data:`_RECURRENCE_MAX_MEAN` and rows the recurrence cannot settle (rounding near :math:`u = 1`) by SciPy.
    """
    from scipy import stats

    out = np.zeros(u.size)
    poisson = not np.isfinite(shape)
    small = np.flatnonzero((mean > 0) & (mean <= _RECURRENCE_MAX_MEAN))
    if small.size:
        m = mean[small]
        if poisson:
            pk, ratio = np.exp(-m), m
        else:
            pk, ratio = np.exp(-shape * np.log1p(m / shape)), m / (shape + m)
        cdf = pk.copy()
        active = np.flatnonzero(u[small] > cdf)
        k = 0
        while active.size and k < _RECURRENCE_MAX_STEPS:
            factor = ratio[active] / (k + 1) if poisson else ratio[active] * (k + shape) / (k + 1)
            pk[active] *= factor
            cdf[active] += pk[active]
            k += 1
            out[small[active]] = k
            active = active[u[small[active]] > cdf[active]]
        small_left = small[active]
    else:
        small_left = small
    large = np.concatenate([np.flatnonzero(mean > _RECURRENCE_MAX_MEAN), small_left])
    if large.size:
        if poisson:
            out[large] = stats.poisson.ppf(u[large], mean[large])
        else:
            out[large] = stats.nbinom.ppf(u[large], shape, shape / (shape + mean[large]))
    return out


def _read(
    n: NDArray[np.float64], ids: NDArray[np.uint64], seed: int, visit: int, values: Mapping[str, float], protocol: str
) -> NDArray[np.int64]:
    """Cells found in one aspirate of each patient at one visit (no input checks; module docstring).

    Per site two uniforms: the number of clusters (negative binomial of shape :math:`a = 1/v^2`, the gamma site factor
    integrated out exactly; Poisson when :math:`v = 0`) and their extra cells (negative binomial with as many
    successes as clusters, :math:`p = 1/c`: a sum of geometric extras of mean :math:`c - 1`).
    """
    from scipy import stats

    sites = max(1, round(values["aspirate_sites"]))
    v = values["aspirate_site_cv"]
    c = values[CLUSTER_SYMBOL]
    shape = 1.0 / (v * v) if v > 0.0 else np.inf
    mean = _protocol_rate(values, protocol) / sites * n / c  # clusters expected per site
    u = agent_uniforms(seed, ids, visit, 2 * sites, stream=ASPIRATE_STREAM) + _OPEN
    total = np.zeros(n.size)
    for j in range(sites):
        clusters = _invert_counts(u[:, 2 * j], mean, shape)
        found = np.flatnonzero(clusters > 0)
        if c > 1.0 and found.size:
            clusters[found] += stats.nbinom.ppf(u[found, 2 * j + 1], clusters[found], 1.0 / c)
        total += clusters
    return np.minimum(total, n).astype(np.int64)
