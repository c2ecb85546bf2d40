r"""Mouse models of bone metastasis on mouse time scales: syngeneic (immune intact) and xenograft (immunodeficient).

A cohort of mice receives tumour cells by one of two deliveries (review Table 1 [176, 182, 184, 190]):

* ``intracardiac``: :math:`N_{inj}` cells into the left ventricle; :math:`\mathrm{Poisson}(f_{ic} N_{inj})` lodge in
  the imaged bones' marrow at day 0;
* ``orthotopic-resection``: :math:`N_{inj}` cells into the mammary fat pad grow as :math:`N_{inj} e^{r_p t}` until the
  primary is resected; meanwhile bone DTCs arrive at rate :math:`s_{ot}\,P(t)/10^6` per day (Poisson per day).

**Each DTC's switch.** On arrival a DTC carries the proliferating state of a circulating cell and lands in one of
the marrow niches of the patient model (endosteal, stable or sprouting perivascular, other marrow) with that model's
landing fractions; it reads the niche's input levels (``patients_natural_history`` ``niche_*`` records) plus the
mouse bone's signals (``mouse_marrow__*``: TGF-β2, BMP7, TGF-β1, osteoclast factors) times the niche's bone-signal
weight, times its own log-normal factors (cell-to-cell variability), with NK_CYTOKINES at ``mouse_nk_cytokines`` in
hosts with NK cells (syngeneic, nude) and 0 in NSG mice. Its switch is integrated for ``arrival_settle_time``
twice, from that arriving state and from a dormant preparation: the first says whether it settles dormant or awake;
together they give its rates (per day, :func:`dormancy.signalling.fate_rates`): awakening :math:`q_{out}` and death
:math:`d_D` on the dormant branch; division :math:`b`, death :math:`d_A`, re-entry :math:`q_{in}` and PD-L1 immune
evasion :math:`e` on the awake branch. Daughters inherit them.

**Immune kill** of awake (cycling) cells at :math:`\kappa = (\kappa_T [T] + \kappa_{NK} [NK])(1 - e)` with [T], [NK] 1
when the host has T or NK cells: syngeneic both, nude NK only, NSG neither (nude mice lack T cells; NSG mice lack
T, B and NK cells). Dormant cells are not killed (PD-L1 and stem-like NK resistance [82, 83]).

**Population process per DTC lineage**, daily tau-leaping with the mouse's own generator
(:func:`dormancy.rng.replicate_generator` of (seed, mouse), so mouse :math:`i` depends only on the seed and
:math:`i`): dormant cells wake with probability :math:`1 - e^{-q_{out}}` and die with :math:`1 - e^{-d_D}`; each awake
cell dies (:math:`d_A + \kappa`), else re-enters dormancy (:math:`q_{in}`), else divides (:math:`b`). A lineage of
``mouse_focus_founding_cells`` awake cells becomes a focus growing deterministically by Gompertz,
:math:`X(t + 1) = K \exp(\ln(X/K)\,e^{-\alpha})` with :math:`\alpha = (b - d_A - \kappa)/\ln(K/n_f)` (so its initial
specific rate is the lineage's net rate), and, in mice with T cells, eliminated at hazard
:math:`\kappa_f (1 - e)` per day while below ``mouse_avascular_limit`` (tumour-mass dormancy [80]).

**Readouts.** Bioluminescence of the imaged bones on imaging days: :math:`(\varphi N + B)\,\epsilon` photons/s,
:math:`N` all tumour cells there, :math:`\epsilon` a log-normal measurement factor; a mouse is detected from the first
image at or above the floor :math:`F`. Time to detectable bone metastasis (``event`` 1) or censoring at the end
(``event`` 0) — a Kaplan–Meier table (:func:`kaplan_meier`) — and DTC counts at sacrifice (dormant cells, awake single
cells, foci, all tumour cells).

**Host state.** ``ovariectomy`` and ``zoledronic_acid`` change the marrow's bone signals as the package's bone model
changes them on oestrogen loss and under the drug (Pivonka quasi-steady state, :mod:`dormancy.lab.menopause`), and
ovariectomy scales the ER input of ER+ DTCs by :math:`1 - D_{OVX}`; ``mouse-ovariectomy``
(:mod:`dormancy.lab.ovariectomy`) runs the sham/OVX × vehicle/zoledronic-acid factorial [97, 100].

**Limitations.** Both protocols use the same switch parameters (the ER status chosen), so they compare hosts, as one
line grown in immune-intact and in NSG mice would; a human line's species differences (mouse factors acting on human
receptors) are not modelled. Awakening over weeks comes mostly from DTCs that settle awake in permissive niches
(sprouting vasculature, less hypoxic marrow): the switch's dormant-branch exit rates are small on mouse time scales.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from dormancy.bone.marrow import BONE_SIGNALS
from dormancy.coupling import exposed_inputs, exposure_averaged_rates, niche_exposure
from dormancy.coupling import niche_inputs as coupling_niche_inputs
from dormancy.coupling.vocabulary import MARROW_NICHES, NICHE_NAMES
from dormancy.lab.menopause import bone_constants, host_bone_state, host_marrow_values
from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register
from dormancy.lab.tissue import SwitchCells, cell_frame, input_factors, lab_parameters, parameter_records
from dormancy.params import load_registry
from dormancy.patients.parameters import SET_NAME as PATIENT_SET
from dormancy.rng import replicate_generator
from dormancy.signalling import (
    DEFAULT_NICHE,
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    fate_rates,
    integrate_cells,
    is_dormant,
    load_switch,
    steady_states,
)

__all__ = [
    "HOSTS",
    "QUICK_OPTIONS",
    "MouseSyngeneicOptions",
    "MouseXenograftOptions",
    "kaplan_meier",
    "mouse_figure",
    "niche_inputs",
    "run_mouse",
]

#: A fast option set (a few seconds at most) for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"mice": 2, "weeks": 1.0, "injected_cells": 10_000}

#: Immune components of each host: (T cells, NK cells).
HOSTS: dict[str, tuple[bool, bool]] = {"syngeneic": (True, True), "nude": (False, True), "nsg": (False, False)}
MOUSE_ID_STRIDE = 2**20
#: Integrator tolerances of the arrival settling (only the branch and rates are read, not a trajectory).
SETTLE_RTOL, SETTLE_ATOL = 1e-4, 1e-7
#: Marrow niches a DTC lands in (the patient model's, with its landing fractions and input levels).
MARROW: tuple[str, ...] = NICHE_NAMES[:MARROW_NICHES]


class _MouseOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery: Literal["intracardiac", "orthotopic-resection"] = Field(
        "intracardiac", description="Intracardiac injection, or orthotopic (mammary fat pad) tumour then resection"
    )
    mice: int = Field(10, ge=1, le=200, description="Mice in the cohort")
    weeks: float = Field(8.0, ge=0.5, le=26.0, description="Follow-up from injection to sacrifice, weeks")
    injected_cells: int = Field(100_000, ge=1000, le=10_000_000, description="Tumour cells injected per mouse")
    resection_day: float = Field(21.0, ge=1.0, le=60.0, description="Day of primary resection (orthotopic only)")
    imaging_every_days: float = Field(7.0, ge=1.0, le=28.0, description="Bioluminescence imaging interval, days")
    er_status: Literal["negative", "positive"] = Field("negative", description="Cell line's ER status")
    mouse_estrogen: float = Field(0.5, ge=0.0, le=1.0, description="ESTROGEN input of ER+ DTCs of an intact mouse")
    ovariectomy: bool = Field(
        False, description="Ovariectomised (postmenopausal-like marrow, ER input x (1 - D)) or sham-operated host"
    )
    zoledronic_acid: bool = Field(False, description="Zoledronic acid 100 µg/kg weekly from injection, or vehicle")


class MouseSyngeneicOptions(_MouseOptions):
    """Options of ``mouse-syngeneic``: a murine line in immune-intact mice of its own strain (T and NK cells)."""


class MouseXenograftOptions(_MouseOptions):
    """Options of ``mouse-xenograft``: a human line in immunodeficient mice (nude: NK cells only; NSG: none)."""

    host: Literal["nsg", "nude"] = Field("nsg", description="Immunodeficient host: nsg (no T, B, NK) or nude (no T)")


def _arrivals(spec: _MouseOptions, values: dict[str, float], rng: np.random.Generator) -> NDArray[np.float64]:
    """Return the arrival days of one mouse's bone DTCs."""
    if spec.delivery == "intracardiac":
        return np.zeros(int(rng.poisson(spec.injected_cells * values["intracardiac_bone_fraction"])))
    days = np.arange(int(np.ceil(min(spec.resection_day, spec.weeks * 7.0))))
    primary = spec.injected_cells * np.exp(values["primary_growth_rate"] * days)
    counts = rng.poisson(values["orthotopic_seeding_rate"] * primary / 1e6)
    return np.repeat(days, counts) + rng.uniform(0.0, 1.0, int(counts.sum()))


