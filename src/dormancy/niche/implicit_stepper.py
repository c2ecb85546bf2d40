r"""The ``implicit`` field scheme: every field one unsplit backward-Euler step per model step, by multigrid CG.

Every field, with or without uptake, takes one step
:math:`(I + \Delta t(\lambda + u) - \Delta t D\nabla^2)\,c' = c + \Delta t\,s` per model step (an hour), solved by
conjugate gradients preconditioned with the geometric multigrid V-cycle of :mod:`dormancy.niche.multigrid`, started
from the current field, until every voxel is within :data:`~dormancy.niche.multigrid.RESIDUAL_TOLERANCE` × the
largest concentration of the exact step. Backward Euler is exact at steady state (the split LOD scheme is not: at
source voxels its steady state is 7 % (TGF-β2, n = 12 sub-steps) to 25 % (TSP1) off the discrete steady state on a
3D section with 1 % of voxels secreting; measured in ``tests/test_niche_implicit.py``) and L-stable, so one hourly
step damps every mode; its error is in the transient, first order in :math:`\Delta t` (tested against a fine
reference). Fields whose sources have not changed (residents' secretions, vessel-edge TSP1 and periostin) start
each step at their steady state and cost one residual pass; only fields whose sources move (DTC PTHrP and VEGF,
O2 with its uptake) iterate.

The burn-in of :func:`dormancy.niche.model.init` under this scheme solves each field's steady state with the
residents' sources and uptake directly (:meth:`ImplicitFieldStepper.steady_state`) instead of relaxing it for 24
hourly steps (CXCL12, λ = 0.001/min, is still 24 % below its steady state after 24 h of relaxation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dormancy.niche.fields import FieldSpec
from dormancy.niche.geometry import Geometry
from dormancy.niche.multigrid import Hierarchy, block_sum, prolong_conservative, restrict_mean


@dataclass(frozen=True)
class ImplicitFieldStepper:
    """Multigrid backward-Euler solvers of every field for one geometry and one step length.

    Parameters
    ----------
    specs : tuple of FieldSpec
    geometry : Geometry
    dt_min : float
        Step length, minutes.
    uptake_fields : tuple of int
        Indices of the fields whose uptake is read (their operator changes every step).
    coarse_fields : tuple of int
        Indices of the fields solved on the grid twice as coarse (:func:`build_implicit_stepper`).
    iterations : list of int
        Conjugate-gradient iterations of each field in the last :meth:`advance` (a diagnostic).
    """

    specs: tuple[FieldSpec, ...]
    geometry: Geometry
    dt_min: float
    uptake_fields: tuple[int, ...]
    _hierarchies: tuple[Hierarchy, ...]
    _unknown: tuple[NDArray[np.bool_], ...]
    coarse_fields: tuple[int, ...] = ()
    _coarse: tuple[Hierarchy | None, ...] = ()
    _fraction: tuple[NDArray[np.float64] | None, ...] = ()
    iterations: list[int] = field(default_factory=list)

    def _solve(self, f: int, b: NDArray[np.float64], start: NDArray[np.float64], scale: float):
        """Solve field ``f``'s system ``A x = b`` from ``start`` (grid-shaped), on the coarse grid if it has one.

        On the coarse grid the system is the restriction of the fine one (:math:`R A P x_c = R b`, ``R`` the block sum
        over unknown children / 2^k), the start is the block mean of ``start``, and the result is prolonged by
        :func:`~dormancy.niche.multigrid.prolong_conservative` (block means kept).
        """
        coarse = self._coarse[f] if self._coarse else None
        if coarse is None:
            return self._hierarchies[f].solve(b, start, scale=scale)
        fine = self._hierarchies[f].fine
        shape3, coarse_level = fine.unknown.shape, coarse.fine
        b_coarse = np.empty(coarse_level.unknown.shape)
        restrict_mean(np.ascontiguousarray(b).reshape(shape3), fine.unknown, coarse_level.unknown, b_coarse)
        b_coarse *= self._fraction[f]  # unknown children / 2^k: R b = that times the mean
        x0 = np.empty(coarse_level.unknown.shape)
        restrict_mean(np.ascontiguousarray(start).reshape(shape3), fine.unknown, coarse_level.unknown, x0)
        x, iterations = coarse.solve(b_coarse, x0, scale=scale)
        out = np.empty(shape3)
        prolong_conservative(np.ascontiguousarray(x), coarse_level.unknown, fine.unknown, out)
        return out.reshape(self.geometry.shape), iterations

    def _rhs(self, f: int, values: NDArray[np.float64], sources: NDArray[np.float64], dt: float):
        spec, unknown, hierarchy = self.specs[f], self._unknown[f], self._hierarchies[f]
        b = np.where(unknown, values + dt * sources, 0.0)
        if spec.vessel_value is not None:
            b += hierarchy.fixed_faces.reshape(b.shape) * spec.vessel_value  # r per face to a vessel voxel
        return b

    def _finish(self, f: int, x: NDArray[np.float64]) -> NDArray[np.float64]:
        spec, unknown = self.specs[f], self._unknown[f]
        result = np.where(unknown, np.maximum(x, 0.0), 0.0)  # the exact solution is non-negative
        if spec.vessel_value is not None:
            result[self.geometry.vessel] = spec.vessel_value
        return result

    def _mass(self, f: int, uptake: NDArray[np.float64], dt: float, *, identity: float) -> NDArray[np.float64]:
        return identity + dt * (self.specs[f].decay_per_min + (uptake if f in self.uptake_fields else 0.0))

    def advance(
        self, values: NDArray[np.float64], sources: NDArray[np.float64], uptake: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Return the fields one step of :attr:`dt_min` later (a new array; the inputs are not modified).

        Parameters as :meth:`dormancy.niche.field_stepper.FieldStepper.advance`.
        """
        out = np.empty(values.shape)
        dt = self.dt_min
        self.iterations.clear()
        for f, spec in enumerate(self.specs):
            hierarchy = self._hierarchies[f]
            if f in self.uptake_fields:
                hierarchy.set_mass(self._mass(f, uptake[f], dt, identity=1.0))
            current = np.where(self._unknown[f], values[f], 0.0)
            b = self._rhs(f, values[f], sources[f], dt)
            scale = max(float(np.abs(current + dt * sources[f] * self._unknown[f]).max()), spec.vessel_value or 0.0)
            x, iterations = self._solve(f, b, current, scale)
            self.iterations.append(iterations)
            out[f] = self._finish(f, x)
        return out

    def steady_state(
        self, values: NDArray[np.float64], sources: NDArray[np.float64], uptake: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        r"""Return every field's steady state :math:`((\lambda + u) - D\nabla^2) c = s` (vessels fixed).

        Solved as :math:`\Delta t` times that system with the step's hierarchy (its mass lowered by 1). A field with
        neither decay, uptake nor vessel value has no steady state and takes one step of :attr:`dt_min` instead.
        """
        out = np.empty(values.shape)
        dt = self.dt_min
        for f, spec in enumerate(self.specs):
            hierarchy = self._hierarchies[f]
            rate = spec.decay_per_min + (uptake[f] if f in self.uptake_fields else 0.0)
            if spec.vessel_value is None and not np.any(np.asarray(rate) > 0.0):
                out[f] = self.advance(values[f : f + 1], sources[f : f + 1], uptake[f : f + 1])[0]
                continue
            mass = self._mass(f, uptake[f], dt, identity=0.0)
            hierarchy.set_mass(mass)
            b = self._rhs(f, np.zeros_like(values[f]), sources[f], dt)
            # |x| <= |dt s| / min mass + vessel value (M-matrix); the error <= residual / min mass, so stop at
            # residual <= tol * that bound * min mass: as close as one step's tolerance, and the next step starts
            # from a residual below its own target.
            smallest = float(np.min(np.broadcast_to(mass, values[f].shape)[self._unknown[f]]))
            bound = float(np.abs(dt * sources[f]).max()) / smallest + (spec.vessel_value or 0.0)
            x, _ = self._solve(f, b, np.where(self._unknown[f], values[f], 0.0), bound * min(1.0, smallest))
            hierarchy.set_mass(self._mass(f, uptake[f], dt, identity=1.0))
            out[f] = self._finish(f, x)
        return out


def coarse_field_indices(
    specs: Sequence[FieldSpec],
    geometry: Geometry,
    decay_voxels: float | None,
    *,
    uptake_fields: Sequence[str] = ("O2",),
) -> tuple[int, ...]:
    r"""Return the indices of the fields solved on the coarse grid (none when ``decay_voxels`` is None).

    A field qualifies when its decay length :math:`\sqrt{D/\lambda}` is at least ``decay_voxels`` voxels and it has
    no cellular uptake and no vessel value.
    """
    if decay_voxels is None:
        return ()
    reach = float(decay_voxels) * float(geometry.spacing_um)
    return tuple(
        f
        for f, spec in enumerate(specs)
        if spec.name not in uptake_fields
        and spec.vessel_value is None
        and spec.decay_per_min > 0.0
        and math.sqrt(spec.diffusion_um2_per_min / spec.decay_per_min) >= reach
    )


def build_implicit_stepper(
    specs: Sequence[FieldSpec],
    geometry: Geometry,
    dt_min: float,
    *,
    uptake_fields: Sequence[str] = ("O2",),
    coarse_decay_voxels: float | None = None,
) -> ImplicitFieldStepper:
    """Set up the multigrid hierarchies of every field for steps of ``dt_min`` minutes.

    Fields with the same diffusion, decay and vessel rule share one hierarchy unless cells take them up. With
    ``coarse_decay_voxels``, the fields of :func:`coarse_field_indices` are solved on the second level of their
    hierarchy (a grid twice as coarse along every axis longer than 1: 8× fewer voxels in 3D).
    """
    specs = tuple(specs)
    taking_up = tuple(i for i, spec in enumerate(specs) if spec.name in uptake_fields)
    shared: dict[tuple[float, float, bool], Hierarchy] = {}
    hierarchies, unknowns = [], []
    for f, spec in enumerate(specs):
        dirichlet = spec.vessel_value is not None
        fixed = geometry.vessel if dirichlet else np.zeros(geometry.shape, dtype=bool)
        unknown = ~geometry.bone & ~fixed
        ratio = spec.diffusion_um2_per_min * float(dt_min) / float(geometry.spacing_um) ** 2
        key = (spec.diffusion_um2_per_min, spec.decay_per_min, dirichlet)
        if f in taking_up or key not in shared:
            hierarchy = Hierarchy(unknown, fixed, ratio=ratio, mass=1.0 + float(dt_min) * spec.decay_per_min)
            if f not in taking_up:
                shared[key] = hierarchy
        else:
            hierarchy = shared[key]
        hierarchies.append(hierarchy)
        unknowns.append(unknown)
    coarse = coarse_field_indices(specs, geometry, coarse_decay_voxels, uptake_fields=uptake_fields)
    coarse = tuple(f for f in coarse if len(hierarchies[f].levels) > 1)
    views: dict[int, Hierarchy] = {}
    fractions: dict[int, NDArray[np.float64]] = {}
    for f in coarse:
        fine = hierarchies[f].fine
        views[f] = hierarchies[f].coarse_view()
        fractions[f] = block_sum(fine.unknown.astype(np.float64), views[f].fine.unknown.shape, fine.scale)
    return ImplicitFieldStepper(
        specs=specs,
        geometry=geometry,
        dt_min=float(dt_min),
        uptake_fields=taking_up,
        _hierarchies=tuple(hierarchies),
        _unknown=tuple(unknowns),
        coarse_fields=coarse,
        _coarse=tuple(views.get(f) for f in range(len(specs))),
        _fraction=tuple(fractions.get(f) for f in range(len(specs))),
    )
