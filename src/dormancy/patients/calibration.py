"""Target cohorts, the calibration distance, and ABC-SMC calibration of the free natural-history parameters.

Target cohorts mimic the populations behind the calibration targets (:func:`target_cohorts`):

- ``colleoni``: IBCSG trials I-V, randomised 1978-85 (Colleoni 2016): no endocrine therapy (``endocrine_years``
  0; a minority had about a year of tamoxifen or ovarian ablation, neglected), chemotherapy for node-positive
  patients (CMF era; trial V's single perioperative cycle for node-negative patients neglected); node status
  ~31 % N0 (trial V's 1,275 node-negative of 4,105), the rest split as the default node-positive mix.
- ``pan_<stratum>``: Pan 2017 (EBCTCG), ER+ only, 5 years of endocrine therapy, chemotherapy for node-positive
  patients, one cohort per T/N stratum; the statistic conditions on being recurrence-free at 5 years.
- ``braun``: Braun 2005's pooled stage I-III cohort: the default population and care.

The calibration (:func:`calibrate`) runs pyabc's ABC-SMC over :data:`dormancy.patients.parameters.FREE_PARAMETERS`
with priors from their registry records (a log-uniform prior is sampled as a uniform prior on ``log10``), the
summary statistic the vector of tolerance-normalised deviations of every target (:meth:`Target.deviation`), and
the distance their root mean square (``|d| <= 1`` for each target is "within"; an RMS below 1 does not guarantee
every target is within, the report checks each).

Reproducibility: each particle's cohorts use a seed derived from the base seed and the exact parameter values, so
a given parameter vector always gives the same statistics. pyabc draws proposals and perturbations from NumPy's
legacy global random state, so :func:`calibrate` seeds it (the only global seeding in the package; pyabc offers
no Generator argument). With the single-core sampler (the default) a run is bit-reproducible for a given seed,
package versions and budget. Not bit-reproducible: runs with pyabc's multi-process samplers (particles are
accepted in completion order), and runs resumed from the database (the global random state is not stored).
"""

from __future__ import annotations

import logging
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dormancy._optional import require_optional
from dormancy.params import load_registry
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec
from dormancy.patients.summaries import PAN_STRATA, summarise
from dormancy.patients.targets import Target, load_targets
from dormancy.provenance import Environment

__all__ = [
    "CalibrationResult",
    "Simulator",
    "calibrate",
    "distance",
    "load_calibration",
    "posterior_summary",
    "prior_bounds",
    "simulate_targets",
    "target_cohorts",
]

#: ``simulator(spec, seed, parameters) -> per-patient table``; the default runs the patient simulator.
Simulator = Callable[[CohortSpec, int, Mapping[str, float]], pd.DataFrame]

COLLEONI_NODES = {"N0": 0.31, "N1-3": 0.38, "N4-9": 0.19, "N10+": 0.12}
#: Cohorts that are another cohort's patients under other care (arms of a comparison): they share its seed.
SAME_PATIENTS: dict[str, str] = {"ebctcg_tamoxifen": "ebctcg_control"}
DEVIATION_CAP = 10.0


