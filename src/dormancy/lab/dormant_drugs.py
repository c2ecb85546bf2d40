r"""Hydroxychloroquine and mTOR inhibition against dormant cells in mice: the preclinical drug experiments.

Two kinds of published mouse experiment constrain how hard the CLEVER drugs hit a dormant cell:

* **Vera-Ramirez et al. 2018** (Nat Commun 9:1944, review [78]; D2.0R cells, dormant in the lung for about four
  months): pharmacological (hydroxychloroquine, HCQ) or genetic (ATG7) inhibition of autophagy *during dormancy*
  significantly decreased dormant-cell survival and metastatic burden in vivo, with minimal effect once the cells had
  become proliferative (abstract and highlights, seen).
* **The Chodosh-lab residual-tumour-cell (RTC) models** (DeMichele et al. 2025, preclinical part of the abstract,
  seen; Dwyer et al. 2024): in mice harbouring dormant RTCs, mTOR inhibition (rapamycin or everolimus) alone or with
  autophagy inhibition (chloroquine or HCQ) decreased RTC burden and improved recurrence-free survival *in a
  duration-dependent manner*; RTC number was inversely related to recurrence-free survival.

``mouse-dormant-drugs`` replays them through the model's own chain, with nothing fitted inside it:

1. **Mouse PK** (set ``lab_mouse_drugs``): the human drug (:func:`dormancy.pkpd.load_drug`: its potencies, which are
   the species-independent part) with the mouse's volume, half-life and bioavailability, dosed once a day at the
   experiment's mg/kg (:func:`mouse_drugs`); plasma for HCQ, blood for the rapalog, as in the human records.
2. **Target inhibition**: the Emax/Hill effects of :mod:`dormancy.pkpd` on ``autophagy_inhibition`` and
   ``mtor_inhibition``, averaged over each day (8 samples a day, as the patient regimen does).
3. **The switch**: a dormant ER− cell in the lumped "other organ" niche (lung, mammary fat pad; no bone signal)
   relaxed to steady state under the two effects (:func:`extra_death_rate`: its apoptosis rate minus the untreated
   one, plus the flux-block death of :func:`dormancy.signalling.autophagy_block_death`, per day; computed on a grid
   of effects and interpolated bilinearly).
4. **Survival**: a dormant cell survives the course with probability
   :math:`S = \exp(-\sum_{\text{days}} h_{drug}(E_{aut}, E_{mTOR}))`; the drug's extra death is added unscaled, as
   in the patient kernel (:mod:`dormancy.coupling.tables`). Every arm also loses cells at the background rate of
   the patient bridge (``dormant_death_scale`` × the switch's untreated death), which cancels in the ratio to
   vehicle.

Each mouse starts with a Poisson number of dormant cells (mean ``cells_per_mouse``); mouse :math:`i` has the same
starting number in every arm (common random numbers), and the survivors of each arm and duration are binomial draws
from their own stream. Readouts are the experiments' own: dormant cells (or RTCs) per mouse, and per arm the mean
over vehicle's mean (``relative_to_vehicle``), which is what :data:`EXPERIMENTS` states targets for.

The papers' figures (means, spreads, group sizes) could **not** be read in this work (searched again 2026-12-07,
sources and queries in each :class:`Experiment`'s ``spread``). Each tolerance is therefore derived, with the maths
of :func:`largest_significant_ratio`, from what *was* reported — a significant decrease — and a recorded
:class:`SignificanceReading` (the design range it is read against, an assumption): the upper bound is the largest
ratio to vehicle that any design in that range could have called significant, the lower bound that the cells were
decreased, not eliminated. Replace them with the figures' numbers when read; ``tools/fit_drug_potency.py`` refits
from them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from dormancy.bone.marrow import BONE_SIGNALS
from dormancy.coupling import niche_inputs
from dormancy.coupling.vocabulary import NICHE_LEVEL_INPUTS
from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register
from dormancy.params import load_registry, registry_cache
from dormancy.pkpd import Drug, RouteEntry, load_drug, simulate_pk, target_effects
from dormancy.pkpd.schedule import DoseSchedule
from dormancy.signalling import (
    DORMANT_PREPARATION,
    autophagy_block_death,
    fate_rates,
    load_switch,
    steady_states,
)

__all__ = [
    "ARMS",
    "EXPERIMENTS",
    "QUICK_OPTIONS",
    "SET_NAME",
    "Experiment",
    "MouseDormantDrugOptions",
    "SignificanceReading",
    "Target",
    "arm_exposure",
    "extra_death_rate",
    "largest_significant_ratio",
    "model_relative_to_vehicle",
    "mouse_drugs",
    "run_dormant_drugs",
    "summary",
]

#: Registry set of the mouse doses and PK.
SET_NAME = "lab_mouse_drugs"
PATIENT_SET = "patients_natural_history"
#: Arms: name → (HCQ given, mTOR inhibitor given).
ARMS: Mapping[str, tuple[bool, bool]] = {
    "vehicle": (False, False),
    "hcq": (True, False),
    "mtor": (False, True),
    "hcq+mtor": (True, True),
}
#: PK samples per day (the daily effect is their mean).
SAMPLES_PER_DAY = 8
#: Points per axis of the switch's (autophagy, mTOR) inhibition grid.
GRID = 41
#: Stream of the survivor draws (the starting numbers use replicate_generator(seed, mouse)).
SURVIVAL_STREAM = 0x5D7D
POTENCY_SYMBOLS: tuple[str, ...] = (
    "autophagy_inhibition_emax",
    "autophagy_inhibition_ec50",
    "autophagy_inhibition_hill",
    "mtor_inhibition_emax",
    "mtor_inhibition_ec50",
    "mtor_inhibition_hill",
)


def largest_significant_ratio(mice_per_arm: int, cv: float, *, alpha: float = 0.05) -> float:
    r"""Return the largest treated/vehicle ratio of mean counts that a two-sample t-test calls a significant decrease.

    Counts per mouse with the same coefficient of variation :math:`c` in both arms (SD proportional to the mean),
    :math:`n` mice per arm, vehicle mean 1 and treated mean :math:`r`: the pooled standard error of the difference is
    :math:`c\sqrt{(1 + r^2)/n}`, and the decrease is significant (two-sided, level :math:`\alpha`, :math:`2n - 2`
    degrees of freedom) when

    .. math:: 1 - r \ge t_{1-\alpha/2,\,2n-2}\, c \sqrt{(1 + r^2)/n}.

    With :math:`k = t_{1-\alpha/2,\,2n-2}\, c / \sqrt{n}` and :math:`q = 1 - k^2`, squaring gives
    :math:`q r^2 - 2 r + q = 0`, whose root below 1 is

    .. math:: r^* = \frac{1 - \sqrt{1 - q^2}}{q},

    the largest significant ratio (every :math:`r \le r^*` is significant). When :math:`k \ge 1` not even
    :math:`r = 0` is significant: NaN.

    Parameters
    ----------
    mice_per_arm : int
        Mice per arm, :math:`n \ge 2`.
    cv : float
        Coefficient of variation of the count per mouse, > 0.
    alpha : float, optional
        Two-sided significance level.

    Returns
    -------
    float
        :math:`r^*` in [0, 1), or NaN.
    """
    from scipy.stats import t as student_t

    k = float(student_t.ppf(1.0 - alpha / 2.0, 2 * mice_per_arm - 2)) * cv / np.sqrt(mice_per_arm)
    q = 1.0 - k * k
    if q <= 0.0:
        return float("nan")
    return float((1.0 - np.sqrt(1.0 - q * q)) / q)


@dataclass(frozen=True)
class SignificanceReading:
    """The design a reported significant decrease is read against when no spread could be read (an assumption).

    Parameters
    ----------
    mice_per_arm : tuple of int
        Range of mice per arm considered (inclusive).
    cv : tuple of float
        Range of the per-mouse coefficient of variation considered.
    alpha : float
        Two-sided significance level of the report.
    floor : float
        Lower bound of the ratio: "decreased, not eliminated" (metastases or recurrences still arose).
    source : str
        What the reading rests on.
    """

    mice_per_arm: tuple[int, int]
    cv: tuple[float, float]
    alpha: float
    floor: float
    source: str

    def high(self) -> float:
        """Return the upper bound: the largest significant ratio over the design range.

        :func:`largest_significant_ratio` grows with the mice per arm and falls with the CV, so the maximum over the
        range is at the most mice and the smallest CV; any larger ratio would not have been significant whatever
        the design in the range.
        """
        return largest_significant_ratio(self.mice_per_arm[1], self.cv[0], alpha=self.alpha)


#: The reading of "significantly decreased" shared by the experiments whose figures could not be read.
SIGNIFICANT_DECREASE = SignificanceReading(
    mice_per_arm=(5, 10),
    cv=(0.5, 1.0),
    alpha=0.05,
    floor=0.05,
    source=(
        "assumed: mouse cohorts of 5-10 per arm and a per-mouse CV of the cell count of 0.5-1, typical of such"
        " experiments; two-sided 5 %; decreased, not eliminated (metastases / recurrences still arose), hence"
        " >= 0.05. None of these was read in the papers."
    ),
)


@dataclass(frozen=True)
class Target:
    """What an experiment reported for one arm and duration, as an interval of the ratio to vehicle.

    Parameters
    ----------
    arm : str
        Key of :data:`ARMS`.
    days : float
        Treatment duration, days.
    low, high : float
        Interval of dormant cells (RTCs) per mouse relative to vehicle that the report implies (the tolerance).
    note : str
        What was seen and how the interval follows from it.
    reading : SignificanceReading, optional
        The reading ``high`` (and, unless one-sided, ``low``) is derived from, when no spread was read.
    """

    arm: str
    days: float
    low: float
    high: float
    note: str
    reading: SignificanceReading | None = None

    @property
    def centre(self) -> float:
        """Geometric centre of the interval (the fit's point target)."""
        return float(np.sqrt(self.low * self.high))


def _significant_decrease(arm: str, days: float, note: str, *, one_sided: bool = False) -> Target:
    """Return the target of a reported significant decrease (:data:`SIGNIFICANT_DECREASE`)."""
    reading = SIGNIFICANT_DECREASE
    return Target(arm, days, 0.0 if one_sided else reading.floor, reading.high(), note, reading)


@dataclass(frozen=True)
class Experiment:
    """A preclinical experiment: its design, what was seen, and the targets it implies.

    Parameters
    ----------
    key, title : str
        Name (the protocol's ``experiment`` option) and a one-line description.
    citation : tuple of str
        Bibliography keys.
    system : str
        Cells, host and site.
    arms : tuple of str
        Arms (keys of :data:`ARMS`), vehicle first.
    durations_days : tuple of float
        Treatment durations compared.
    readout, unit : str
        The experiment's readout and its unit.
    seen : str
        What the source says (read in this work), verbatim in substance.
    design_note : str
        Which design numbers are assumptions (not read).
    targets : tuple of Target
        Intervals of the ratio to vehicle.
    spread : str
        The reported spread (SD/SEM, mice per group) the tolerance rests on, with where it was looked for; says
        when only an abstract was available and the tolerance is derived from the reported significance instead
        (each target's ``reading``).
    """

    key: str
    title: str
    citation: tuple[str, ...]
    system: str
    arms: tuple[str, ...]
    durations_days: tuple[float, ...]
    readout: str
    unit: str
    seen: str
    design_note: str
    targets: tuple[Target, ...]
    spread: str = ""


_SIGNIFICANT = (
    "A significant decrease (two-sided 5 %) in mouse cohorts of 5-10 per arm with a per-mouse CV of 0.5-1 needs a"
    " ratio to vehicle of at most largest_significant_ratio(10, 0.5) = 0.61 (the most lenient design in the range);"
    " the cells were decreased, not eliminated (metastases still arose), hence at least 0.05. Both bounds are this"
    " reading of the reported significance (SIGNIFICANT_DECREASE), not numbers read from the figures."
)

#: Where the figures were looked for (2026-12-07), shared by the experiments' ``spread``.
_SEARCHED = (
    " Searched with the project's search tool: the 'pages' corpus (about 25 queries on the figure legends, methods,"
    " doses, 'mean ± s.e.m.', 'mice per group', HCQ/chloroquine, rapamycin/everolimus, D2.0R, ATG7, residual tumour"
    " cells) returns only the opening of each stored page; nature.com figure pages (/figures/N) are stored for other"
    " Nat Commun articles but not for this one; the 'code' and 'docs' corpora and exact-string look-ups over public"
    " GitHub files ('D2.0R', 'D2.0 R cells', 'PMC5964069', 's41467-018-04070-6', 's13058-024-01878-7',"
    " 'Vera-Ramirez', 'Chodosh', 'residual tumor cells') found no copy of the papers' text, figure source data or"
    " supplementary tables. PMC, Europe PMC, bioRxiv and the publishers' sites are not reachable live from this work."
)

EXPERIMENTS: Mapping[str, Experiment] = {
    "vera-ramirez-2018": Experiment(
        key="vera-ramirez-2018",
        title="HCQ during dormancy kills dormant D2.0R cells in the lung (Vera-Ramirez 2018)",
        citation=("review:78", "biocentury2018"),
        system="D2.0R mouse mammary cells (ER−) dormant in the lungs of BALB/c mice",
        arms=("vehicle", "hcq"),
        durations_days=(28.0,),
        readout="dormant_cells",
        unit="dormant cells per mouse",
        seen=(
            "Pharmacologic or genetic inhibition of autophagy in dormant breast cancer cells significantly decreased"
            " cell survival and metastatic burden in 3D in vitro and in vivo models; minimal effect once the cells"
            " were proliferative; D2.0R cells stay dormant in the lung for about four months (abstract, highlights)."
        ),
        design_note=(
            "Dose (60 mg/kg/day i.p.) and duration (28 days during dormancy) are assumptions: the methods were not"
            " read. A secondary summary (BioCentury, 2018-05-30, https://www.biocentury.com/bc-innovations/"
            "distillery-therapeutics/2018-05-30/cancer-1, seen) says HCQ or shRNA against ATG7 given *during cell"
            " seeding* decreased lung tumour burden vs vehicle or scrambled shRNA, whereas HCQ started one week after"
            " seeding did not: the in-vivo HCQ arm treated from seeding (dose, duration and readout timing not"
            " given), so a 28-day course on established dormant cells may not be the experiment's schedule."
        ),
        targets=(_significant_decrease("hcq", 28.0, _SIGNIFICANT),),
        spread=(
            "Not reported in what could be read: the stored copies of Vera-Ramirez et al. 2018 (Nat Commun 9:1944;"
            " PMC5964069, https://pmc.ncbi.nlm.nih.gov/articles/PMC5964069, doi 10.1038/s41467-018-04070-6) hold the"
            " abstract, highlights and the opening of the introduction only; no figure values (mean, SD/SEM), mice per"
            " group, HCQ dose or schedule." + _SEARCHED + " The tolerance is therefore derived from the reported"
            " significance (SIGNIFICANT_DECREASE, largest_significant_ratio), not from a spread."
        ),
    ),
    "chodosh-rtc": Experiment(
        key="chodosh-rtc",
        title="mTOR and autophagy inhibition of dormant residual tumour cells, 1 vs 3 months (Chodosh lab)",
        citation=("demichele2025", "dwyer2024"),
        system="dormant residual tumour cells after oncogene withdrawal, mammary gland of transgenic mice (ER−)",
        arms=("vehicle", "hcq", "mtor", "hcq+mtor"),
        durations_days=(30.0, 90.0),
        readout="residual_tumour_cells",
        unit="RTCs per mouse",
        seen=(
            "In mice harbouring dormant RTCs, inhibition of mTOR alone or in combination with autophagy inhibition"
            " decreased RTC burden and improved recurrence-free survival in a duration-dependent manner; RTC number"
            " was strongly and inversely correlated with recurrence-free survival (DeMichele 2025, abstract)."
        ),
        design_note=(
            "Drugs as HCQ 60 mg/kg/day and a rapalog 4 mg/kg/day (everolimus-equivalent); 1 and 3 months stand for"
            " 'transient versus chronic'; all assumptions (the methods were not read)."
        ),
        targets=(
            _significant_decrease("mtor", 90.0, _SIGNIFICANT + " Read for chronic (3-month) mTOR inhibition alone."),
            _significant_decrease(
                "hcq+mtor",
                90.0,
                "Chronic combination: decreased RTC burden (abstract); at least as low as mTOR inhibition alone"
                " (tested as a direction), so no lower bound; upper bound as " + _SIGNIFICANT,
                one_sided=True,
            ),
        ),
        spread=(
            "Not reported in what could be read: DeMichele et al. 2025 (Nat Med 31:3464, doi"
            " 10.1038/s41591-025-03877-3) only as its abstract (arxivlens.com, m.booksci.cn: preclinical part without"
            " numbers; the trial part gives CLEVER's outcomes, never used here) and lay summaries without preclinical"
            " numbers (kelbyskorner.com, scienceblog.com, cancer-digest.com; ascopost.com on ESMO 2023 abstract"
            " 244MO); Dwyer et al. 2024 (Breast Cancer Res, doi 10.1186/s13058-024-01878-7) only as the background of"
            " its abstract (bohrium.dp.tech) and a secondary paraphrase in a public GitHub note (chloroquine, ATG5/ATG7"
            " knockdown or BECN1 deletion kill dormant tumour cells in vivo; qualitative, not verified, not used). No"
            " RTC counts, SD/SEM, mice per group, doses or durations." + _SEARCHED + " The tolerances are therefore"
            " derived from the reported significance (SIGNIFICANT_DECREASE, largest_significant_ratio), not from a"
            " spread."
        ),
    ),
}


class MouseDormantDrugOptions(BaseModel):
    """Options of ``mouse-dormant-drugs``."""

    model_config = ConfigDict(extra="forbid")

    experiment: Literal["vera-ramirez-2018", "chodosh-rtc"] = Field(
        "chodosh-rtc", description="Which published experiment to replay (its arms and durations)"
    )
    mice_per_arm: int = Field(10, ge=1, le=1000, description="Mice per arm")
    cells_per_mouse: float = Field(200.0, gt=0.0, le=1e6, description="Mean dormant cells per mouse at the start")
    hcq_dose_mg_per_kg: float | None = Field(
        None, gt=0.0, le=200.0, description="HCQ dose, mg/kg/day (default: the lab_mouse_drugs record)"
    )
    mtor_dose_mg_per_kg: float | None = Field(
        None, gt=0.0, le=50.0, description="Rapalog dose, mg/kg/day (default: the lab_mouse_drugs record)"
    )


#: A fast option set for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"experiment": "chodosh-rtc", "mice_per_arm": 4, "cells_per_mouse": 50.0}


def _mouse_values() -> dict[str, float]:
    return load_registry().sets[SET_NAME].values()


def mouse_drugs(
    potency: Mapping[str, float] | None = None, *, values: Mapping[str, float] | None = None
) -> dict[str, Drug]:
    """Return hydroxychloroquine and everolimus with mouse PK and the human potencies (module docstring, step 1).

    Parameters
    ----------
    potency : mapping, optional
        Replaces potency records by symbol (:data:`POTENCY_SYMBOLS`, e.g. ``autophagy_inhibition_ec50``), for a fit.
    values : mapping, optional
        The ``lab_mouse_drugs`` values (default: the registry's).

    Returns
    -------
    dict of str to Drug
        ``hydroxychloroquine`` and ``everolimus``: a 25-g mouse's volume (L), elimination (1/day) and
        bioavailability of the depot route (the intraperitoneal or oral dose, absorbed first order at the human
        rate), target effects with the human (or given) potencies.
    """
    values = dict(_mouse_values() if values is None else values)
    potency = dict(potency or {})
    weight = values["mouse_body_weight"]
    out = {}
    for name, prefix in (("hydroxychloroquine", "hydroxychloroquine"), ("everolimus", "mtor_inhibitor")):
        human = load_drug(name)
        transfers = dict(human.transfers)
        transfers[("central", "eliminated")] = np.log(2.0) / values[f"{prefix}_half_life"]
        bioavailability = values.get(f"{prefix}_bioavailability", 1.0)
        targets = tuple(
            dataclasses.replace(
                effect,
                emax=potency.get(f"{effect.target}_emax", effect.emax),
                ec50=potency.get(f"{effect.target}_ec50", effect.ec50),
                hill=potency.get(f"{effect.target}_hill", effect.hill),
            )
            for effect in human.targets
        )
        out[name] = dataclasses.replace(
            human,
            parameter_set=f"{human.parameter_set}+{SET_NAME}",
            transfers=transfers,
            volumes_l={"central": values[f"{prefix}_volume_per_kg"] * weight},
            routes={route: RouteEntry(entry.compartment, bioavailability) for route, entry in human.routes.items()},
            targets=targets,
        )
    return out


def arm_exposure(
    arm: str,
    days: float,
    *,
    drugs: Mapping[str, Drug] | None = None,
    doses_mg_per_kg: Mapping[str, float] | None = None,
    values: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return an arm's daily mean plasma (blood) concentrations and target effects over a course of ``days``.

    Columns: ``day`` (0, 1, ...), ``hcq_mg_per_l``, ``mtor_inhibitor_mg_per_l``, ``autophagy_inhibition``,
    ``mtor_inhibition`` (daily means of :data:`SAMPLES_PER_DAY` samples). Doses once a day from day 0.
    """
    values = dict(_mouse_values() if values is None else values)
    drugs = mouse_drugs(values=values) if drugs is None else drugs
    doses = {
        "hydroxychloroquine": values["hydroxychloroquine_dose"],
        "everolimus": values["mtor_inhibitor_dose"],
        **(doses_mg_per_kg or {}),
    }
    hcq, mtor = ARMS[arm]
    n_days = round(days)
    times = (np.arange(n_days * SAMPLES_PER_DAY) + 0.5) / SAMPLES_PER_DAY
    schedules = [
        DoseSchedule(name, doses[name] * values["mouse_body_weight"], interval_days=1.0, duration_days=float(n_days))
        for name, given in (("hydroxychloroquine", hcq), ("everolimus", mtor))
        if given
    ]
    effects = (
        target_effects(schedules, times, drugs=drugs)
        if schedules
        else {"autophagy_inhibition": np.zeros_like(times), "mtor_inhibition": np.zeros_like(times)}
    )

    def concentration(name: str, given: bool) -> np.ndarray:
        if not given:
            return np.zeros_like(times)
        pk = simulate_pk([s for s in schedules if s.drug == name], times, drug=drugs[name])
        return pk.driver("central", "concentration")

    def daily(x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64).reshape(n_days, SAMPLES_PER_DAY).mean(axis=1)

    return pd.DataFrame(
        {
            "day": np.arange(n_days),
            "hcq_mg_per_l": daily(concentration("hydroxychloroquine", hcq)),
            "mtor_inhibitor_mg_per_l": daily(concentration("everolimus", mtor)),
            "autophagy_inhibition": daily(effects["autophagy_inhibition"]),
            "mtor_inhibition": daily(effects["mtor_inhibition"]),
        }
    )


@registry_cache  # derived from registry values: one entry per registry override
def _death_grid(er_status: str = "negative", niche: str = "other_site") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Return the grid and, over (autophagy, mTOR) inhibition, the dormant apoptosis rate and the blocked flux.

    The switch's dormant apoptosis rate (1/day) and the blocked autophagic flux :math:`\max(0, A_0 - \mathrm{AUT})`
    (the flux-block death per unit of ``d_blk``), each ``(GRID, GRID)``.
    """
    model = load_switch(er_status)
    values = load_registry().sets[PATIENT_SET].values()
    reference = {name: values[f"niche_endosteal__{name}"] for name in NICHE_LEVEL_INPUTS}
    prepared = {k: v for k, v in {**reference, **DORMANT_PREPARATION}.items() if v}
    start = steady_states(model, model.inputs(prepared), 0.0)
    axis = np.linspace(0.0, 1.0, GRID)
    aut, mtor = np.meshgrid(axis, axis, indexing="ij")
    bone = {name: 0.0 for name in BONE_SIGNALS}
    inputs = niche_inputs(
        model,
        values,
        niche,
        bone=bone,
        il1b=np.zeros(aut.size),
        drugs={"autophagy_inhibition": aut.ravel(), "mtor_inhibition": mtor.ravel()},
    )
    states = steady_states(model, inputs, np.repeat(start, len(inputs), axis=0))
    death = fate_rates(model, states)["apoptosis_rate"].reshape(GRID, GRID)
    blocked = autophagy_block_death(model, states, inputs) / model.fate["autophagy_block_apoptosis_rate"]
    blocked = blocked.reshape(GRID, GRID)
    death.setflags(write=False)
    blocked.setflags(write=False)
    return axis, death, blocked


def extra_death_rate(
    autophagy_inhibition: np.ndarray,
    mtor_inhibition: np.ndarray,
    *,
    er_status: str = "negative",
    block_rate: float | None = None,
) -> np.ndarray:
    r"""Return the drugs' extra death rate of a dormant cell, per day.

    :math:`\max(0, h(E_{aut}, E_{mTOR}) - h(0, 0)) + d_{blk} B(E_{aut}, E_{mTOR})`: the switch's apoptosis rate at
    steady state in the "other organ" niche (no bone signal) over the untreated one, plus the flux-block death
    (:func:`dormancy.signalling.autophagy_block_death`; :math:`B` the blocked flux), as the patient tables add them.
    Both are interpolated bilinearly on a :data:`GRID` × :data:`GRID` grid of the two target effects in [0, 1].
    ``block_rate`` replaces :math:`d_{blk}` (``autophagy_block_apoptosis_rate``; default: the switch set's).
    """
    _, death, blocked = _death_grid(er_status)
    if block_rate is None:
        block_rate = load_switch(er_status).fate["autophagy_block_apoptosis_rate"]
    a = np.clip(np.asarray(autophagy_inhibition, dtype=np.float64), 0.0, 1.0) * (GRID - 1)
    m = np.clip(np.asarray(mtor_inhibition, dtype=np.float64), 0.0, 1.0) * (GRID - 1)
    i, j = np.minimum(a.astype(int), GRID - 2), np.minimum(m.astype(int), GRID - 2)
    fa, fm = a - i, m - j

    def interpolate(grid: np.ndarray) -> np.ndarray:
        return (
            grid[i, j] * (1 - fa) * (1 - fm)
            + grid[i + 1, j] * fa * (1 - fm)
            + grid[i, j + 1] * (1 - fa) * fm
            + grid[i + 1, j + 1] * fa * fm
        )

    return np.maximum(interpolate(death) - death[0, 0], 0.0) + block_rate * interpolate(blocked)


def model_relative_to_vehicle(
    arm: str,
    days: float,
    *,
    potency: Mapping[str, float] | None = None,
    doses_mg_per_kg: Mapping[str, float] | None = None,
) -> float:
    r"""Return the expected dormant cells of ``arm`` after ``days`` over vehicle's: exp(−Σ daily extra death).

    ``potency`` may also hold ``autophagy_block_apoptosis_rate`` (the switch's :math:`d_{blk}`), for a fit.
    """
    if arm == "vehicle":
        return 1.0
    potency = dict(potency or {})
    exposure = arm_exposure(arm, days, drugs=mouse_drugs(potency), doses_mg_per_kg=doses_mg_per_kg)
    hazard = extra_death_rate(
        exposure["autophagy_inhibition"].to_numpy(),
        exposure["mtor_inhibition"].to_numpy(),
        block_rate=potency.get("autophagy_block_apoptosis_rate"),
    )
    return float(np.exp(-hazard.sum()))


def _background_rate() -> float:
    values = load_registry().sets[PATIENT_SET].values()
    _, death, _ = _death_grid()
    return float(values["dormant_death_scale"] * death[0, 0])


def run_dormant_drugs(spec: MouseDormantDrugOptions, seed: int) -> LabResult:
    """Run every arm and duration of the chosen experiment on the same mice (module docstring)."""
    from dormancy.rng import replicate_generator

    experiment = EXPERIMENTS[spec.experiment]
    values = _mouse_values()
    doses = {
        "hydroxychloroquine": spec.hcq_dose_mg_per_kg or values["hydroxychloroquine_dose"],
        "everolimus": spec.mtor_dose_mg_per_kg or values["mtor_inhibitor_dose"],
    }
    drugs = mouse_drugs(values=values)
    start = np.array([replicate_generator(seed, m).poisson(spec.cells_per_mouse) for m in range(spec.mice_per_arm)])
    background = _background_rate()
    rows = []
    for d_index, days in enumerate(experiment.durations_days):
        for a_index, arm in enumerate(experiment.arms):
            exposure = arm_exposure(arm, days, drugs=drugs, doses_mg_per_kg=doses, values=values)
            hazard = extra_death_rate(
                exposure["autophagy_inhibition"].to_numpy(), exposure["mtor_inhibition"].to_numpy()
            )
            survival = float(np.exp(-hazard.sum() - background * days))
            for mouse in range(spec.mice_per_arm):
                key = (SURVIVAL_STREAM, mouse, a_index, d_index)
                draw = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
                count = int(draw.binomial(start[mouse], survival))
                rows.append(
                    dict(
                        condition=arm,
                        time_days=days,
                        mouse=mouse,
                        readout=experiment.readout,
                        value=float(count),
                        unit=experiment.unit,
                    )
                )
            means = {
                "autophagy_inhibition": (exposure["autophagy_inhibition"].mean(), "fraction"),
                "mtor_inhibition": (exposure["mtor_inhibition"].mean(), "fraction"),
                "hcq_plasma_concentration": (exposure["hcq_mg_per_l"].mean(), "mg/L"),
                "mtor_inhibitor_blood_concentration": (exposure["mtor_inhibitor_mg_per_l"].mean(), "mg/L"),
                "extra_death_rate": (hazard.mean(), "1/day"),
                "expected_relative_to_vehicle": (float(np.exp(-hazard.sum())), "ratio"),
            }
            for name, (value, unit) in means.items():
                rows.append(dict(condition=arm, time_days=days, mouse=-1, readout=name, value=float(value), unit=unit))
    table = pd.DataFrame(rows)
    registry = load_registry()
    manifest = lab_manifest(
        "mouse-dormant-drugs",
        spec,
        seed,
        parameters=[
            record.to_dict()
            for name in (SET_NAME, "pkpd_hydroxychloroquine", "pkpd_everolimus", "switch_er_negative")
            for record in registry.sets[name]
        ],
        settings={
            "experiment": experiment.key,
            "durations_days": list(experiment.durations_days),
            "doses_mg_per_kg_per_day": doses,
            "background_death_rate_per_day": background,
            "samples_per_day": SAMPLES_PER_DAY,
            "switch_grid": GRID,
            "seen": experiment.seen,
            "design_note": experiment.design_note,
            "tolerance_spread": experiment.spread,
        },
    )
    return LabResult("mouse-dormant-drugs", table, manifest, None)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Return per arm and duration: mice, mean and SD of the count per mouse, mean over vehicle's mean, and effects.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``mouse-dormant-drugs`` readouts.
    """
    counts = table[table["mouse"] >= 0]
    rows = []
    for (days, arm), group in counts.groupby(["time_days", "condition"], sort=False):
        vehicle = counts[(counts["time_days"] == days) & (counts["condition"] == "vehicle")]["value"].mean()
        extra = table[(table["mouse"] < 0) & (table["time_days"] == days) & (table["condition"] == arm)]
        effects = dict(zip(extra["readout"], extra["value"], strict=True))
        rows.append(
            dict(
                condition=arm,
                time_days=days,
                mice=len(group),
                mean=float(group["value"].mean()),
                sd=float(group["value"].std(ddof=1)) if len(group) > 1 else float("nan"),
                relative_to_vehicle=float(group["value"].mean() / vehicle) if vehicle > 0 else float("nan"),
                **effects,
            )
        )
    return pd.DataFrame(rows)


def dormant_drugs_figure(result: LabResult) -> Figure:
    """Return the dormant cells per mouse by arm and duration (bars: mean; points: mice), relative to vehicle."""
    figure = Figure(figsize=(8, 3.8), layout="constrained")
    axes = figure.subplots()
    table = summary(result.table)
    labels = [f"{row.condition}\n{row.time_days:g} d" for row in table.itertuples()]
    axes.bar(labels, table["relative_to_vehicle"], color="tab:blue", alpha=0.7)
    axes.axhline(1.0, color="grey", lw=0.8)
    axes.set(ylabel="dormant cells per mouse / vehicle", ylim=(0, 1.2), title=result.manifest.settings["experiment"])
    return figure


register(
    Protocol(
        name="mouse-dormant-drugs",
        title="HCQ and mTOR inhibition of dormant cells / residual tumour cells in mice (Vera-Ramirez 2018, Chodosh)",
        system="in vivo mouse: dormant disseminated or residual tumour cells under drugs",
        citation=("review:78", "biocentury2018", "demichele2025", "dwyer2024", "tett1988", "tanaka2008"),
        spec=MouseDormantDrugOptions,
        run=run_dormant_drugs,
        figure=dormant_drugs_figure,
    )
)
