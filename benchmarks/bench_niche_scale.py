"""Benchmark: the niche at scale (issue 21): today's field solvers and switch against the reference, same process.

* **2D default** (11 fields, 300 DTCs on the default 1 mm section at 10 µm, cell mechanics off as in the reference,
  then on): seconds per simulated day of the current code (field stepper set up once, O2 by preconditioned conjugate
  gradients, LOD sub-steps per field, the switch by ``etd3rk-own``, serial small kernels) against the reference
  settings of main at 0f47b08, reproduced in this process: ``advance_fields`` as it was (O2's matrix rebuilt and
  solved by SuperLU every step, every other field 12 LOD sub-steps an hour through ``diffuse``), the per-cell
  ``etd3rk`` switch and the threaded migration kernel. Runs alternate (reference, current, reference, current) so load
  changes hit both; the ratio of the sums is printed.
* **3D** (``ndim: 3``, default fields, ``DTCS_3D`` DTCs, ``SIZE_3D`` µm cube at 10 µm): seconds per simulated day of
  the current code after its burn-in (set-up and burn-in printed separately), for each field scheme in
  ``BENCH_NICHE_3D_SCHEMES`` (default ``implicit,mixed``; ``implicit-coarseN`` is ``implicit`` with
  ``coarse_field_decay_voxels: N``, 10 when N is left out), with the seconds the fields, mechanics and switch take
  per step.

Every figure is printed with the load average (``os.getloadavg``). Run with
``python -m pytest -m benchmark benchmarks/bench_niche_scale.py -s`` or ``python benchmarks/bench_niche_scale.py``.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import numpy as np
import pytest

import dormancy.niche.agents as agents_module
import dormancy.niche.model as model_module
from dormancy.niche import build_niche_model, default_niche_scenario, diffuse, init, step

STEPS_2D = 24
ROUNDS_2D = 2
SIZE_3D = float(os.environ.get("BENCH_NICHE_3D_UM", 1000.0))
DTCS_3D = int(os.environ.get("BENCH_NICHE_3D_DTCS", 10_000))
STEPS_3D = int(os.environ.get("BENCH_NICHE_3D_STEPS", 3))
SCHEMES_3D = tuple(os.environ.get("BENCH_NICHE_3D_SCHEMES", "implicit,mixed").split(","))


def reference_advance_fields(model, values, sources, uptake, dt_min):
    """``advance_fields`` of main at 0f47b08 (``field_scheme: mixed``), through the public ``diffuse``."""
    g, specs = model.geometry, model.field_specs
    taking_up = np.array([bool(uptake[i].any()) for i in range(len(specs))])
    out = np.empty_like(values)
    if taking_up.any():
        rows = np.flatnonzero(taking_up)
        out[rows] = diffuse(
            values[rows],
            specs=[specs[i] for i in rows],
            geometry=g,
            dt_min=dt_min,
            sources=sources[rows],
            uptake=uptake[rows],
            scheme="coupled",
        )
    rows = np.flatnonzero(~taking_up)
    if len(rows):
        picked = [specs[i] for i in rows]
        substeps = max(1, int(np.ceil(dt_min * max(s.decay_per_min for s in picked) / 0.05)))
        current = values[rows]
        for _ in range(substeps):
            current = diffuse(current, specs=picked, geometry=g, dt_min=dt_min / substeps, sources=sources[rows])
        out[rows] = current
    return out


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _run_steps(model, state, steps):
    start = time.perf_counter()
    for _ in range(steps):
        state = step(state, model)
    return state, time.perf_counter() - start


def _reference_steps(model, state, steps, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(model_module, "advance_fields", reference_advance_fields)
        patch.setattr(agents_module, "PARALLEL_MOVES", 0)
        return _run_steps(replace(model, switch_method="etd3rk"), state, steps)


def bench_2d(monkeypatch) -> dict[str, float]:
    """Return seconds per simulated day (reference, current) and their ratio on the 2D default scenario.

    Like for like: the reference has no cell mechanics, so the current code runs with ``mechanics.enabled: false``
    for the ratio; the default (mechanics on) is timed after it.
    """
    days = float(STEPS_2D * ROUNDS_2D) / 24.0
    model = build_niche_model(default_niche_scenario(days=days, mechanics={"enabled": False}))
    start = step(init(model), model)  # arrivals; compiles the kernels
    _reference_steps(model, start, 1, monkeypatch)  # compile the reference's kernels
    per_day = 24.0 / model.dt_hours / STEPS_2D
    totals = {"reference": 0.0, "current": 0.0}
    print(f"\n2D default: 11 fields, 300 DTCs, {model.geometry.shape} voxels; {_load()}")
    states = {"reference": start, "current": start}
    for round_index in range(ROUNDS_2D):
        states["reference"], seconds = _reference_steps(model, states["reference"], STEPS_2D, monkeypatch)
        totals["reference"] += seconds
        print(f"  round {round_index}: reference {seconds * per_day:6.2f} s/day ({_load()})")
        states["current"], seconds = _run_steps(model, states["current"], STEPS_2D)
        totals["current"] += seconds
        print(f"  round {round_index}: current   {seconds * per_day:6.2f} s/day ({_load()})")
    reference, current = (totals[k] * per_day / ROUNDS_2D for k in ("reference", "current"))
    print(f"  reference {reference:.2f} s/day, current {current:.2f} s/day: {reference / current:.2f}x faster")
    for name, state in states.items():
        print(f"  {name}: {len(state.dtcs)} DTCs, O2 mean {state.fields[0][model.geometry.marrow].mean():.4f} mmHg")
    with_mechanics = build_niche_model(default_niche_scenario(days=days))
    _, seconds = _run_steps(with_mechanics, step(init(with_mechanics), with_mechanics), STEPS_2D)
    print(f"  current with cell mechanics (the default): {seconds * per_day:.2f} s/day ({_load()})")
    return {"reference": reference, "current": current, "ratio": reference / current, "mechanics": seconds * per_day}


def bench_3d() -> dict[str, dict[str, float]]:
    """Return set-up, burn-in and per-day seconds of the current code on the 3D cube, per field scheme.

    ``implicit``: every field one backward-Euler step an hour by multigrid CG, burn-in to the steady state;
    ``mixed``: O2 by Ruge–Stüben-preconditioned CG, the others LOD sub-steps, burn-in of 24 hourly steps.
    """
    results = {}
    for scheme in SCHEMES_3D:
        print(f"\n3D ({scheme}): {SIZE_3D:.0f} µm cube at 10 µm, default fields, {DTCS_3D} DTCs; {_load()}")
        start = time.perf_counter()
        options = {"field_scheme": scheme}
        if scheme.startswith("implicit-coarse"):  # implicit-coarseN: decay length >= N voxels (10) on a 2x coarser grid
            options = {"field_scheme": "implicit", "coarse_field_decay_voxels": float(scheme[15:] or 10.0)}
        model = build_niche_model(
            default_niche_scenario(domain={"ndim": 3, "size_um": SIZE_3D}, dtc={"count": DTCS_3D}, days=1.0, **options)
        )
        built = time.perf_counter() - start
        start = time.perf_counter()
        state = step(init(model), model)
        burn_in = time.perf_counter() - start
        parts: dict[str, list[float]] = {"advance_fields": [], "relax": [], "integrate_cells": []}
        with pytest.MonkeyPatch.context() as patch:  # time the fields, mechanics and switch within each step
            for name, spent in parts.items():
                original = getattr(model_module, name)

                def timed(*args, original=original, spent=spent, **kwargs):
                    begin = time.perf_counter()
                    out = original(*args, **kwargs)
                    spent.append(time.perf_counter() - begin)
                    return out

                patch.setattr(model_module, name, timed)
            state, seconds = _run_steps(model, state, STEPS_3D)
        field_seconds = parts["advance_fields"]
        per_step = {name: sum(spent) / STEPS_3D for name, spent in parts.items()}
        per_day = seconds / STEPS_3D * 24.0 / model.dt_hours
        iterations = getattr(model.field_steppers[0], "iterations", None) if model.field_steppers else None
        print(
            f"  {model.geometry.shape} voxels: build {built:.1f} s, burn-in + arrival step {burn_in:.1f} s, "
            f"{per_day:.1f} s per simulated day ({STEPS_3D} steps, {len(state.dtcs)} DTCs; {_load()}); fields "
            f"{np.mean(field_seconds):.2f} s a step" + (f", CG iterations per field {iterations}" if iterations else "")
        )
        print(
            f"  per step: fields {per_step['advance_fields']:.3f} s, mechanics {per_step['relax']:.3f} s, switch "
            f"{per_step['integrate_cells']:.3f} s, rest {seconds / STEPS_3D - sum(per_step.values()):.3f} s"
        )
        results[scheme] = {"build": built, "burn_in": burn_in, "per_day": per_day}
    return results


@pytest.mark.benchmark
def test_niche_2d_default_against_the_reference_settings(monkeypatch):
    result = bench_2d(monkeypatch)
    assert result["current"] > 0 and result["reference"] > 0


@pytest.mark.benchmark
def test_niche_3d_seconds_per_simulated_day():
    result = bench_3d()
    assert all(r["per_day"] > 0 for r in result.values())


if __name__ == "__main__":
    with pytest.MonkeyPatch.context() as patch:
        bench_2d(patch)
    bench_3d()
