"""Benchmark: the niche against PhysiCell 1.14.2 on the same scenario, cell mechanics on (issue 21, item 4).

Both codes run **one simulated day** of the same scene and are timed on their main loop only (set-up, the initial
field burn-in, the first output files and compilation excluded on both sides):

* **Domain and voxels**: 2D, 1 mm × 1 mm at 10 µm (100 × 100 voxels; PhysiCell: x and y 0–1000 µm, z −5–5 µm,
  ``dx = dy = dz = 10``, ``use_2D``). Ours is the default marrow section (cortical bone, sinusoids); PhysiCell's
  box has no bone or vessels.
* **Substrates**: four, O2, TGF-β2, CXCL12 and TGF-β1, with our ``niche_transport`` diffusion coefficients, decay
  rates and initial values. Ours holds O2 at 38 mmHg in vessel voxels; PhysiCell at the box's edges (Dirichlet).
* **Agents**: N cells at the same positions, a hexagonally packed colony at 0.9 × the equilibrium distance of the
  potentials (slightly compressed, so every cell has neighbours and the colony pushes outwards), placed in the
  largest free marrow region of our section, points in bone or vessel voxels left out, the same points written to
  PhysiCell's ``cells.csv``. Ours: N DTCs (the arrival bolus, moved to the colony); no resident cells (their
  fractions set to 0), so both codes hold exactly the N agents.
* **Mechanics**: the same potentials and constants (repulsion 10 µm/min, adhesion 0.4 µm/min, relative adhesion
  distance 1.25, radius 8.41 µm from the 2494 µm³ volume), mechanics step 0.1 min, Adams–Bashforth 2 on both sides,
  14,400 mechanics steps in the day.
* **Time steps**: mechanics 0.1 min on both; phenotype 60 min on both (our switch, fates and migration step; in
  PhysiCell ``dt_phenotype``); **diffusion differs**: PhysiCell's main loop advances at ``dt_diffusion`` and takes
  its mechanics step from the time since the last one, so its diffusion step cannot exceed the mechanics step — it
  runs at 0.1 min (14,400 diffusion steps, the coarsest it allows with 0.1-min mechanics; its default is 0.01 min),
  while ours advances the fields once an hour (O2 one implicit step, the others LOD sub-steps sized by their own
  decay).
* **Per-cell work**: ours integrates every DTC's 18-node dormancy switch each hour, draws fates, divides, removes the
  dead and migrates (random motility and CXCL12 chemotaxis at the lowest values of their priors, 0.1 µm²/min and
  0.02 µm/min; they cannot be zero); PhysiCell's cells have motility off, cycle and death rates set to zero (its
  cycle and volume models still run every phenotype step) and take up O2 at our DTC rate (10/min) every
  diffusion step.
* **Threads**: PhysiCell's ``omp_num_threads`` and ``OMP_NUM_THREADS`` equal Numba's thread count.
* **Output**: PhysiCell writes its initial and final snapshots (outside the timed loop); full data and SVG saves in
  the loop are off (one status line at t = 0). Ours records nothing.

Printed, with the load average: agent-steps per second (agents × mechanics steps / wall seconds of the loop) for
each and their ratio; then each code with no agents (fields only), the agent share (total minus fields only) as
agent-steps per second, and ours with mechanics off.

PhysiCell's source is fetched, never vendored: ``--physicell-source PATH`` (an existing checkout or export), or by
default ``git clone --depth 1 --branch 1.14.2 https://github.com/MathCancer/PhysiCell`` into the cache
(``$DORMANCY_PHYSICELL_CACHE``, default ``~/.cache/dormancy/physicell``), built there with ``make template && make``
(g++ with OpenMP). Where PhysiCell cannot be fetched or built the benchmark says why and skips.

Run: ``python benchmarks/bench_physicell.py [--physicell-source PATH] [--agents 1000] [--threads 2]`` or
``python -m pytest -m benchmark benchmarks/bench_physicell.py -s`` (source from ``$PHYSICELL_SOURCE`` when set).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

PHYSICELL_REPOSITORY = "https://github.com/MathCancer/PhysiCell"
PHYSICELL_VERSION = "1.14.2"
FIELDS = ("O2", "TGFB2", "CXCL12", "TGFB1")
DAYS = 1.0
"""Simulated time of the comparison (``--days``; the issue asks for one day, shorter only for a smoke test)."""
MECHANICS_DT_MIN = 0.1
PHENOTYPE_DT_MIN = 60.0
DIFFUSION_DT_MIN = 0.1
COMPRESSION = 0.9
"""Colony lattice spacing as a fraction of the potentials' equilibrium distance."""
NO_RESIDENTS = {
    "osteoblast_coverage": 0.0,
    "osteoclast_coverage": 0.0,
    "msc_fraction": 0.0,
    "nk_fraction": 0.0,
    "cd8_fraction": 0.0,
    "macrophage_fraction": 0.0,
}
SLOWEST_MOTILITY = {"dtc_random_motility": 0.1, "dtc_chemotactic_speed": 0.02}