def target_cohorts(*, n_patients: int = 4000) -> dict[str, CohortSpec]:
    """Return the cohorts that mimic each target's source population (see the module docstring).

    Parameters
    ----------
    n_patients : int
        Size of the ``colleoni`` and ``braun`` cohorts; each of the four ``pan_<stratum>`` cohorts has half.
    """
    cohorts = {
        "colleoni": CohortSpec(
            n_patients,
            followup_years=20.0,
            population=PopulationSpec(n_stage_fractions=COLLEONI_NODES),
            care=CareSpec(chemotherapy="node_positive", endocrine_years=0.0),
        )
    }
    for stratum in PAN_STRATA:
        t_stage, n_stage = stratum[:2], stratum[2:]
        cohorts[f"pan_{stratum}"] = CohortSpec(
            max(n_patients // 2, 1),
            followup_years=20.0,
            population=PopulationSpec.only(er_positive=True, t_stage=t_stage, n_stage=n_stage),
            care=CareSpec(chemotherapy="node_positive", endocrine_years=5.0),
        )
    cohorts["braun"] = CohortSpec(n_patients, followup_years=20.0)
    for arm, years in (("control", 0.0), ("tamoxifen", 5.0)):
        cohorts[f"ebctcg_{arm}"] = CohortSpec(
            n_patients,
            followup_years=20.0,
            population=PopulationSpec.only(er_positive=True),
            care=CareSpec(chemotherapy="node_positive", endocrine_years=years),
        )
    return cohorts


def _simulate_cohort(
    spec: CohortSpec, seed: int, parameters: Mapping[str, float], environment: Environment | None = None
) -> pd.DataFrame:
    from dormancy.patients.cohort import simulate_cohort

    return simulate_cohort(spec, seed=seed, parameters=dict(parameters) or None, environment=environment).table


def _cohort_seed(seed: int, index: int, parameters: Mapping[str, float]) -> int:
    """Return a seed that depends on the base seed, the cohort and the exact parameter values (IEEE bits) only."""
    words = [seed, index]
    for name in sorted(parameters):
        words.extend(struct.unpack("<2I", struct.pack("<d", float(parameters[name]))))
    return int(np.random.SeedSequence(words).generate_state(1, np.uint64)[0] >> np.uint64(1))


def simulate_targets(
    parameters: Mapping[str, float] | None = None,
    *,
    seed: int,
    n_patients: int = 4000,
    simulator: Simulator | None = None,
) -> dict[str, pd.DataFrame]:
    """Run every target cohort and return the per-patient tables by cohort name.

    Parameters
    ----------
    parameters : mapping of str to float, optional
        Overrides by registry record name (the shipped values otherwise).
    seed : int
        Base seed; cohort ``i`` uses a seed derived from it, ``i`` and the parameter values.
    n_patients : int
        Cohort size (see :func:`target_cohorts`).
    simulator : callable, optional
        ``simulator(spec, seed, parameters) -> table``; the patient simulator by default.
    """
    if simulator is None:
        environment = Environment.here()  # once for all cohorts: it runs git and reads package metadata

        def run(spec, seed, parameters):
            return _simulate_cohort(spec, seed, parameters, environment)

    else:
        run = simulator
    parameters = dict(parameters or {})
    cohorts = target_cohorts(n_patients=n_patients)
    order = {name: index for index, name in enumerate(cohorts)}
    # the arms of a comparison share their patients (common random numbers): the same seed
    return {
        name: run(spec, _cohort_seed(seed, order[SAME_PATIENTS.get(name, name)], parameters), parameters)
        for name, spec in cohorts.items()
    }


def deviations(stats: Mapping[str, float], targets: tuple[Target, ...] | None = None) -> np.ndarray:
    """Tolerance-normalised deviation of every target, capped at ``±DEVIATION_CAP`` (NaN statistics: the cap)."""
    targets = load_targets() if targets is None else targets
    values = [
        t.tolerance.deviation(t.published, float(stats.get(t.statistic, math.nan)), missing=DEVIATION_CAP)
        for t in targets
    ]
    return np.clip(np.asarray(values, float), -DEVIATION_CAP, DEVIATION_CAP)


def distance(stats: Mapping[str, float], targets: tuple[Target, ...] | None = None) -> float:
    """Root mean square of the tolerance-normalised deviations: ``sqrt(mean_i d_i^2)`` over all targets."""
    return float(np.sqrt(np.mean(deviations(stats, targets) ** 2)))


def prior_bounds(names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return the calibration's priors from the registry: one row per free parameter.

    Returns
    -------
    pandas.DataFrame
        Index: registry name; columns ``distribution``, ``low``, ``high``, ``unit``, ``value`` (shipped),
        ``scale`` (``"log10"`` for a log-uniform prior, sampled uniformly in ``log10``; ``"linear"`` otherwise).
    """
    from dormancy.patients.parameters import FREE_PARAMETERS

    registry = load_registry()
    rows = {}
    for name in FREE_PARAMETERS if names is None else names:
        record = registry.parameter(name)
        rows[name] = {
            "distribution": record.prior.distribution,
            "low": record.prior.low,
            "high": record.prior.high,
            "unit": record.unit,
            "value": record.value,
            "scale": "log10" if record.prior.distribution == "loguniform" else "linear",
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _abc_key(name: str) -> str:
    return name.split(".", 1)[1]


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Parameters
    ----------
    summary : pandas.DataFrame
        Posterior per parameter (see :func:`posterior_summary`).
    generations : pandas.DataFrame
        Per generation: ``t``, ``epsilon``, ``samples`` (simulations), ``particles`` (accepted) and ``acceptance``.
    database : str
        The pyabc SQLite database (resumable).
    """

    summary: pd.DataFrame
    generations: pd.DataFrame
    database: str


class _ProgressHandler(logging.Handler):
    """Forward pyabc's per-generation log lines (threshold, acceptance) to a progress callback."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(("t: ", "Accepted:", "Stop:")):
            self.progress(message)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(np.interp(q, cumulative, values)) for q in quantiles]


def posterior_summary(history, priors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summarise the last generation of a pyabc history.

    Returns
    -------
    summary : pandas.DataFrame
        Index: registry name; ``median``, ``q05``, ``q95`` (weighted quantiles, in the parameter's unit), ``unit``,
        ``prior_low``, ``prior_high``, ``shipped`` (value before calibration).
    generations : pandas.DataFrame
        ``t``, ``epsilon``, ``samples``, ``particles``, ``acceptance`` (particles / samples).
    """
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    weights = np.asarray(weights, float)
    rows = {}
    for name, prior in priors.iterrows():
        values = frame[_abc_key(name)].to_numpy(float)
        if prior["scale"] == "log10":
            values = 10.0**values
        median, q05, q95 = _weighted_quantiles(values, weights, (0.5, 0.05, 0.95))
        rows[name] = {
            "median": median,
            "q05": q05,
            "q95": q95,
            "unit": prior["unit"],
            "prior_low": prior["low"],
            "prior_high": prior["high"],
            "shipped": prior["value"],
        }
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    generations = pd.DataFrame(
        {
            "t": populations["t"].to_numpy(int),
            "epsilon": populations["epsilon"].to_numpy(float),
            "samples": populations["samples"].to_numpy(int),
            "particles": populations["particles"].to_numpy(int),
        }
    )
    generations["acceptance"] = generations["particles"] / generations["samples"]
    return pd.DataFrame.from_dict(rows, orient="index"), generations


def calibrate(
    *,
    database: str | Path,
    seed: int = 20_260_611,
    population_size: int = 40,
    generations: int = 6,
    minimum_epsilon: float = 0.5,
    n_patients: int = 2000,
    names: tuple[str, ...] | None = None,
    simulator: Simulator | None = None,
    targets: tuple[Target, ...] | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit the free parameters to every target with pyabc ABC-SMC.

    Parameters
    ----------
    database : str or Path
        SQLite file for pyabc's history; with ``resume`` an existing run there continues.
    seed : int
        Seeds pyabc's (global, legacy) random state and the cohorts.
    population_size, generations : int
        Particles per generation and the maximum number of generations.
    minimum_epsilon : float
        Stop when the RMS-deviation threshold falls below this.
    n_patients : int
        Target cohort size per particle (small: the statistics are noisy, the report checks at a larger size).
    names : tuple of str, optional
        Registry names to fit (``FREE_PARAMETERS`` by default).
    simulator : callable, optional
        Replaces the patient simulator (tests use a synthetic one).
    targets : tuple of Target, optional
        The targets in the distance (all shipped targets by default).
    resume : bool
        Continue the run stored in ``database`` (not bit-identical to an uninterrupted run).
    progress : callable, optional
        Called with a line of text after each generation.

    Returns
    -------
    CalibrationResult
    """
    pyabc = require_optional("pyabc")
    from pyabc.sampler import SingleCoreSampler

    priors = prior_bounds(names)
    targets = load_targets() if targets is None else targets
    distributions = {}
    for name, prior in priors.iterrows():
        low, high = (
            (math.log10(prior["low"]), math.log10(prior["high"]))
            if prior["scale"] == "log10"
            else (prior["low"], prior["high"])
        )
        distributions[_abc_key(name)] = pyabc.RV("uniform", low, high - low)
    scales = dict(priors["scale"])

    def model(particle: Mapping[str, float]) -> dict[str, np.ndarray]:
        values = {}
        for name, scale in scales.items():
            value = float(particle[_abc_key(name)])
            value = 10.0**value if scale == "log10" else value
            values[name] = min(max(value, priors.loc[name, "low"]), priors.loc[name, "high"])  # ulps of 10**log10
        tables = simulate_targets(values, seed=seed, n_patients=n_patients, simulator=simulator)
        return {"deviation": deviations(summarise(tables), targets)}

    def rms(simulated: Mapping[str, np.ndarray], _observed: Mapping[str, np.ndarray]) -> float:
        return float(np.sqrt(np.mean(np.asarray(simulated["deviation"]) ** 2)))

    caller_random_state = np.random.get_state()  # noqa: NPY002  (restored below: no state leaks to the caller)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (pyabc samples from NumPy's legacy global state only)
    abc = pyabc.ABCSMC(
        model,
        pyabc.Distribution(**distributions),
        rms,
        population_size=population_size,
        sampler=SingleCoreSampler(),
    )
    url = f"sqlite:///{Path(database).resolve()}"
    if resume:
        abc.load(url, 1)
    else:
        abc.new(url, {"deviation": np.zeros(len(targets))})
    handler = _ProgressHandler(progress) if progress is not None else None
    logger = logging.getLogger("ABC")
    if handler is not None:
        logger.addHandler(handler)
    try:
        history = abc.run(max_nr_populations=generations, minimum_epsilon=minimum_epsilon)
    finally:
        np.random.set_state(caller_random_state)  # noqa: NPY002
        if handler is not None:
            logger.removeHandler(handler)
    summary, schedule = posterior_summary(history, priors)
    return CalibrationResult(summary, schedule, str(database))


def load_calibration(database: str | Path, names: tuple[str, ...] | None = None) -> CalibrationResult:
    """Summarise the last completed generation stored in a pyabc database (e.g. of a run stopped early).

    Parameters
    ----------
    database : str or Path
        The SQLite file written by :func:`calibrate`.
    names : tuple of str, optional
        The registry names that run fitted (``FREE_PARAMETERS`` by default).
    """
    pyabc = require_optional("pyabc")

    path = Path(database)
    if not path.is_file():
        raise FileNotFoundError(f"no pyabc database at {path}")
    history = pyabc.History(f"sqlite:///{path.resolve()}")
    summary, schedule = posterior_summary(history, prior_bounds(names))
    return CalibrationResult(summary, schedule, str(database))