def niche_inputs(switch, niche: str, host: str, spec: _MouseOptions, values: dict[str, float]) -> np.ndarray:
    """Return the switch inputs ``(n_inputs,)`` of a DTC in marrow ``niche`` of a mouse ``host`` (module docstring)."""
    residual = 1.0 - values["ovariectomy_oestrogen_deficiency"] if spec.ovariectomy else 1.0
    return coupling_niche_inputs(
        switch,
        values,
        niche,
        bone={name: values[f"mouse_marrow__{name}"] for name in BONE_SIGNALS},
        estrogen=spec.mouse_estrogen * residual if spec.er_status == "positive" else 0.0,
        nk_cytokines=values["mouse_nk_cytokines"] if HOSTS[host][1] else 0.0,
    )


def marrow_exposure(spec: _MouseOptions, values: dict[str, float]) -> tuple[np.ndarray, float]:
    """Return each marrow niche's resorption exposure (in :data:`MARROW` order) and the drug's niche effect.

    The exposure is ``niche_<k>__resorption_reach`` × ``mouse_resorption_surface_fraction`` × the active
    osteoclasts over rest in the arm (:mod:`dormancy.lab.menopause`, :mod:`dormancy.coupling.niche`).
    """
    state = host_bone_state(values, ovariectomy=spec.ovariectomy, zoledronic_acid=spec.zoledronic_acid)
    exposure = np.array(
        [
            niche_exposure(values, niche, state.osteoclast_fold, values["mouse_resorption_surface_fraction"])
            for niche in MARROW
        ]
    )
    return exposure, state.niche_effect