class Unavailable(RuntimeError):
    """PhysiCell cannot be fetched, built or run here; the message says why."""


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def default_cache() -> Path:
    """Where PhysiCell is cloned and built: ``$DORMANCY_PHYSICELL_CACHE`` or ``~/.cache/dormancy/physicell``."""
    return Path(os.environ.get("DORMANCY_PHYSICELL_CACHE", Path.home() / ".cache" / "dormancy" / "physicell"))


def physicell_source(path: str | os.PathLike[str] | None, cache: Path) -> Path:
    """Return a PhysiCell source tree: ``path`` when given, else a shallow clone of the release in ``cache``."""
    if path is not None:
        source = Path(path).expanduser().resolve()
        if not (source / "sample_projects" / "template").is_dir() or not (source / "Makefile").is_file():
            raise Unavailable(f"{source} is not a PhysiCell source tree (no Makefile or sample_projects/template)")
        return source
    source = cache / f"PhysiCell-{PHYSICELL_VERSION}"
    if (source / "Makefile").is_file():
        return source
    if shutil.which("git") is None:
        raise Unavailable("git is not installed, so PhysiCell cannot be fetched; pass --physicell-source PATH")
    cache.mkdir(parents=True, exist_ok=True)
    command = ["git", "clone", "--depth", "1", "--branch", PHYSICELL_VERSION, PHYSICELL_REPOSITORY, str(source)]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(source, ignore_errors=True)
        detail = getattr(error, "stderr", "") or str(error)
        what = f"{PHYSICELL_REPOSITORY} {PHYSICELL_VERSION}"
        raise Unavailable(f"could not clone {what}: {detail.strip()[:300]}") from None
    return source


def build_physicell(source: Path, cache: Path, *, jobs: int) -> Path:
    """Build the template project from a copy of ``source`` in ``cache`` (once) and return its executable."""
    compiler = os.environ.get("PHYSICELL_CPP", "g++")
    if shutil.which(compiler) is None:
        raise Unavailable(f"no C++ compiler {compiler!r} (PhysiCell builds with g++ and OpenMP; set PHYSICELL_CPP)")
    version = (source / "VERSION.txt").read_text().strip() if (source / "VERSION.txt").is_file() else "unknown"
    build = cache / f"build-{version}"
    program = build / "project"
    if program.is_file():
        return program
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(source, build, ignore=shutil.ignore_patterns(".git"))
    log = build / "dormancy-build.log"
    with open(log, "w") as stream:
        for command in (["make", "template"], ["make", f"-j{jobs}"]):
            done = subprocess.run(command, cwd=build, stdout=stream, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                tail = log.read_text(errors="replace")[-600:]
                raise Unavailable(f"`{' '.join(command)}` failed in {build} (see {log}):\n{tail}")
    if not program.is_file():
        raise Unavailable(f"the PhysiCell build in {build} made no `project` executable (see {log})")
    return program


# --------------------------------------------------------------------------------------------------- the scene ---


@dataclass(frozen=True)
class Scene:
    """What both codes run: the niche scenario, the colony positions (µm) and the field constants."""

    scenario: object
    positions_um: np.ndarray
    fields: tuple  # FieldSpec of FIELDS
    radius_um: float
    o2_uptake_per_min: float
    threads: int
    days: float = DAYS


def niche_scenario(agents: int, *, mechanics: bool = True, days: float = DAYS):
    """Our scenario: the default section, four fields, ``agents`` DTCs, no residents, one day."""
    from dormancy.niche import default_niche_scenario

    return default_niche_scenario(
        dtc={"count": agents},
        cells=NO_RESIDENTS,
        fields=list(FIELDS),
        days=days,
        dt_hours=PHENOTYPE_DT_MIN / 60.0,
        parameters=SLOWEST_MOTILITY,
        mechanics={"enabled": mechanics, "dt_min": MECHANICS_DT_MIN},
    )


def colony_positions(model, agents: int) -> np.ndarray:
    """``agents`` points of a hexagonal lattice at ``COMPRESSION`` × the equilibrium distance, nearest first to the
    marrow point farthest from bone and vessels, leaving out points in blocked voxels or within a radius of an edge."""
    from scipy import ndimage

    from dormancy.niche.mechanics import Mechanics

    g = model.geometry
    m = model.scenario.mechanics
    radius = (3.0 * model.value("cell_volume") / (4.0 * np.pi)) ** (1.0 / 3.0)
    constants = Mechanics(m.repulsion_um_per_min, m.adhesion_um_per_min, radius, m.relative_adhesion_distance)
    spacing = COMPRESSION * constants.equilibrium_distance_um
    blocked = np.asarray(model.blocked).reshape(g.shape)
    edges = tuple(slice(1, -1) for _ in g.shape)  # the domain's edges count as blocked
    free = ndimage.distance_transform_edt(np.pad(~blocked, 1, constant_values=False))[edges]
    centre = (np.array(np.unravel_index(np.argmax(free), g.shape)) + 0.5) * g.spacing_um
    extent = np.asarray(g.extent_um, dtype=float)
    half = math.ceil(float(extent.max()) / spacing) + 2
    i, j = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1), indexing="ij")
    points = np.stack([(i + 0.5 * (j % 2)) * spacing, j * spacing * math.sqrt(3.0) / 2.0], axis=-1).reshape(-1, 2)
    points = points + centre
    inside = np.all((points > radius) & (points < extent - radius), axis=1)
    points = points[inside]
    voxel = np.minimum((points / g.spacing_um).astype(int), np.array(g.shape) - 1)
    points = points[~blocked[voxel[:, 0], voxel[:, 1]]]
    order = np.argsort(np.hypot(*(points - centre).T), kind="stable")
    if len(order) < agents:
        raise ValueError(f"only {len(order)} free lattice points for {agents} agents")
    return np.ascontiguousarray(points[order[:agents]])


