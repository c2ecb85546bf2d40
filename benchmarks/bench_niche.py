"""Benchmark: the niche agent-based model in agent-steps per second, and the same simple rules against Mesa.

Two measurements, each at 10,000 and 100,000 agents, on whatever threads Numba has (2 on the development machine):

* **Full niche model**: the default scenario with four fields (O2, TGF-β2, CXCL12, TGF-β1) on a 1 mm section at
  10 µm (100 × 100 voxels), a bolus of N DTCs: every step integrates every DTC's switch over one hour, draws fates
  (counter-based Philox), divides and removes cells, moves them up the CXCL12 gradient and solves the four fields.
  Reported: live-agent steps per second over ``STEPS`` steps after the arrival step (Numba compilation excluded).
* **Equivalent simple model**, written twice with the same rules, so the ratio compares the frameworks: agents on a
  100 × 100 grid; each step each agent moves to one of its 8 neighbouring cells chosen at random (Moore
  neighbourhood; at the edge, moves off the grid stay put here, while Mesa picks among the existing neighbours), then
  dies with probability ``P_DIE`` or else divides with probability ``P_DIVIDE`` (the daughter in the same cell).
  Ours: struct of arrays, counter-based draws keyed by (seed, id, step) from the compiled
  ``niche.agents.uniforms`` (bit-identical to ``rng.agent_uniforms``), moves and compaction in NumPy.
  Mesa 3.3: one ``Agent`` per cell on a ``MultiGrid``, ``model.agents.shuffle_do("step")``, timed over
  ``MESA_STEPS`` steps.

Run with ``python -m pytest -m benchmark benchmarks/bench_niche.py -s``.
"""

from __future__ import annotations

import time

import numba
import numpy as np
import pytest

from dormancy.niche import build_niche_model, default_niche_scenario, init, step
from dormancy.niche.agents import uniforms
from dormancy.rng import agent_uniforms

mesa = pytest.importorskip("mesa")

SIZES = (10_000, 100_000)
STEPS = 4
MESA_STEPS = {10_000: 5, 100_000: 2}
SIMPLE_STEPS = 20
GRID = 100
P_DIE = 0.01
P_DIVIDE = 0.01
FOUR_FIELDS = ["O2", "TGFB2", "CXCL12", "TGFB1"]
MOORE = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)])


def full_model_rate(n_agents: int) -> tuple[float, float]:
    """Return (live-agent steps per second, seconds per step) of the full niche model with ``n_agents`` DTCs."""
    scenario = default_niche_scenario(fields=FOUR_FIELDS, dtc={"count": n_agents}, seed=5)
    model = build_niche_model(scenario)
    state = step(init(model), model, 0)  # arrivals; also compiles the kernels
    agent_steps = 0
    start = time.perf_counter()
    for k in range(1, STEPS + 1):
        agent_steps += len(state.dtcs) + len(state.residents)
        state = step(state, model, k)
    elapsed = time.perf_counter() - start
    return agent_steps / elapsed, elapsed / STEPS


def simple_ours(n_agents: int, steps: int, seed: int = 0) -> tuple[float, int]:
    """Run the simple random-walk + divide/die model as a struct of arrays; return (agent-steps/s, final count)."""
    ids = np.arange(n_agents, dtype=np.int64)
    draws = agent_uniforms(seed, ids, 0, 2, stream=9)
    x = (draws[:, 0] * GRID).astype(np.int64)
    y = (draws[:, 1] * GRID).astype(np.int64)
    next_id = n_agents
    agent_steps = 0
    start = time.perf_counter()
    for k in range(1, steps + 1):
        agent_steps += len(ids)
        u = uniforms(seed, ids, k, 3)  # = agent_uniforms, compiled
        move = MOORE[np.minimum((u[:, 0] * 8).astype(np.int64), 7)]
        new_x, new_y = x + move[:, 0], y + move[:, 1]
        inside = (new_x >= 0) & (new_x < GRID) & (new_y >= 0) & (new_y < GRID)
        x, y = np.where(inside, new_x, x), np.where(inside, new_y, y)
        dies = u[:, 1] < P_DIE
        divides = ~dies & (u[:, 2] < P_DIVIDE)
        parents = np.flatnonzero(divides)
        daughters = np.arange(next_id, next_id + len(parents), dtype=np.int64)
        next_id += len(parents)
        keep = ~dies
        ids = np.concatenate([ids[keep], daughters])
        x = np.concatenate([x[keep], x[parents]])
        y = np.concatenate([y[keep], y[parents]])
    return agent_steps / (time.perf_counter() - start), len(ids)


class Walker(mesa.Agent):
    """A Mesa agent with the simple rules: random Moore step, then die or divide."""

    def step(self) -> None:
        """Move to a random neighbouring cell, then die with P_DIE or else divide with P_DIVIDE."""
        grid = self.model.grid
        neighbours = grid.get_neighborhood(self.pos, moore=True, include_center=False)
        grid.move_agent(self, self.random.choice(neighbours))
        draw = self.random.random()
        if draw < P_DIE:
            grid.remove_agent(self)
            self.remove()
        elif self.random.random() < P_DIVIDE:
            grid.place_agent(Walker(self.model), self.pos)


class WalkerModel(mesa.Model):
    """N walkers on a GRID × GRID MultiGrid."""

    def __init__(self, n_agents: int, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.grid = mesa.space.MultiGrid(GRID, GRID, torus=False)
        for _ in range(n_agents):
            self.grid.place_agent(Walker(self), (self.random.randrange(GRID), self.random.randrange(GRID)))

    def step(self) -> None:
        """Step every agent once, in random order."""
        self.agents.shuffle_do("step")


def simple_mesa(n_agents: int, steps: int) -> tuple[float, int]:
    """Run the same rules in Mesa; return (agent-steps/s, final count)."""
    model = WalkerModel(n_agents)
    agent_steps = 0
    start = time.perf_counter()
    for _ in range(steps):
        agent_steps += len(model.agents)
        model.step()
    return agent_steps / (time.perf_counter() - start), len(model.agents)


@pytest.mark.benchmark
@pytest.mark.parametrize("n_agents", SIZES)
def test_niche_agent_steps_per_second_against_mesa(n_agents):
    simple_ours(1000, 2)  # warm-up
    ours_simple, ours_final = simple_ours(n_agents, SIMPLE_STEPS)
    mesa_simple, mesa_final = simple_mesa(n_agents, MESA_STEPS[n_agents])
    full, per_step = full_model_rate(n_agents)
    print(
        f"\n{n_agents:,} agents, {numba.get_num_threads()} threads:"
        f"\n  simple model, ours: {ours_simple:,.0f} agent-steps/s ({SIMPLE_STEPS} steps, {ours_final:,} at the end)"
        f"\n  simple model, Mesa {mesa.__version__}: {mesa_simple:,.0f} agent-steps/s ({MESA_STEPS[n_agents]} steps,"
        f" {mesa_final:,} at the end)"
        f"\n  ratio ours / Mesa (same rules): {ours_simple / mesa_simple:.1f}x"
        f"\n  full niche model (switch per DTC, 4 fields, fates, migration): {full:,.0f} agent-steps/s,"
        f" {per_step:.2f} s per 1-h step"
        f"\n  ratio full niche model / Mesa simple model: {full / mesa_simple:.2f}x"
    )
    assert ours_simple > 0 and mesa_simple > 0 and full > 0
