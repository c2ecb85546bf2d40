r"""The niche agent-based model: a frozen spec, and a pure ``init`` / ``step`` pair over a struct of arrays.

One step of length :math:`\Delta t` (hours; fields in minutes, fate rates per day) does, in order:

1. **Arrivals.** DTCs home from the vessels: a bolus at step 0 or a steady trickle (``per_day``; the number
   arriving by step :math:`k` is :math:`\lfloor k \Delta t\, r \rfloor`). Each lands in a marrow voxel next to a
   vessel chosen with the counter-based generator keyed by its new id, so where a cell lands is random and its
   fate then follows from mechanism. Arriving cells carry the switch state of a cell prepared proliferating in the
   default niche (circulating cells are not dormant).
2. **Fields.** Agents write sources and uptake; :func:`dormancy.niche.fields.diffuse` advances every field one
   implicit step (:func:`advance_fields`: O2 unsplit, the others in short LOD steps, by default). Osteoblasts
   and MSCs secrete TGF-β2, BMP7 and CXCL12 [19, 61]; MSCs exosomal miR-222/223, more
   once primed [58, 59]; osteoclasts release matrix TGF-β1 in proportion to their activity [117, 139]; stable
   vessels TSP1, sprouting tips periostin and TGF-β1 from the marrow voxels next to them [55]; M1 macrophages IL-1β
   [140], M2 TGF-β1 [109, 137]; DTCs PTHrP (PTHRP node) [148] and VEGF (HIF1α node) [55] and consume O2.
3. **Sensing.** Each DTC's switch inputs in [0, 1]: a field :math:`c` (reference units) maps to
   :math:`c^n/(K^n + c^n)`; O2 (mmHg) to the switch's oxygen activity of :math:`p_{O_2}/p_{atm}`; GAS6 and Wnt5a
   from osteoblasts within the signal radius, osteoclast factors from activity-weighted osteoclasts, NK cytokines
   from NK cells (each a saturating count :math:`m^n/(K^n + m^n)`); fibronectin a stromal level [43] plus the
   provisional matrix of sprouting tips within the signal radius [55] (:math:`FN_0 + FN_S\,s^n/(K_S^n + s^n)`,
   :math:`s` sprouting-vessel voxels); IL-1β adds the host's systemic level; oestrogen and nutrients come from the
   host.
4. **Switch.** :func:`dormancy.signalling.integrate_cells` advances every live DTC's network over the step.
5. **Fates**, each a per-step probability :math:`1 - e^{-r \Delta t}` from :func:`dormancy.signalling.fate_rates`
   drawn with :func:`dormancy.rng.agent_uniforms` (seed, id, step): apoptosis; immune killing at rate
   :math:`(1 - \sigma)\,[k_{NK} m_{NK}(1 - e_{NK} E) + k_{CD8} m_{CD8}(1 - e_{CD8} E)]` with :math:`m` cells in
   contact, :math:`E` the immune-evasion (PD-L1) output [83] and :math:`\sigma` Treg/MDSC plus M2 suppression
   [54, 84]; a cycling cell enters quiescence or divides, a dormant cell leaves quiescence. Daughters take new ids
   in order of their parents' ids.
6. **Motion.** DTCs follow CXCL12 gradients with random motility, slowed on the endosteal surface; NK and CD8
   cells random-walk; no agent enters bone or a vessel lumen. With ``mechanics.enabled`` (default) DTCs then push
   and hold each other for the step by PhysiCell's pairwise potentials (:mod:`dormancy.niche.mechanics`), so
   colonies crowd and take shape.
7. **Residents.** An MSC touched by a DTC becomes primed [59]; an M1 macrophage turns M2 at a rate proportional
   to the cycling DTCs around it [109, 110, 137, 138]. Dead DTCs are removed.

Every random draw is keyed by (seed, agent id, step, stream), so a seed gives bit-identical runs for any number of
threads, and a run resumed from a checkpoint continues exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from dormancy.errors import InputError, Problem
from dormancy.niche.agents import (
    CD8,
    CYCLING,
    DEAD,
    DORMANT,
    MACROPHAGE,
    MSC,
    NK,
    OSTEOBLAST,
    OSTEOCLAST,
    Dtcs,
    Residents,
    box_sum,
    count_grid,
    migrate,
    uniforms,
    voxel_of,
)
from dormancy.niche.field_stepper import FieldStepper, build_field_stepper
from dormancy.niche.fields import FieldSpec, diffuse, initial_fields, load_field_specs
from dormancy.niche.geometry import Geometry, default_section, geometry_from_mask
from dormancy.niche.implicit_stepper import ImplicitFieldStepper, build_implicit_stepper
from dormancy.niche.mechanics import Mechanics, relax
from dormancy.niche.scenario import NicheScenario
from dormancy.params import ParameterSet, load_registry
from dormancy.rng import agent_normals
from dormancy.signalling import (
    DEFAULT_NICHE,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    fate_rates,
    integrate_cells,
    load_switch,
    steady_states,
)

__all__ = [
    "COUNTERS",
    "NICHES",
    "NicheModel",
    "NicheState",
    "advance_fields",
    "build_niche_model",
    "dtc_inputs",
    "immune_kill_rate",
    "init",
    "step",
]

#: Niche labels of voxels (codes are indices).
NICHES: tuple[str, ...] = ("endosteal", "perivascular-stable", "perivascular-sprouting", "marrow")
ENDOSTEAL, STABLE, SPROUTING, MARROW = range(4)
#: Cumulative event counters kept in the state.
COUNTERS: tuple[str, ...] = (
    "arrived",
    "divided",
    "apoptosis",
    "immune_killed",
    "entered_dormancy",
    "left_dormancy",
    "switch_failures",
)
STREAM_HOMING, STREAM_FATE, STREAM_MOVE, STREAM_DAUGHTER, STREAM_RESIDENT, STREAM_PLACEMENT = range(6)
FIELD_BURN_IN_STEPS = 24
FIELD_BURN_IN_MINUTES = 60.0


@dataclass(frozen=True)
class NicheModel:
    """Everything a niche run needs besides its state (frozen; build with :func:`build_niche_model`).

    Parameters
    ----------
    scenario : NicheScenario
        The validated scenario.
    geometry : Geometry
        Bone, vessels and sprouting tips on the grid.
    switch : SwitchModel
        The DTCs' intracellular switch (ER status from the scenario).
    field_specs : tuple of FieldSpec
        Transport constants of the simulated fields (``scenario.fields`` order).
    parameters : ParameterSet
        The ``niche_agents`` set with the scenario's overrides.
    arrival_state : numpy.ndarray, (n_nodes,)
        Switch state of an arriving DTC.
    homing_voxels : numpy.ndarray, (m, ndim)
        Marrow voxels next to a vessel, where DTCs land.
    niche_map : numpy.ndarray of int8
        Niche code of every voxel (:data:`NICHES`).
    switch_method : str
        Integrator of the DTCs' switch (:func:`dormancy.signalling.integrate_cells`). The default
        ``"etd3rk-own"`` takes the same steps as the per-cell ``"etd3rk"`` (same accuracy, states equal to ~1e-13)
        several times faster, and a cell's result never depends on which other cells are alive.
    field_steppers : tuple of FieldStepper or ImplicitFieldStepper
        The fields' solvers, set up once for the step length and the burn-in step (``field_scheme: mixed``), or the
        multigrid backward-Euler solvers for the step length (``field_scheme: implicit``).
    """

    scenario: NicheScenario
    geometry: Geometry
    switch: SwitchModel
    field_specs: tuple[FieldSpec, ...]
    parameters: ParameterSet
    arrival_state: NDArray[np.float64]
    homing_voxels: NDArray[np.intp]
    niche_map: NDArray[np.int8]
    _values: Mapping[str, float] = field(repr=False, default_factory=dict)
    switch_method: str = "etd3rk-own"
    field_steppers: tuple[FieldStepper | ImplicitFieldStepper, ...] = field(repr=False, default=())

    @property
    def dt_hours(self) -> float:
        """Step length, hours."""
        return self.scenario.dt_hours

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the simulated fields, in array order."""
        return tuple(spec.name for spec in self.field_specs)

    def value(self, symbol: str) -> float:
        """Return a ``niche_agents`` parameter value (after overrides)."""
        return self._values[symbol]

    @property
    def blocked(self) -> NDArray[np.bool_]:
        """Voxels agents may not enter: bone and vessel lumen."""
        return self.geometry.bone | self.geometry.vessel

    @property
    def voxel_volume_um3(self) -> float:
        """Voxel volume, µm³ (a 2-D section is one voxel thick)."""
        return self.geometry.spacing_um**3

    def radius_voxels(self, symbol: str) -> int:
        """Half-width, in voxels, of the neighbourhood box for a radius parameter."""
        return round(self.value(symbol) / self.geometry.spacing_um)