def make_scene(agents: int, threads: int, days: float = DAYS) -> Scene:
    """Build the shared scene for ``agents`` cells."""
    from dormancy.niche import build_niche_model

    model = build_niche_model(niche_scenario(max(agents, 1)))
    positions = colony_positions(model, agents) if agents else np.zeros((0, 2))
    radius = (3.0 * model.value("cell_volume") / (4.0 * np.pi)) ** (1.0 / 3.0)
    uptake = model.value("dtc_oxygen_uptake")
    return Scene(model.scenario, positions, tuple(model.field_specs), radius, uptake, threads, days)


# --------------------------------------------------------------------------------------------------------- ours ---


def run_ours(scene: Scene, *, mechanics: bool = True) -> dict[str, float]:
    """Time one simulated day of our niche on the scene; agent-steps counted on the DTCs each mechanics step sees."""
    from dormancy.niche import build_niche_model, init, step

    agents = len(scene.positions_um)
    model = build_niche_model(niche_scenario(agents, mechanics=mechanics, days=scene.days))
    state = step(init(model), model)  # the arrival step (bolus); compiles the kernels
    if agents:
        if len(state.dtcs.id) < agents:  # the bolus, plus any daughters of the arrival step's divisions
            raise RuntimeError(f"{len(state.dtcs.id)} DTCs after the arrival step, fewer than {agents}")
        dtcs = state.dtcs.select(np.arange(agents))  # the first arrivals (sorted by id)
        state = replace(state, dtcs=dtcs.with_(position_um=scene.positions_um.copy()))
    steps = round(scene.days * 24.0 / model.dt_hours)
    per_step = round(60.0 * model.dt_hours / MECHANICS_DT_MIN)
    agent_steps = 0
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        state = step(state, model)
        agent_steps += len(state.dtcs.id) * per_step
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "agent_steps": agent_steps, "final_agents": len(state.dtcs.id)}


# ---------------------------------------------------------------------------------------------------- PhysiCell ---


def _set(root: ET.Element, path: str, value: object) -> None:
    node = root.find(path)
    if node is None:
        raise Unavailable(f"the PhysiCell template settings have no {path!r} (another PhysiCell version?)")
    node.text = str(value)


