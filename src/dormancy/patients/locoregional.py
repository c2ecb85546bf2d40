r"""Recurrences that do not come from disseminated tumour cells: locoregional recurrence and contralateral cancer.

Colleoni 2016's breast-cancer-free interval (and a trial's disease-free survival) counts local, regional and
contralateral breast cancer besides distant metastases. These events come from tumour cells left in the chest
wall and regional nodes, or from a new primary in the other breast, not from the marrow's DTCs, so they are drawn
here, outside the monthly kernel (:mod:`dormancy.patients.natural_history`), as two latent event times per patient
with piecewise-constant hazards.

**Locoregional recurrence** (chest wall and regional nodes, after mastectomy without radiotherapy as in the IBCSG
1978–85 trials):

.. math::

    h_{LR}(t) = h_{N}\, f_{ER}^{[ER-]}\, r(t)\, (1 - \varepsilon\,[\text{on endocrine therapy at } t]),
    \qquad r(t) = 1,\ r_5,\ r_{10} \ \text{for } t \in [0, 5),\ [5, 10),\ [10, \infty) \text{ years},

with :math:`h_N` by nodal stage (``locoregional_per_year_n0``, ``_n1_3``, ``_n4_plus`` for N4–9 and N10+;
EBCTCG 2014 ``ebctcg2014``, Wang 2020 ``wang2020lrr``, Lu 2013 ``lu2013lrr``), :math:`f_{ER}` the ER− fold
(``locoregional_fold_er_negative``), :math:`r_5, r_{10}` the late-to-early ratios (``locoregional_ratio_*``;
Geurts 2017 ``geurts2017``: local, regional and distant first recurrences share one time pattern).

**Contralateral breast cancer**, constant in time since diagnosis (Giannakeas 2021 ``giannakeas2021``: ~0.4 % a
year, persisting over 25 years):

.. math::

    h_{C}(t) = h_{C,ER}\, (1 - \varepsilon\,[\text{on endocrine therapy at } t]).

:math:`\varepsilon` (``endocrine_local_reduction``) applies to ER+ patients during their ``endocrine_years``
(Sandberg 2012 ``sandberg2012``, Nichols 2011 ``nichols2011``). The event time solves :math:`H(T) = -\ln(1 - u)`
with :math:`H` the cumulative hazard (exact inversion on the pieces, :func:`piecewise_exponential_times`; for the
contralateral hazard, two pieces split at the end of endocrine therapy, in closed form).

Randomness: the two uniforms of patient ``i`` are :func:`dormancy.rng.agent_uniforms` ``(seed, [i], step 0, 2)``
on the stream :data:`LOCAL_STREAM`, a key no other draw of the package uses, so these times depend only on
(seed, patient id, covariates, care), and no draw of the DTC history moves: the distant columns are the same
draw for draw whatever these rates are.

Assumptions (documented, not modelled): the latent times are independent of the DTC history given the covariates
(in reality local and distant relapse share tumour biology, and many locoregional recurrences come together with
a distant one); a locoregional recurrence does not seed new DTCs or change the distant history; chemotherapy and
radiotherapy have no separate effect (the rates are those of the IBCSG era's care: mastectomy, chemotherapy for
node-positive patients, no radiotherapy); trial treatments (:mod:`dormancy.patients.therapy`) do not act on these
events. Deaths (:mod:`dormancy.patients.survival`) end the observation: an event after a patient's death is not
observed (the cohort sets it to NaN), the latent times themselves do not depend on death.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.rng import agent_uniforms

__all__ = [
    "LOCAL_STREAM",
    "contralateral_hazard",
    "local_event_times",
    "locoregional_hazard",
    "piecewise_exponential_times",
]

LOCAL_STREAM = 0x4C4F43  # "LOC": agent_uniforms stream of the non-DTC events (column 0 locoregional, 1 contralateral)
BAND_EDGES_YEARS: tuple[float, float] = (5.0, 10.0)
NODE_RATE = {
    "N0": "locoregional_per_year_n0",
    "N1-3": "locoregional_per_year_n1_3",
    "N4-9": "locoregional_per_year_n4_plus",
    "N10+": "locoregional_per_year_n4_plus",
}


def piecewise_exponential_times(uniforms: ArrayLike, edges: ArrayLike, rates: ArrayLike) -> NDArray[np.float64]:
    r"""Invert a piecewise-constant cumulative hazard: the event time of each row for its uniform draw.

    Row ``i`` has hazard ``rates[i, k]`` on ``[edges[i, k], edges[i, k + 1])``; the time solves
    :math:`H(T) = -\ln(1 - u)`, i.e. :math:`T = e_k + (E - H(e_k)) / h_k` in the piece ``k`` where the cumulative
    hazard first reaches :math:`E = -\ln(1 - u)`, an Exp(1) draw.

    Parameters
    ----------
    uniforms : array_like, shape (n,)
        Draws on ``[0, 1)``.
    edges : array_like, shape (n, k + 1)
        Non-decreasing piece edges in years, ``edges[:, 0] = 0``; the last may be ``inf``.
    rates : array_like, shape (n, k)
        Non-negative hazards per year on each piece.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Event times in years; ``inf`` when the hazard runs out before reaching the draw.
    """
    u = np.asarray(uniforms, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    rates = np.asarray(rates, dtype=np.float64)
    target = -np.log1p(-u)
    widths = np.diff(edges, axis=1)
    piece = np.where(rates > 0.0, rates * np.where(rates > 0.0, widths, 0.0), 0.0)
    cumulative = np.cumsum(piece, axis=1)
    reached = cumulative >= target[:, np.newaxis]
    hit = reached.any(axis=1)
    index = np.argmax(reached, axis=1)
    rows = np.arange(len(u))
    before = np.column_stack([np.zeros(len(u)), cumulative[:, :-1]])[rows, index]
    rate = rates[rows, index]
    with np.errstate(divide="ignore", invalid="ignore"):
        time = edges[rows, index] + (target - before) / rate
    return np.where(hit, time, np.inf)


def _pieces(endocrine_years: NDArray[np.float64]) -> NDArray[np.float64]:
    """Piece edges ``(n, 5)``: 0, the band edges 5 and 10 and the end of endocrine therapy in order, and inf."""
    first, second = BAND_EDGES_YEARS
    n = len(endocrine_years)
    return np.column_stack(
        [
            np.zeros(n),
            np.minimum(endocrine_years, first),
            np.clip(endocrine_years, first, second),
            np.maximum(endocrine_years, second),
            np.full(n, np.inf),
        ]
    )


def locoregional_hazard(
    values: Mapping[str, float],
    *,
    years: ArrayLike,
    er_positive: ArrayLike,
    n_stage: ArrayLike,
    on_endocrine: ArrayLike = False,
) -> NDArray[np.float64]:
    """Return the locoregional recurrence hazard (per year) at ``years`` after diagnosis (module formula).

    Parameters
    ----------
    values : mapping of str to float
        ``patients_natural_history`` values by symbol.
    years : array_like
        Time since diagnosis, years.
    er_positive : array_like of bool
        ER status.
    n_stage : array_like of str
        ``N0``, ``N1-3``, ``N4-9`` or ``N10+``.
    on_endocrine : array_like of bool
        Whether the patient takes endocrine therapy at that time.
    """
    years = np.asarray(years, dtype=np.float64)
    n_stage = np.asarray(n_stage, dtype=np.str_)  # fixed-width text: vectorised comparisons below
    base = np.zeros(np.broadcast_shapes(years.shape, n_stage.shape))
    for stage, symbol in NODE_RATE.items():
        base = np.where(n_stage == stage, values[symbol], base)
    base = np.where(np.asarray(er_positive, dtype=bool), base, base * values["locoregional_fold_er_negative"])
    endocrine = np.where(np.asarray(on_endocrine, dtype=bool), 1.0 - values["endocrine_local_reduction"], 1.0)
    return base * _band_ratio(values, years) * endocrine


def _band_ratio(values: Mapping[str, float], years: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the locoregional hazard at ``years`` relative to years 0–5: 1, ``r_5`` or ``r_10``."""
    first, second = BAND_EDGES_YEARS
    late = np.where(
        years < second, values["locoregional_ratio_years_5_10"], values["locoregional_ratio_after_10_years"]
    )
    return np.where(years < first, 1.0, late)