def settle_states(switch, inputs: np.ndarray, hours: float):
    """Return the settled arriving and dormant-branch states of DTCs reading ``inputs`` (module docstring)."""
    circulating = steady_states(switch, switch.inputs({**DEFAULT_NICHE, **PROLIFERATING_PREPARATION}), 0.0)
    dormant_start = steady_states(switch, switch.inputs({**DEFAULT_NICHE, **DORMANT_PREPARATION}), 0.0)
    states = []
    for start in (circulating, dormant_start):
        trajectory = integrate_cells(
            switch.wiring,
            switch.kinetics,
            np.repeat(start, len(inputs), 0),
            inputs,
            np.array([0.0, hours]),
            rtol=SETTLE_RTOL,
            atol=SETTLE_ATOL,
        )
        states.append(np.where(trajectory.ok[:, None], trajectory.states[-1], start))
    return states[0], states[1]


def _simulate_mouse(
    arrival: NDArray,
    awake0: NDArray,
    rates: dict[str, NDArray],
    spec: _MouseOptions,
    host: str,
    values: dict[str, float],
    rng: np.random.Generator,
    imaging_days: NDArray,
) -> dict[str, object]:
    """Run one mouse's DTC lineages day by day; return BLI images, detection and counts at sacrifice."""
    t_cells, nk_cells = HOSTS[host]
    kill = (values["mouse_t_cell_kill_rate"] * t_cells + values["mouse_nk_kill_rate"] * nk_cells) * (
        1.0 - rates["evasion"]
    )
    capacity, founding = values["mouse_bone_capacity"], values["mouse_focus_founding_cells"]
    alpha = np.maximum(rates["birth"] - rates["death_awake"] - kill, 0.0) / np.log(capacity / founding)
    eliminate = values["mouse_focus_elimination"] * t_cells * (1.0 - rates["evasion"])
    n = len(arrival)
    dormant = np.where(awake0, 0, 1).astype(np.int64)
    awake = np.where(awake0, 1, 0).astype(np.int64)
    focus = np.zeros(n)  # cells in a Gompertz focus (0 = none)
    present = np.zeros(n, dtype=bool)
    p_wake, p_dormant_death = -np.expm1(-rates["wake"]), -np.expm1(-rates["death_dormant"])
    p_die, p_reenter = -np.expm1(-(rates["death_awake"] + kill)), -np.expm1(-rates["reenter"])
    p_divide = -np.expm1(-rates["birth"])
    images, detected_day = [], np.nan
    last_day = round(spec.weeks * 7.0)
    for day in range(last_day + 1):
        if day > 0:
            present = arrival < day
            lineage = present & (focus == 0)
            wake = rng.binomial(dormant, np.where(lineage, p_wake, 0.0))
            died = rng.binomial(dormant - wake, np.where(present, p_dormant_death, 0.0))
            a = np.where(lineage, awake, 0)
            deaths = rng.binomial(a, p_die)
            reenter = rng.binomial(a - deaths, p_reenter)
            divide = rng.binomial(a - deaths - reenter, p_divide)
            dormant = dormant - wake - died + reenter
            awake = np.where(lineage, a - deaths - reenter + divide, awake) + wake
            grown = focus > 0
            focus = np.where(grown, capacity * np.exp(np.log(np.maximum(focus, 1.0) / capacity) * np.exp(-alpha)), 0.0)
            lost = grown & (focus < values["mouse_avascular_limit"]) & (rng.uniform(size=n) < -np.expm1(-eliminate))
            focus[lost] = 0.0
            founded = lineage & (awake >= founding)
            focus[founded] = awake[founded]
            awake[founded | lost] = 0
        tumour = float(np.sum(np.where(arrival <= day, dormant + awake, 0)) + focus.sum())
        if day in imaging_days:
            factor = np.exp(rng.normal(0.0, np.sqrt(np.log1p(values["bli_measurement_cv"] ** 2))))
            signal = (values["bli_photons_per_cell"] * tumour + values["bli_background"]) * factor
            hit = signal >= values["bli_detection_floor"]
            images.append((float(day), float(signal), bool(hit), tumour))
            if hit and np.isnan(detected_day):
                detected_day = float(day)
    return {
        "images": images,
        "detected_day": detected_day,
        "last_day": float(last_day),
        "dormant": int(dormant.sum()),
        "awake": int(awake.sum()),
        "foci": int((focus > 0).sum()),
        "tumour": float(dormant.sum() + awake.sum() + focus.sum()),
        "still_dormant": (dormant > 0) & (awake == 0) & (focus == 0),
    }