def physicell_settings(scene: Scene, template: Path, folder: Path, *, agents_csv: Path | None) -> ET.ElementTree:
    """The template's ``PhysiCell_settings.xml`` rewritten for the scene (see the module docstring)."""
    tree = ET.parse(template)
    root = tree.getroot()
    domain = scene.scenario.domain
    size, h = domain.size_um, domain.spacing_um
    for key, value in (("x_min", 0), ("x_max", size), ("y_min", 0), ("y_max", size), ("z_min", -h / 2),
                       ("z_max", h / 2), ("dx", h), ("dy", h), ("dz", h), ("use_2D", "true")):  # fmt: skip
        _set(root, f"domain/{key}", value)
    _set(root, "overall/max_time", scene.days * 1440.0)
    _set(root, "overall/dt_diffusion", DIFFUSION_DT_MIN)
    _set(root, "overall/dt_mechanics", MECHANICS_DT_MIN)
    _set(root, "overall/dt_phenotype", PHENOTYPE_DT_MIN)
    _set(root, "parallel/omp_num_threads", scene.threads)
    _set(root, "save/folder", folder)
    for kind in ("full_data", "SVG"):
        _set(root, f"save/{kind}/interval", 10 * max(scene.days, 1.0) * 1440.0)
        _set(root, f"save/{kind}/enable", "false")
    _set(root, "save/legacy_data/enable", "false")
    _set(root, "save/SVG/plot_substrate/substrate", FIELDS[0])

    setup = root.find("microenvironment_setup")
    prototype = setup.find("variable")
    for old in setup.findall("variable"):
        setup.remove(old)
    for index, spec in enumerate(scene.fields):
        variable = ET.fromstring(ET.tostring(prototype))
        variable.set("name", spec.name)
        variable.set("ID", str(index))
        variable.set("units", spec.unit)
        _set(variable, "physical_parameter_set/diffusion_coefficient", spec.diffusion_um2_per_min)
        _set(variable, "physical_parameter_set/decay_rate", spec.decay_per_min)
        _set(variable, "initial_condition", spec.initial)
        held = spec.vessel_value is not None  # O2: vessels in ours, the box's edges in PhysiCell
        dirichlet = variable.find("Dirichlet_boundary_condition")
        dirichlet.text = str(spec.vessel_value if held else 0.0)
        dirichlet.set("enabled", "True" if held else "False")
        for boundary in variable.findall("Dirichlet_options/boundary_value"):
            boundary.text = dirichlet.text
            boundary.set("enabled", "True" if held and boundary.get("ID") in ("xmin", "xmax", "ymin", "ymax")
                         else "False")  # fmt: skip
        setup.insert(index, variable)
    _set(setup, "options/track_internalized_substrates_in_each_agent", "false")

    cell = root.find("cell_definitions/cell_definition")
    phenotype = cell.find("phenotype")
    for duration in phenotype.findall("cycle/phase_durations/duration"):
        duration.text = "1e12"  # no division in the day (the cycle model still runs)
    for rate in phenotype.findall("death/model/death_rate"):
        rate.text = "0"
    _set(phenotype, "volume/total", round(4.0 / 3.0 * math.pi * scene.radius_um**3, 3))
    mechanics = scene.scenario.mechanics
    _set(phenotype, "mechanics/cell_cell_adhesion_strength", mechanics.adhesion_um_per_min)
    _set(phenotype, "mechanics/cell_cell_repulsion_strength", mechanics.repulsion_um_per_min)
    _set(phenotype, "mechanics/relative_maximum_adhesion_distance", mechanics.relative_adhesion_distance)
    _set(phenotype, "motility/options/enabled", "false")
    for path in ("motility/options/chemotaxis/substrate",):
        _set(phenotype, path, FIELDS[0])
    for sensitivity in phenotype.findall("motility/options/advanced_chemotaxis/chemotactic_sensitivities/*"):
        sensitivity.set("substrate", FIELDS[0])
    secretion = phenotype.find("secretion")
    prototype = secretion.find("substrate")
    for old in secretion.findall("substrate"):
        secretion.remove(old)
    for spec in scene.fields:
        substrate = ET.fromstring(ET.tostring(prototype))
        substrate.set("name", spec.name)
        _set(substrate, "secretion_rate", 0)
        _set(substrate, "uptake_rate", scene.o2_uptake_per_min if spec.name == "O2" else 0)
        _set(substrate, "net_export_rate", 0)
        secretion.append(substrate)

    _set(root, "user_parameters/number_of_cells", 0)
    positions = root.find("initial_conditions/cell_positions")
    positions.set("enabled", "true" if agents_csv is not None else "false")
    if agents_csv is not None:
        _set(positions, "folder", agents_csv.parent)
        _set(positions, "filename", agents_csv.name)
    return tree