def contralateral_hazard(
    values: Mapping[str, float], *, er_positive: ArrayLike, on_endocrine: ArrayLike = False
) -> NDArray[np.float64]:
    """Return the contralateral breast cancer hazard (per year), constant in time since diagnosis."""
    er_positive = np.asarray(er_positive, dtype=bool)
    base = np.where(
        er_positive, values["contralateral_per_year_er_positive"], values["contralateral_per_year_er_negative"]
    )
    endocrine = np.where(np.asarray(on_endocrine, dtype=bool), 1.0 - values["endocrine_local_reduction"], 1.0)
    return base * endocrine


def local_event_times(
    values: Mapping[str, float],
    *,
    seed: int,
    ids: ArrayLike,
    er_positive: ArrayLike,
    n_stage: ArrayLike,
    endocrine_years: ArrayLike,
    followup_years: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw each patient's first locoregional recurrence and contralateral breast cancer (module docstring).

    Parameters
    ----------
    values : mapping of str to float
        ``patients_natural_history`` values by symbol.
    seed : int
        Cohort seed.
    ids : array_like of int
        Patient ids (the draws of patient ``i`` depend only on ``seed`` and ``i``).
    er_positive, n_stage : array_like
        Covariates of each patient.
    endocrine_years : array_like of float
        Years of endocrine therapy from diagnosis (0 for none; only ER+ patients take it).
    followup_years : float
        Follow-up from diagnosis, years.

    Returns
    -------
    locoregional_years, contralateral_years : numpy.ndarray
        Event times in years since diagnosis; NaN when none within follow-up.
    """
    ids = np.asarray(ids, dtype=np.int64)
    er_positive = np.asarray(er_positive, dtype=bool)
    endocrine = np.where(er_positive, np.asarray(endocrine_years, dtype=np.float64), 0.0)
    u = agent_uniforms(seed, ids, 0, 2, stream=LOCAL_STREAM)
    edges = _pieces(endocrine)
    start = edges[:, :-1]
    kept = 1.0 - values["endocrine_local_reduction"]
    on_endocrine = np.where(start < endocrine[:, np.newaxis], kept, 1.0)
    early = locoregional_hazard(values, years=0.0, er_positive=er_positive, n_stage=n_stage)
    rates = early[:, np.newaxis] * _band_ratio(values, start) * on_endocrine
    locoregional = piecewise_exponential_times(u[:, 0], edges, rates)
    # contralateral: rate a (1 - eps) until the end of endocrine therapy E, then a
    rate = contralateral_hazard(values, er_positive=er_positive)
    target = -np.log1p(-u[:, 1])
    during = rate * kept * endocrine
    with np.errstate(divide="ignore"):
        contralateral = np.where(target <= during, target / (rate * kept), endocrine + (target - during) / rate)
    return tuple(np.where(t <= followup_years, t, np.nan) for t in (locoregional, contralateral))