@dataclass(frozen=True)
class NicheState:
    """The state of a niche run after ``step`` steps (frozen; every array is owned by this state).

    Parameters
    ----------
    step : int
        Number of steps taken.
    seed : int
        Seed of every random draw.
    fields : numpy.ndarray, (n_fields, *shape)
        Concentrations (O2 in mmHg, the others in reference units).
    dtcs : Dtcs
        Live tumour cells.
    residents : Residents
        The niche's own cells.
    next_id : int
        The id the next new agent gets.
    counters : numpy.ndarray of int64, (len(COUNTERS),)
        Cumulative events.
    """

    step: int
    seed: int
    fields: NDArray[np.float64]
    dtcs: Dtcs
    residents: Residents
    next_id: int
    counters: NDArray[np.int64]

    def counter(self, name: str) -> int:
        """Return one cumulative counter by name (:data:`COUNTERS`)."""
        return int(self.counters[COUNTERS.index(name)])


#: Largest mask accepted, voxels (the scenario's own bound on generated sections).
MAX_MASK_VOXELS = 5_000_000


def _geometry(scenario: NicheScenario) -> Geometry:
    domain = scenario.domain
    if domain.mask is None:
        return default_section(
            ndim=domain.ndim, size_um=domain.size_um, spacing_um=domain.spacing_um, seed=domain.geometry_seed
        )
    path = Path(domain.mask)
    try:
        if path.suffix == ".npy":
            try:  # memory-mapped first: the header's shape is checked before anything is read
                mapped = np.load(path, allow_pickle=False, mmap_mode="r")
                if mapped.size > MAX_MASK_VOXELS or mapped.ndim not in (2, 3):
                    found = f"shape {mapped.shape}"
                    expected = f"a 2D or 3D label array of at most {MAX_MASK_VOXELS:,} voxels"
                    raise InputError([Problem("file", expected, found)])
                mask = np.array(mapped)
                del mapped
            except InputError:
                raise
            except Exception as error:  # not a .npy file, truncated, an object array: whatever it is, not a mask
                found = f"{type(error).__name__}: {str(error)[:120]}"
                raise InputError([Problem("file", "a readable .npy label array", found)]) from None
            return geometry_from_mask(mask, spacing_um=domain.spacing_um)
        return geometry_from_mask(path, spacing_um=domain.spacing_um)
    except InputError as error:
        problems = [Problem(f"domain.mask.{p.field}", p.expected, p.found) for p in error.problems]
        raise InputError(problems) from None