_RUNTIME = re.compile(r"Total simulation runtime:\s*(\d+) days, (\d+) hours, (\d+) minutes, and ([0-9.eE+-]+) seconds")


def run_physicell(program: Path, scene: Scene, work: Path) -> dict[str, float]:
    """Run PhysiCell's template project on the scene.

    Returns the wall seconds of its main loop (its own runtime stopwatch), the whole process's wall and CPU seconds
    (CPU of the child process, from ``getrusage``) and the agent-steps (agents × mechanics steps).
    """
    agents = len(scene.positions_um)
    run = work / f"run-{agents}-agents-{scene.days:g}d-{os.getpid()}"
    shutil.rmtree(run, ignore_errors=True)
    (run / "output").mkdir(parents=True)
    csv = run / "cells.csv"
    np.savetxt(csv, np.column_stack([scene.positions_um, np.zeros((agents, 2))]),
               fmt=["%.6f", "%.6f", "%g", "%d"], delimiter=",")  # fmt: skip
    template = program.parent / "config" / "PhysiCell_settings.xml"
    settings = run / "PhysiCell_settings.xml"
    physicell_settings(scene, template, run / "output", agents_csv=csv).write(settings)
    env = {**os.environ, "OMP_NUM_THREADS": str(scene.threads)}
    start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([str(program), str(settings)], cwd=program.parent, env=env, capture_output=True, text=True)
    process = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    (run / "stdout.txt").write_text(done.stdout)
    found = _RUNTIME.search(done.stdout)
    if done.returncode != 0 or found is None:
        where = run / "stdout.txt"
        raise RuntimeError(f"PhysiCell failed (exit {done.returncode}); see {where}:\n{done.stdout[-800:]}")
    d, h, m, s = (float(x) for x in found.groups())
    seconds = ((d * 24 + h) * 60 + m) * 60 + s
    steps = round(scene.days * 1440.0 / MECHANICS_DT_MIN)
    return {"seconds": seconds, "process_seconds": process, "process_cpu_seconds": cpu, "agent_steps": agents * steps}


def run_physicell_loop(program: Path, scene: Scene, work: Path) -> dict[str, float]:
    """:func:`run_physicell`, plus ``cpu_seconds``: the process's CPU less that of the same run with no simulated
    time (set-up, the initial and final snapshots), i.e. the main loop's CPU."""
    setup = run_physicell(program, replace(scene, days=0.0), work)
    result = run_physicell(program, scene, work)
    result["setup_cpu_seconds"] = setup["process_cpu_seconds"]
    result["cpu_seconds"] = max(result["process_cpu_seconds"] - setup["process_cpu_seconds"], 1e-9)
    return result


# ------------------------------------------------------------------------------------------------------ compare ---


def _rate(result: dict[str, float], clock: str = "seconds") -> float:
    return result["agent_steps"] / result[clock]


