"""3D spheroid protocol: the oxygen solver against its analytic limits, and the directions of stiffness and depth."""

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.lab import run_protocol
from dormancy.lab.spheroid import (
    SpheroidOptions,
    oxygen_first_order,
    oxygen_profile,
    oxygen_zero_order,
    run_spheroid,
    stiffness_to_fibronectin,
)
from dormancy.lab.tissue import lab_parameters

D, V = 2000.0, 20.0  # µm²/s, mmHg/s


def test_oxygen_matches_the_zero_order_steady_state_without_an_anoxic_core():
    # K -> 0: constant uptake; c = c_s - V (R² - r²)/(6D) while c(0) > 0 (R = 200 µm: c(0) = 74.3 mmHg)
    r, c = oxygen_profile(200.0, 141.0, diffusivity=D, vmax=V, half_saturation=1e-9)
    reference = oxygen_zero_order(r, 200.0, 141.0, D, V)
    assert reference[0] == pytest.approx(141.0 - V * 200.0**2 / (6 * D))
    np.testing.assert_allclose(c, reference, atol=1e-5)


def test_oxygen_converges_to_the_first_order_steady_state_at_second_order():
    # K >> c: uptake k c with k = V/K; c = c_s R sinh(r/L)/(r sinh(R/L)), L = sqrt(D/k) = 200 µm
    k, big = 0.05, 1e9
    errors = []
    for points in (26, 51, 101):
        r, c = oxygen_profile(300.0, 141.0, diffusivity=D, vmax=k * big, half_saturation=big, points=points)
        errors.append(np.abs(c - oxygen_first_order(r, 300.0, 141.0, D, k)).max())
    assert errors[-1] < 0.02
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.25)
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.25)


def test_a_large_spheroid_has_an_anoxic_core_and_oxygen_rises_to_the_rim():
    critical = np.sqrt(6 * D * 141.0 / V)  # zero-order radius at which the centre reaches 0
    _, c = oxygen_profile(1.3 * critical, 141.0, diffusivity=D, vmax=V, half_saturation=1.0)
    assert np.all(np.diff(c) >= -1e-12) and c.min() >= 0.0
    assert c[0] < 0.01 and c[-1] == pytest.approx(141.0)
    _, small = oxygen_profile(0.5 * critical, 141.0, diffusivity=D, vmax=V, half_saturation=1.0)
    assert small[0] > 60.0


def test_stiffness_raises_integrin_signalling_half_way_at_the_half_point():
    values = lab_parameters().values()
    levels = [stiffness_to_fibronectin(e, values) for e in (0.1, 1.0, 10.0, 100.0)]
    assert np.all(np.diff(levels) > 0)
    half = stiffness_to_fibronectin(values["scaffold_stiffness_half_kpa"], values)
    assert half == pytest.approx(values["scaffold_fibronectin_max"] / 2)


def _readout(result, readout, day=None):
    table = result.table
    rows = table[table["readout"] == readout]
    return rows if day is None else rows[rows["time_days"] == day]


@pytest.mark.parametrize("seed", [0, 1])
def test_soft_scaffolds_slow_growth_and_hold_more_cells_dormant_than_stiff_ones(seed):
    soft = run_spheroid(SpheroidOptions(stiffness_kpa=0.3, days=4.0, simulated_cells=200), seed)
    stiff = run_spheroid(SpheroidOptions(stiffness_kpa=30.0, days=4.0, simulated_cells=200), seed)
    assert _readout(soft, "fold_change", 4.0)["value"].item() < _readout(stiff, "fold_change", 4.0)["value"].item()
    early = [1.0, 2.0, 3.0]
    soft_dormant = _readout(soft, "dormant_fraction").set_index("time_days").loc[early, "value"].mean()
    stiff_dormant = _readout(stiff, "dormant_fraction").set_index("time_days").loc[early, "value"].mean()
    assert soft_dormant > stiff_dormant


@pytest.mark.parametrize("seed", [0, 1])
def test_cells_deep_in_a_grown_spheroid_are_hypoxic_and_dormant(seed):
    result = run_spheroid(SpheroidOptions(stiffness_kpa=30.0, days=8.0, simulated_cells=200), seed)
    by_depth = _readout(result, "dormant_fraction_by_depth", 8.0).sort_values("depth_um")
    oxygen = _readout(result, "o2_by_depth_mmhg", 8.0).sort_values("depth_um")
    assert np.all(np.diff(oxygen["value"]) < 0)  # oxygen falls with depth
    assert by_depth["value"].iloc[-1] > 0.8 > by_depth["value"].iloc[0] + 0.5
    cells = result.cells
    assert {"x_um", "y_um", "z_um", "dormant", "node_P38"} <= set(cells.columns)
    assert cells.loc[cells["o2_mmhg"] < 5.0, "dormant"].mean() > cells.loc[cells["o2_mmhg"] > 60.0, "dormant"].mean()


def test_a_seed_gives_the_same_spheroid():
    first = run_protocol("spheroid-3d", seed=5, options={"days": 2, "simulated_cells": 80})
    second = run_protocol("spheroid-3d", seed=5, options={"days": 2, "simulated_cells": 80})
    assert first.table.equals(second.table)


@pytest.mark.parametrize(
    ("name", "options", "field"),
    [
        ("spheroid-3d", {"stiffness_kpa": 1000.0}, "stiffness_kpa"),
        ("bone-on-chip", {"vessel": "leaky"}, "vessel"),
        ("bone-explant", {"days": 60}, "days"),
        ("mouse-xenograft", {"host": "syngeneic"}, "host"),
        ("mouse-syngeneic", {"host": "nsg"}, "host"),
        ("intravital", {"dtcs": 0}, "dtcs"),
    ],
)
def test_a_bad_option_of_a_lab_b_protocol_names_the_field(name, options, field):
    with pytest.raises(InputError) as caught:
        run_protocol(name, seed=0, options=options)
    assert [problem.field for problem in caught.value.problems] == [field]