def _niche_map(geometry: Geometry, radius_um: float) -> NDArray[np.int8]:
    h = geometry.spacing_um
    to_bone = geometry.distance_to_bone_um()
    to_vessel = geometry.distance_to_vessel_um()
    sprouting = geometry.sprouting
    to_sprout = ndimage.distance_transform_edt(~sprouting) * h if sprouting.any() else np.full(sprouting.shape, np.inf)
    niche = np.full(geometry.shape, MARROW, dtype=np.int8)
    niche[to_vessel <= radius_um] = STABLE
    niche[to_sprout <= radius_um] = SPROUTING
    niche[to_bone <= radius_um] = ENDOSTEAL
    return niche


def _next_to(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    return ndimage.binary_dilation(mask, structure=ndimage.generate_binary_structure(mask.ndim, 1)) & ~mask


def build_niche_model(scenario: NicheScenario) -> NicheModel:
    """Resolve a scenario into a :class:`NicheModel`: geometry, switch, field constants and agent parameters.

    Raises
    ------
    InputError
        If the geometry (mask) or a parameter override is invalid, or the domain has no vessel to home from.
    """
    geometry = _geometry(scenario)
    parameters = load_registry().sets["niche_agents"].with_values(scenario.parameters)
    values = parameters.values()
    switch = load_switch(scenario.dtc.er_status)
    preparation = switch.inputs({**DEFAULT_NICHE, **PROLIFERATING_PREPARATION})
    arrival = steady_states(switch, preparation, 0.0)[0]
    homing = _next_to(geometry.vessel) & geometry.marrow
    if not homing.any() and scenario.dtc.count + scenario.dtc.per_day > 0:
        raise InputError([Problem("domain", "a section with at least one vessel next to marrow", "no vessel")])
    specs = tuple(load_field_specs(scenario.fields))
    steppers: tuple = ()
    if scenario.field_scheme == "mixed":
        lengths = sorted({60.0 * scenario.dt_hours, FIELD_BURN_IN_MINUTES})
        steppers = tuple(build_field_stepper(specs, geometry, dt_min) for dt_min in lengths)
    elif scenario.field_scheme == "implicit":
        steppers = (
            build_implicit_stepper(
                specs, geometry, 60.0 * scenario.dt_hours, coarse_decay_voxels=scenario.coarse_field_decay_voxels
            ),
        )
    return NicheModel(
        scenario=scenario,
        geometry=geometry,
        switch=switch,
        field_specs=specs,
        field_steppers=steppers,
        parameters=parameters,
        arrival_state=arrival,
        homing_voxels=np.argwhere(homing),
        niche_map=_niche_map(geometry, values["niche_radius"]),
        _values=values,
    )


def _hill(x: NDArray[np.float64], half: float, n: float) -> NDArray[np.float64]:
    x = np.maximum(x, 0.0)
    xn = x**n
    return xn / (half**n + xn)


def _place_residents(model: NicheModel, seed: int) -> Residents:
    """Place resident cells on voxels chosen by Philox draws keyed by a voxel's flat index (deterministic)."""
    g, cells = model.geometry, model.scenario.cells
    flat_all = np.arange(int(np.prod(g.shape)))
    draws = uniforms(seed, flat_all, 0, 2, stream=STREAM_PLACEMENT)
    endosteal, marrow = g.endosteal.ravel(), (g.marrow & ~g.endosteal).ravel()
    u, v = draws[:, 0], draws[:, 1]
    # Endosteal voxels: osteoclast below its coverage, else osteoblast below the two coverages together.
    osteoclast = endosteal & (u < cells.osteoclast_coverage)
    osteoblast = endosteal & ~osteoclast & (u < cells.osteoclast_coverage + cells.osteoblast_coverage)
    edges = np.cumsum([cells.msc_fraction, cells.nk_fraction, cells.cd8_fraction, cells.macrophage_fraction])
    msc = marrow & (u < edges[0])
    nk = marrow & (u >= edges[0]) & (u < edges[1])
    cd8 = marrow & (u >= edges[1]) & (u < edges[2])
    macrophage = marrow & (u >= edges[2]) & (u < edges[3])
    kind = np.full(flat_all.shape, -1, dtype=np.int8)
    for code, mask in ((OSTEOBLAST, osteoblast), (OSTEOCLAST, osteoclast), (MSC, msc), (NK, nk), (CD8, cd8)):
        kind[mask] = code
    kind[macrophage] = MACROPHAGE
    chosen = np.flatnonzero(kind >= 0)
    index = np.stack(np.unravel_index(chosen, g.shape), axis=1)
    position = (index + 0.5) * g.spacing_um
    m1 = (kind[chosen] == MACROPHAGE) & (v[chosen] < cells.m1_fraction)
    return Residents(
        id=np.arange(len(chosen), dtype=np.int64),
        kind=kind[chosen],
        position_um=position,
        primed=np.zeros(len(chosen), dtype=bool),
        m1=m1,
    )


def init(model: NicheModel, *, seed: int | None = None) -> NicheState:
    """Return the state at step 0: resident cells placed, fields relaxed around them, no DTC yet.

    The fields start from their initial values and take :data:`FIELD_BURN_IN_STEPS` implicit steps of
    :data:`FIELD_BURN_IN_MINUTES` with the residents' sources, so DTCs arrive into an established niche; with
    ``field_scheme: implicit`` they are set to the steady state that relaxation tends to, solved directly
    (:meth:`~dormancy.niche.implicit_stepper.ImplicitFieldStepper.steady_state`).

    Parameters
    ----------
    model : NicheModel
        The model.
    seed : int, optional
        Seed of all draws; the scenario's seed by default.
    """
    seed = model.scenario.seed if seed is None else seed
    residents = _place_residents(model, seed)
    empty = Dtcs.empty(model.geometry.ndim, len(model.switch.wiring.internal))
    state = NicheState(
        step=0,
        seed=seed,
        fields=initial_fields(model.field_specs, model.geometry),
        dtcs=empty,
        residents=residents,
        next_id=len(residents),
        counters=np.zeros(len(COUNTERS), dtype=np.int64),
    )
    values = state.fields
    if model.scenario.field_scheme == "implicit":  # the steady state the relaxation tends to, solved directly
        sources, uptake = _sources_and_uptake(model, state)
        return replace(state, fields=model.field_steppers[0].steady_state(values, sources, uptake))
    for _ in range(FIELD_BURN_IN_STEPS):
        sources, uptake = _sources_and_uptake(model, state)
        values = advance_fields(model, values, sources, uptake, FIELD_BURN_IN_MINUTES)
        state = replace(state, fields=values)
    return state


def advance_fields(
    model: NicheModel,
    values: NDArray[np.float64],
    sources: NDArray[np.float64],
    uptake: NDArray[np.float64],
    dt_min: float,
) -> NDArray[np.float64]:
    r"""Advance every field by ``dt_min`` minutes with the scenario's ``field_scheme``.

    ``mixed`` (default): the model's :class:`~dormancy.niche.field_stepper.FieldStepper` (set up once): fields
    with uptake (O2) take one unsplit implicit step (exact at steady state, needed where cells take up
    10–25/min) by conjugate gradients preconditioned with a factorisation or multigrid hierarchy fixed for the
    run; each other field takes its own number of LOD sub-steps, enough that :math:`\lambda \Delta t \le`
    :data:`~dormancy.niche.field_stepper.LOD_DECAY_STEP` (its steady decay length is then within
    :math:`\sqrt{1.05}`, 2.5 %, of the exact one). ``coupled``: every field unsplit. ``lod``: one LOD step of
    ``dt_min`` for every field (fastest; decay lengths too long by :math:`\sqrt{1 + (\lambda + u)\Delta t}`).
    ``implicit``: every field one unsplit backward-Euler step by multigrid-preconditioned conjugate gradients
    (:mod:`dormancy.niche.implicit_stepper`; exact at steady state, for 3D grids).
    """
    g, specs, scheme = model.geometry, model.field_specs, model.scenario.field_scheme
    if scheme == "implicit":
        for stepper in model.field_steppers:
            if stepper.dt_min == dt_min:
                return stepper.advance(values, sources, uptake)
        coarse = model.scenario.coarse_field_decay_voxels
        return build_implicit_stepper(specs, g, dt_min, coarse_decay_voxels=coarse).advance(values, sources, uptake)
    if scheme != "mixed":
        return diffuse(values, specs=specs, geometry=g, dt_min=dt_min, sources=sources, uptake=uptake, scheme=scheme)
    for stepper in model.field_steppers:
        if stepper.dt_min == dt_min:
            return stepper.advance(values, sources, uptake)
    return build_field_stepper(specs, g, dt_min).advance(values, sources, uptake)  # a step length not set up


def _osteoclast_activity(model: NicheModel) -> float:
    host = model.scenario.host
    n = model.value("signal_hill_coefficient")
    il1b = float(_hill(np.array(host.il1b), model.value("signal_half_saturation"), n))
    return host.osteoclast_activity * (1.0 + model.value("il1b_osteoclast_gain") * il1b)


def _sources_and_uptake(model: NicheModel, state: NicheState) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return per-voxel sources (reference units or mmHg per minute) and uptake (per minute) for every field."""
    g, v = model.geometry, model.value
    shape = g.shape
    names = model.field_names
    sources = np.zeros((len(names), *shape))
    uptake = np.zeros((len(names), *shape))
    per_cell = v("cell_volume") / model.voxel_volume_um3
    res = state.residents
    res_vox = voxel_of(res.position_um, g.spacing_um, shape)

    def of(kind: int, extra: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        mask = res.kind == kind if extra is None else (res.kind == kind) & extra
        return count_grid(res_vox[mask], shape) * per_cell

    osteoblasts, mscs = of(OSTEOBLAST), of(MSC)
    primed = of(MSC, res.primed)
    osteoclasts = of(OSTEOCLAST) * _osteoclast_activity(model)
    m1, m2 = of(MACROPHAGE, res.m1), of(MACROPHAGE, ~res.m1)
    stable_edge = _next_to(g.vessel & ~g.sprouting) & g.marrow
    sprout_edge = _next_to(g.sprouting) & g.marrow
    dtcs = state.dtcs
    dtc_vox = voxel_of(dtcs.position_um, g.spacing_um, shape)
    sw = model.switch
    pthrp = count_grid(dtc_vox, shape, dtcs.switch[:, sw.index("PTHRP")]) * per_cell if len(dtcs) else 0.0
    hif = count_grid(dtc_vox, shape, dtcs.switch[:, sw.index("HIF1A")]) * per_cell if len(dtcs) else 0.0
    dtc_count = count_grid(dtc_vox, shape) * per_cell
    unprimed = mscs - primed
    exosomes = v("msc_exosome_secretion") * (unprimed + v("primed_exosome_factor") * primed)
    terms = {
        "TGFB2": v("osteoblast_tgfb2_secretion") * osteoblasts + v("msc_tgfb2_secretion") * mscs,
        "BMP7": v("osteoblast_bmp7_secretion") * osteoblasts + v("msc_bmp7_secretion") * mscs,
        "CXCL12": v("osteoblast_cxcl12_secretion") * osteoblasts + v("msc_cxcl12_secretion") * mscs,
        "MIR222_223": exosomes,
        "TGFB1": v("osteoclast_tgfb1_release") * osteoclasts
        + v("sprout_tgfb1_secretion") * sprout_edge
        + v("m2_tgfb1_secretion") * m2,
        "TSP1": v("stable_vessel_tsp1_secretion") * stable_edge,
        "POSTN": v("sprout_postn_secretion") * sprout_edge,
        "IL1B": v("m1_il1b_secretion") * m1,
        "PTHRP": v("dtc_pthrp_secretion") * pthrp,
        "VEGF": v("dtc_vegf_secretion") * hif,
    }
    for i, name in enumerate(names):
        if name in terms:
            sources[i] = terms[name]
    if "O2" in names:
        residents_count = count_grid(res_vox, shape) * per_cell
        uptake[names.index("O2")] = v("dtc_oxygen_uptake") * dtc_count + v("resident_oxygen_uptake") * residents_count
    return sources, uptake


def dtc_inputs(model: NicheModel, state: NicheState) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Return every live DTC's switch inputs ``(n, n_inputs)`` and its local signals.

    Returns
    -------
    inputs : numpy.ndarray
        Switch input activities in [0, 1] (columns ``model.switch.wiring.inputs``).
    local : dict of str to numpy.ndarray
        Local field values (``field_<NAME>``), neighbour counts (``osteoblasts``, ``osteoclast_activity``,
        ``nk``, ``cd8``, ``m2``), sprouting-vessel voxels within the signal radius (``sprouting_voxels``) and
        whether the cell sits on the endosteal surface (``endosteal``), each ``(n,)``.
    """
    g, v, sw = model.geometry, model.value, model.switch
    dtcs, res = state.dtcs, state.residents
    shape = g.shape
    vox = voxel_of(dtcs.position_um, g.spacing_um, shape)
    at = tuple(vox.T)
    res_vox = voxel_of(res.position_um, g.spacing_um, shape)
    signal_r, contact_r = model.radius_voxels("signal_radius"), model.radius_voxels("contact_radius")

    def around(mask: NDArray[np.bool_], radius: int, weight: float = 1.0) -> NDArray[np.float64]:
        return box_sum(count_grid(res_vox[mask], shape), radius)[at] * weight

    local: dict[str, NDArray[np.float64]] = {
        "osteoblasts": around(res.kind == OSTEOBLAST, signal_r),
        "osteoclast_activity": around(res.kind == OSTEOCLAST, signal_r, _osteoclast_activity(model)),
        "nk_near": around(res.kind == NK, signal_r),
        "nk": around(res.kind == NK, contact_r),
        "cd8": around(res.kind == CD8, contact_r),
        "m2": around((res.kind == MACROPHAGE) & ~res.m1, signal_r),
        "endosteal": g.endosteal[at].astype(np.float64),
        "sprouting_voxels": box_sum(g.sprouting.astype(np.float64), signal_r)[at],
    }
    for i, name in enumerate(model.field_names):
        local[f"field_{name}"] = state.fields[i][at]
    half, n = v("signal_half_saturation"), v("signal_hill_coefficient")
    host = model.scenario.host
    inputs = np.zeros((len(dtcs), len(sw.wiring.inputs)))
    column = sw.wiring.inputs.index

    for name in ("TGFB2", "BMP7", "TSP1", "POSTN", "TGFB1", "MIR222_223"):
        if f"field_{name}" in local:
            inputs[:, column(name)] = _hill(local[f"field_{name}"], half, n)
    il1b = local.get("field_IL1B", np.zeros(len(dtcs))) + host.il1b
    inputs[:, column("IL1B")] = _hill(il1b, half, n)
    oxygen = local["field_O2"] / v("oxygen_mmhg_per_fraction")
    inputs[:, column("O2")] = sw.oxygen_activity(oxygen)
    contact = _hill(local["osteoblasts"], v("osteoblast_contact_half"), n)
    inputs[:, column("GAS6")] = contact
    inputs[:, column("WNT5A")] = contact
    inputs[:, column("OSTEOCLAST_FACTORS")] = _hill(local["osteoclast_activity"], v("osteoclast_factor_half"), n)
    inputs[:, column("NK_CYTOKINES")] = _hill(local["nk_near"], v("nk_cytokine_half"), n)
    provisional = _hill(local["sprouting_voxels"], v("sprout_matrix_half"), n)
    inputs[:, column("FIBRONECTIN")] = v("fibronectin") + v("provisional_fibronectin") * provisional
    inputs[:, column("ESTROGEN")] = host.estrogen
    inputs[:, column("NUTRIENTS")] = host.nutrients
    return np.clip(inputs, 0.0, 1.0), local


def immune_kill_rate(
    model: NicheModel,
    nk: NDArray[np.float64],
    cd8: NDArray[np.float64],
    m2: NDArray[np.float64],
    evasion: NDArray[np.float64],
) -> NDArray[np.float64]:
    r"""Return the immune killing rate of DTCs, per day.

    .. math::

        k = (1 - \sigma)\,[k_{NK}\, m_{NK} (1 - e_{NK} E) + k_{CD8}\, m_{CD8} (1 - e_{CD8} E)],
        \qquad \sigma = \min(0.99, \sigma_0 + \sigma_{M2} m_{M2})

    with :math:`m` the NK and CD8 cells in contact and M2 macrophages within the signal radius, :math:`E` the
    switch's immune-evasion (PD-L1) output [83], :math:`\sigma_0` the marrow's Treg/MDSC suppression [54, 84].

    Parameters
    ----------
    model : NicheModel
        For the ``niche_agents`` constants.
    nk, cd8, m2 : numpy.ndarray
        Neighbour counts per DTC.
    evasion : numpy.ndarray
        Immune-evasion output in [0, 1] per DTC.
    """
    v = model.value
    suppression = np.minimum(0.99, v("marrow_immune_suppression") + v("m2_suppression") * m2)
    return (1.0 - suppression) * (
        v("nk_kill_rate") * nk * (1.0 - v("pdl1_protection_nk") * evasion)
        + v("cd8_kill_rate") * cd8 * (1.0 - v("pdl1_protection_cd8") * evasion)
    )


def _arrivals(model: NicheModel, state: NicheState) -> tuple[Dtcs, int]:
    dtc = model.scenario.dtc
    k, dt_days = state.step, model.dt_hours / 24.0
    if dtc.seeding == "bolus":
        count = dtc.count if k == 0 else 0
    else:
        count = int(np.floor((k + 1) * dt_days * dtc.per_day)) - int(np.floor(k * dt_days * dtc.per_day))
    if count == 0:
        return Dtcs.empty(model.geometry.ndim, len(model.arrival_state)), 0
    g = model.geometry
    ids = np.arange(state.next_id, state.next_id + count, dtype=np.int64)
    u = uniforms(state.seed, ids, k, 2 + g.ndim, stream=STREAM_HOMING)
    candidates = model.homing_voxels
    voxel = candidates[np.minimum((u[:, 0] * len(candidates)).astype(np.intp), len(candidates) - 1)]
    position = (voxel + u[:, 2 : 2 + g.ndim]) * g.spacing_um
    clone = np.minimum((u[:, 1] * dtc.clones).astype(np.int32), dtc.clones - 1)
    new = Dtcs(
        id=ids,
        position_um=position,
        switch=np.tile(model.arrival_state, (count, 1)),
        state=np.full(count, CYCLING, dtype=np.int8),
        cycle_hours=np.zeros(count),
        clone=clone,
        landing_niche=model.niche_map[tuple(voxel.T)],
        arrival_step=np.full(count, k, dtype=np.int64),
    )
    return new, count


def step(state: NicheState, model: NicheModel, step_index: int | None = None) -> NicheState:
    """Advance the niche by one step (pure: returns a new state, the input is unchanged).

    Parameters
    ----------
    state : NicheState
        State after ``state.step`` steps.
    model : NicheModel
        The model.
    step_index : int, optional
        The step being taken; must equal ``state.step`` when given (a guard against stepping a wrong state).
    """
    if step_index is not None and step_index != state.step:
        raise ValueError(f"step_index {step_index} does not match the state's step {state.step}")
    g, v, sw = model.geometry, model.value, model.switch
    k, seed = state.step, state.seed
    dt_h = model.dt_hours
    dt_min, dt_day = 60.0 * dt_h, dt_h / 24.0
    counters = state.counters.copy()

    # 1. arrivals
    arrived, n_arrived = _arrivals(model, state)
    counters[COUNTERS.index("arrived")] += n_arrived
    next_id = state.next_id + n_arrived
    state = replace(state, dtcs=state.dtcs.concat(arrived))

    # 2. fields
    sources, uptake = _sources_and_uptake(model, state)
    fields = advance_fields(model, state.fields, sources, uptake, dt_min)
    state = replace(state, fields=fields)

    # 3–4. sensing and the switch
    dtcs = state.dtcs
    inputs, local = dtc_inputs(model, state)
    if len(dtcs):
        times = np.array([0.0, dt_h])
        trajectory = integrate_cells(
            sw.wiring, sw.kinetics, dtcs.switch, inputs, times, first_step_hours=dt_h, method=model.switch_method
        )
        ok = trajectory.ok
        switch = np.where(ok[:, np.newaxis], trajectory.states[-1], dtcs.switch)
        counters[COUNTERS.index("switch_failures")] += int((~ok).sum())
    else:
        switch = dtcs.switch.copy()

    # 5. fates
    rates = fate_rates(sw, switch)
    u = uniforms(seed, dtcs.id, k, 4, stream=STREAM_FATE)
    kill_rate = immune_kill_rate(model, local["nk"], local["cd8"], local["m2"], rates["immune_evasion"])
    apoptosis = u[:, 0] < -np.expm1(-rates["apoptosis_rate"] * dt_day)
    killed = ~apoptosis & (u[:, 1] < -np.expm1(-kill_rate * dt_day))
    dies = apoptosis | killed
    cycling = (dtcs.state == CYCLING) & ~dies
    dormant = (dtcs.state == DORMANT) & ~dies
    enters = cycling & (u[:, 2] < -np.expm1(-rates["quiescence_entry_rate"] * dt_day))
    divides = cycling & ~enters & (u[:, 3] < -np.expm1(-rates["proliferation_rate"] * dt_day))
    leaves = dormant & (u[:, 2] < -np.expm1(-rates["quiescence_exit_rate"] * dt_day))
    new_state = dtcs.state.copy()
    new_state[dies] = DEAD
    new_state[enters] = DORMANT
    new_state[leaves] = CYCLING
    clock = np.where(new_state == CYCLING, dtcs.cycle_hours + dt_h, dtcs.cycle_hours)
    clock[divides | leaves] = 0.0
    for name, mask in (
        ("apoptosis", apoptosis),
        ("immune_killed", killed),
        ("entered_dormancy", enters),
        ("left_dormancy", leaves),
        ("divided", divides),
    ):
        counters[COUNTERS.index(name)] += int(mask.sum())
    dtcs = dtcs.with_(switch=switch, state=new_state, cycle_hours=clock)

    # daughters: new ids in parent-id order, placed half a voxel away (not in bone or a vessel)
    parents = np.flatnonzero(divides)
    if len(parents):
        jitter = agent_normals(seed, dtcs.id[parents], k, g.ndim, stream=STREAM_DAUGHTER)
        candidate = np.clip(dtcs.position_um[parents] + 0.5 * g.spacing_um * jitter, 0.0, None)
        candidate = np.minimum(candidate, np.asarray(g.extent_um) * (1.0 - 1e-12))
        bad = model.blocked[tuple(voxel_of(candidate, g.spacing_um, g.shape).T)]
        candidate[bad] = dtcs.position_um[parents][bad]
        daughters = dtcs.select(parents).with_(
            id=np.arange(next_id, next_id + len(parents), dtype=np.int64), position_um=candidate
        )
        next_id += len(parents)
        dtcs = dtcs.concat(daughters)

    # 6. motion
    live = dtcs.state != DEAD
    normals = agent_normals(seed, dtcs.id, k, g.ndim, stream=STREAM_MOVE)
    cxcl12 = fields[model.field_names.index("CXCL12")] if "CXCL12" in model.field_names else None
    moved = migrate(
        dtcs.position_um,
        normals,
        attractant=cxcl12,
        blocked=model.blocked,
        adhesive=g.endosteal,
        spacing_um=g.spacing_um,
        speed_um_per_min=v("dtc_chemotactic_speed"),
        gradient_half_per_um=v("cxcl12_gradient_half"),
        motility_um2_per_min=v("dtc_random_motility"),
        adhesion=v("endosteal_adhesion"),
        dt_min=dt_min,
    )
    dtcs = dtcs.with_(position_um=np.where(live[:, np.newaxis], moved, dtcs.position_um))
    mechanics = model.scenario.mechanics
    if mechanics.enabled and live.sum() > 1:
        constants = Mechanics(
            repulsion_um_per_min=mechanics.repulsion_um_per_min,
            adhesion_um_per_min=mechanics.adhesion_um_per_min,
            radius_um=(3.0 * v("cell_volume") / (4.0 * np.pi)) ** (1.0 / 3.0),
            relative_adhesion_distance=mechanics.relative_adhesion_distance,
            dt_min=mechanics.dt_min,
        )
        pushed = dtcs.position_um.copy()
        pushed[live] = relax(
            dtcs.position_um[live],
            np.full(int(live.sum()), constants.radius_um),
            constants,
            dt_min,
            blocked=model.blocked,
            spacing_um=g.spacing_um,
        )
        dtcs = dtcs.with_(position_um=pushed)
    res = state.residents
    mobile = (res.kind == NK) | (res.kind == CD8)
    position = res.position_um.copy()
    if mobile.any():
        walk = agent_normals(seed, res.id[mobile], k, g.ndim, stream=STREAM_MOVE)
        position[mobile] = migrate(
            res.position_um[mobile],
            walk,
            attractant=None,
            blocked=model.blocked,
            adhesive=np.zeros(g.shape, dtype=bool),
            spacing_um=g.spacing_um,
            speed_um_per_min=0.0,
            gradient_half_per_um=1.0,
            motility_um2_per_min=v("immune_random_motility"),
            adhesion=0.0,
            dt_min=dt_min,
        )

    # 7. residents: MSC priming by contact, M1 → M2 polarisation near cycling DTCs; remove the dead
    res_vox = voxel_of(res.position_um, g.spacing_um, g.shape)
    at = tuple(res_vox.T)
    dtc_vox = voxel_of(dtcs.position_um[live], g.spacing_um, g.shape)
    touching = box_sum(count_grid(dtc_vox, g.shape), model.radius_voxels("contact_radius"))[at] > 0
    primed = res.primed | ((res.kind == MSC) & touching)
    cycling_vox = voxel_of(dtcs.position_um[dtcs.state == CYCLING], g.spacing_um, g.shape)
    near_cycling = box_sum(count_grid(cycling_vox, g.shape), model.radius_voxels("signal_radius"))[at]
    draw = uniforms(seed, res.id, k, 1, stream=STREAM_RESIDENT)[:, 0]
    turns = res.m1 & (draw < -np.expm1(-v("m2_polarisation_rate") * near_cycling * dt_day))
    residents = res.with_(position_um=position, primed=primed, m1=res.m1 & ~turns)
    return NicheState(
        step=k + 1,
        seed=seed,
        fields=fields,
        dtcs=dtcs.select(live),
        residents=residents,
        next_id=next_id,
        counters=counters,
    )