def compare(
    program: Path, agents: int, threads: int, work: Path, *, parts: bool = True, days: float = DAYS
) -> dict[str, float]:
    """Run both codes on the scene with ``agents`` cells; print and return the figures.

    With ``parts``, also each code with a single agent (fields only: one cell has no mechanics neighbours) and ours
    with mechanics off; the agent share is the difference.
    """
    import numba

    numba.set_num_threads(threads)
    scene = make_scene(agents, threads, days)
    print(f"\n{agents} agents, 100 x 100 voxels of 10 um, {len(FIELDS)} substrates, mechanics 0.1 min, "
          f"{days:g} simulated day(s); {threads} thread(s) each (Numba / OpenMP); {_load()}")  # fmt: skip
    physicell = run_physicell_loop(program, scene, work)
    print(
        f"  PhysiCell {PHYSICELL_VERSION}: main loop {physicell['seconds']:8.2f} s wall, "
        f"{physicell['cpu_seconds']:7.2f} s CPU: {_rate(physicell):12,.0f} agent-steps per wall s, "
        f"{_rate(physicell, 'cpu_seconds'):12,.0f} per CPU s "
        f"(set-up {physicell['setup_cpu_seconds']:.2f} s CPU; {_load()})"
    )
    ours = run_ours(scene)
    print(
        f"  ours:            main loop {ours['seconds']:8.2f} s wall, {ours['cpu_seconds']:7.2f} s CPU: "
        f"{_rate(ours):12,.0f} agent-steps per wall s, {_rate(ours, 'cpu_seconds'):12,.0f} per CPU s "
        f"({ours['final_agents']} agents at the end; {_load()})"
    )
    result = {
        "physicell_rate": _rate(physicell),
        "ours_rate": _rate(ours),
        "ratio": _rate(ours) / _rate(physicell),
        "cpu_ratio": _rate(ours, "cpu_seconds") / _rate(physicell, "cpu_seconds"),
    }
    print(
        f"  RATIO ours / PhysiCell: {result['ratio']:.1f}x per wall second, {result['cpu_ratio']:.1f}x per CPU second"
    )
    if not parts:
        return result
    one = replace(scene, positions_um=scene.positions_um[:1])
    physicell_one = run_physicell_loop(program, one, work)
    ours_one = run_ours(one)
    ours_still = run_ours(scene, mechanics=False)
    for name, full, empty in (("PhysiCell", physicell, physicell_one), ("ours", ours, ours_one)):
        wall = max(full["seconds"] - empty["seconds"], 1e-9)
        cpu = max(full["cpu_seconds"] - empty["cpu_seconds"], 1e-9)
        result[f"{name}_agent_share_cpu"] = full["agent_steps"] / cpu
        print(f"  {name:9s} fields only (one agent): {empty['seconds']:8.2f} s wall, "
              f"{empty['cpu_seconds']:7.2f} s CPU; "
              f"agent share {wall:8.2f} s wall, {cpu:7.2f} s CPU = {full['agent_steps'] / cpu:12,.0f} agent-steps "
              "per CPU s")  # fmt: skip
    mechanics = max(ours["cpu_seconds"] - ours_still["cpu_seconds"], 1e-9)
    print(f"  ours with mechanics off: {ours_still['seconds']:.2f} s wall, {ours_still['cpu_seconds']:.2f} s CPU; "
          f"mechanics {mechanics:.2f} s CPU = {ours['agent_steps'] / mechanics:,.0f} agent mechanics steps "
          "per CPU s")  # fmt: skip
    result["agent_share_cpu_ratio"] = result["ours_agent_share_cpu"] / result["PhysiCell_agent_share_cpu"]
    print(f"  agent-share ratio per CPU second (ours / PhysiCell): {result['agent_share_cpu_ratio']:.1f}x ({_load()})")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source_help = "an existing PhysiCell checkout or export (default: clone 1.14.2 into the cache)"
    parser.add_argument("--physicell-source", default=os.environ.get("PHYSICELL_SOURCE"), help=source_help)
    parser.add_argument("--cache", type=Path, default=default_cache(), help="where PhysiCell is cloned and built")
    parser.add_argument("--agents", type=int, nargs="+", default=[1000], help="agent counts (default 1000)")
    parser.add_argument("--threads", type=int, default=None, help="threads for both (default: Numba's count)")
    parser.add_argument("--days", type=float, default=DAYS, help="simulated days (1 for the comparison)")
    parser.add_argument("--no-parts", action="store_true", help="skip the fields-only and mechanics-off runs")
    args = parser.parse_args(argv)
    import numba

    threads = args.threads or numba.get_num_threads()
    try:
        program = build_physicell(physicell_source(args.physicell_source, args.cache), args.cache, jobs=threads)
    except Unavailable as reason:
        print(f"SKIPPED: PhysiCell is not available: {reason}")
        return 0
    print(f"PhysiCell: {program}; {_load()}; {os.cpu_count()} CPUs")
    for agents in args.agents:
        compare(program, agents, threads, args.cache / "runs", parts=not args.no_parts, days=args.days)
    return 0


@pytest.mark.benchmark
def test_against_physicell_with_mechanics():
    import numba

    threads = numba.get_num_threads()
    cache = default_cache()
    try:
        program = build_physicell(physicell_source(os.environ.get("PHYSICELL_SOURCE"), cache), cache, jobs=threads)
    except Unavailable as reason:
        pytest.skip(f"PhysiCell is not available: {reason}")
    result = compare(program, int(os.environ.get("BENCH_PHYSICELL_AGENTS", 1000)), threads, cache / "runs")
    assert result["ours_rate"] > 0 and result["physicell_rate"] > 0


if __name__ == "__main__":
    sys.exit(main())
