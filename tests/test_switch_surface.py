"""Fate-rate surface: tabulated over inputs, cached on disk under a key of everything it depends on."""

import dataclasses

import numpy as np

from dormancy.params import load_registry
from dormancy.signalling.analysis import FATE_NAMES, fate_surface
from dormancy.signalling.model import SwitchModel

GRID = {"O2": np.linspace(0.0, 1.0, 6), "IL1B": np.array([0.0, 0.9])}
NICHE = {"NUTRIENTS": 0.6, "FIBRONECTIN": 0.6, "ESTROGEN": 0.5}


def test_surface_has_every_fate_and_follows_the_biology(tmp_path):
    model = SwitchModel.from_parameter_set(load_registry().sets["switch_er_negative"])
    surface = fate_surface(model, GRID, niche=NICHE)
    assert set(surface.data_vars) == set(FATE_NAMES)
    assert surface["proliferation_rate"].dims == ("O2", "IL1B")
    proliferation = surface["proliferation_rate"].values
    assert np.all(np.diff(proliferation[:, 0]) >= -1e-9)  # more oxygen, less hypoxic quiescence
    assert np.all(proliferation[:, 1] >= proliferation[:, 0] - 1e-9)  # IL-1β pushes towards cycling
    assert (surface["apoptosis_rate"].values > 0).all()


def test_surface_cache_is_reused_and_invalidated_by_any_parameter(tmp_path):
    model = SwitchModel.from_parameter_set(load_registry().sets["switch_er_negative"])
    first = fate_surface(model, GRID, niche=NICHE, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("fate-surface-*.nc"))) == 1
    again = fate_surface(model, GRID, niche=NICHE, cache_dir=tmp_path)
    assert again.identical(first)
    assert len(list(tmp_path.glob("*"))) == 1  # read back, nothing new written
    slower = dataclasses.replace(model, fate={**model.fate, "max_proliferation_rate": 0.3})
    changed = fate_surface(slower, GRID, niche=NICHE, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("fate-surface-*.nc"))) == 2
    np.testing.assert_allclose(changed["proliferation_rate"], first["proliferation_rate"] * 0.3 / 0.6)