def run_mouse(spec: _MouseOptions, seed: int, *, host: str, name: str) -> LabResult:
    """Run a mouse cohort (module docstring) for ``host`` in :data:`HOSTS`; ``name`` is the protocol name."""
    parameters = lab_parameters()
    patients = load_registry().sets[PATIENT_SET]
    values = host_marrow_values(
        {**patients.values(), **parameters.values()},
        ovariectomy=spec.ovariectomy,
        zoledronic_acid=spec.zoledronic_acid,
    )
    switch = load_switch(spec.er_status)
    _, coupling = bone_constants()
    exposure, niche_effect = marrow_exposure(spec, values)
    first = [values[f"niche_fraction_{niche}"] for niche in MARROW[:3]]
    fractions = np.array([*first, 1.0 - sum(first)])
    table = np.stack([niche_inputs(switch, niche, host, spec, values) for niche in MARROW])
    last_day = round(spec.weeks * 7.0)
    imaging = np.unique(np.append(np.round(np.arange(0.0, last_day + 1e-9, spec.imaging_every_days)), last_day))
    condition = f"{host} mice, {spec.delivery}"
    if spec.ovariectomy or spec.zoledronic_acid:
        arm = ("OVX" if spec.ovariectomy else "sham", "zoledronic acid" if spec.zoledronic_acid else "vehicle")
        condition = f"{condition}, {arm[0]} + {arm[1]}"
    rows: list[dict] = []
    frames = []
    for mouse in range(spec.mice):
        rng = replicate_generator(seed, mouse)
        arrival = _arrivals(spec, values, rng)
        ids = mouse * MOUSE_ID_STRIDE + np.arange(len(arrival), dtype=np.int64)
        niche = np.searchsorted(np.cumsum(fractions), rng.uniform(size=len(arrival)), side="right")
        niche = np.minimum(niche, len(MARROW) - 1)
        base = table[niche]
        inputs = np.clip(base * input_factors(seed, ids, base.shape[1], values["input_variability_cv"]), 0.0, 1.0)
        settled, dormant_branch = settle_states(switch, inputs, values["arrival_settle_time"])
        front = exposed_inputs(switch, inputs, coupling, niche_effect=niche_effect)
        _, dormant_front = settle_states(switch, front, values["arrival_settle_time"])
        awake_rates = fate_rates(switch, settled)
        dormant_rates = exposure_averaged_rates(switch, dormant_branch, dormant_front, exposure[niche])
        awake0 = ~is_dormant(switch, settled)
        rates = {
            "wake": dormant_rates["awakening_rate"],
            "death_dormant": dormant_rates["death_rate"],
            "birth": awake_rates["proliferation_rate"],
            "death_awake": awake_rates["apoptosis_rate"],
            "reenter": awake_rates["quiescence_entry_rate"],
            "evasion": awake_rates["immune_evasion"],
        }
        outcome = _simulate_mouse(arrival, awake0, rates, spec, host, values, rng, imaging)
        for day, signal, hit, _ in outcome["images"]:
            rows.append(
                dict(
                    condition=condition,
                    mouse=mouse,
                    time_days=day,
                    readout="bli_photons_per_s",
                    value=signal,
                    unit="photons/s",
                    event=float(hit),
                )
            )
        event = not np.isnan(outcome["detected_day"])
        rows.append(
            dict(
                condition=condition,
                mouse=mouse,
                time_days=outcome["last_day"],
                readout="time_to_bone_metastasis_days",
                value=outcome["detected_day"] if event else outcome["last_day"],
                unit="day",
                event=float(event),
            )
        )
        for readout, key, unit in (
            ("bone_dtcs_arrived", None, "cells"),
            ("dormant_cells_at_sacrifice", "dormant", "cells"),
            ("awake_single_cells_at_sacrifice", "awake", "cells"),
            ("bone_foci_at_sacrifice", "foci", "foci"),
            ("tumour_cells_at_sacrifice", "tumour", "cells"),
        ):
            value = float(len(arrival)) if key is None else float(outcome[key])
            rows.append(
                dict(
                    condition=condition,
                    mouse=mouse,
                    time_days=outcome["last_day"],
                    readout=readout,
                    value=value,
                    unit=unit,
                    event=np.nan,
                )
            )
        cells = SwitchCells(ids, ids, settled, arrival)
        frames.append(
            cell_frame(
                switch,
                cells,
                condition,
                mouse=np.full(len(ids), mouse),
                arrival_day=arrival,
                niche=np.asarray(MARROW)[niche],
                dormant_at_sacrifice=outcome["still_dormant"],
            )
        )
    manifest = lab_manifest(
        name,
        spec,
        seed,
        parameters=parameter_records(
            parameters,
            patients,
            load_registry().sets[switch.parameter_set],
            *(load_registry().sets[name] for name in ("pivonka2008", "bone_lifetime")),
        ),
        settings={
            "host": host,
            "t_cells": HOSTS[host][0],
            "nk_cells": HOSTS[host][1],
            "imaging_days": imaging.tolist(),
            "marrow_bone_signals": {name: values[f"mouse_marrow__{name}"] for name in BONE_SIGNALS},
        },
    )
    return LabResult(name, pd.DataFrame(rows), manifest, pd.concat(frames, ignore_index=True))


def kaplan_meier(table: pd.DataFrame) -> pd.DataFrame:
    """Return the Kaplan–Meier estimate of freedom from detectable bone metastasis from a mouse readouts table.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``table`` of a mouse protocol (rows ``time_to_bone_metastasis_days`` with ``event``).

    Returns
    -------
    pandas.DataFrame
        ``condition``, ``time_days``, ``at_risk``, ``events``, ``metastasis_free`` (product-limit estimate).
    """
    frames = []
    times = table[table["readout"] == "time_to_bone_metastasis_days"]
    for condition, rows in times.groupby("condition", sort=False):
        survival, result = (
            1.0,
            [dict(condition=condition, time_days=0.0, at_risk=len(rows), events=0, metastasis_free=1.0)],
        )
        for time in np.unique(rows["value"]):
            at_risk = int((rows["value"] >= time).sum())
            events = int(((rows["value"] == time) & (rows["event"] == 1.0)).sum())
            survival *= 1.0 - events / at_risk
            result.append(
                dict(
                    condition=condition, time_days=float(time), at_risk=at_risk, events=events, metastasis_free=survival
                )
            )
        frames.append(pd.DataFrame(result))
    return pd.concat(frames, ignore_index=True)


def mouse_figure(result: LabResult) -> Figure:
    """Return bioluminescence curves per mouse (with the detection floor) and the Kaplan–Meier curve."""
    table = result.table
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    bli, km = figure.subplots(1, 2)
    images = table[table["readout"] == "bli_photons_per_s"]
    for _, rows in images.groupby("mouse"):
        bli.plot(rows["time_days"], rows["value"], color="tab:blue", alpha=0.5, marker=".")
    floor = [r for r in result.manifest.parameters if r["name"] == "lab_in_vivo.bli_detection_floor"]
    if floor:
        bli.axhline(floor[0]["value"], color="k", linestyle="--", label="detection floor")
        bli.legend()
    bli.set(
        xlabel="days after injection",
        ylabel="photons/s (imaged bones)",
        yscale="log",
        title="bioluminescence per mouse",
    )
    curve = kaplan_meier(table)
    km.step(curve["time_days"], curve["metastasis_free"], where="post")
    km.set(
        xlabel="days after injection",
        ylabel="free of detectable bone metastasis",
        ylim=(-0.02, 1.02),
        title="Kaplan–Meier",
    )
    figure.suptitle(table["condition"].iloc[0])
    return figure


def _run_syngeneic(spec: MouseSyngeneicOptions, seed: int) -> LabResult:
    return run_mouse(spec, seed, host="syngeneic", name="mouse-syngeneic")


def _run_xenograft(spec: MouseXenograftOptions, seed: int) -> LabResult:
    return run_mouse(spec, seed, host=spec.host, name="mouse-xenograft")


CITATION = ("review:80", "review:81", "review:82", "review:83", "review:176", "review:182", "review:190", "spencer2014")
register(
    Protocol(
        name="mouse-syngeneic",
        title="Syngeneic mouse (immune intact): bone DTCs, bioluminescence, time to bone metastasis",
        system="syngeneic mouse",
        citation=CITATION,
        spec=MouseSyngeneicOptions,
        run=_run_syngeneic,
        figure=mouse_figure,
    )
)
register(
    Protocol(
        name="mouse-xenograft",
        title="Xenograft in immunodeficient mice (NSG or nude): intracardiac or orthotopic with resection",
        system="xenograft (intracardiac, orthotopic + resection)",
        citation=(*CITATION, "review:184"),
        spec=MouseXenograftOptions,
        run=_run_xenograft,
        figure=mouse_figure,
    )
)
