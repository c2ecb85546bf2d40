"""Niche rendering: PNG snapshots and movies are written, complete and non-empty."""

import imageio.v3 as iio
import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.niche import default_section, initial_fields, load_field_specs
from dormancy.niche.render import render_snapshot, write_movie


@pytest.fixture(scope="module")
def section():
    geometry = default_section(size_um=400.0, seed=1)
    specs = load_field_specs(("O2", "TGFB1"))
    fields = initial_fields(specs, geometry)
    fields[1] = np.linspace(0.0, 1.0, geometry.shape[0])[:, None] * ~geometry.bone
    agents = pd.DataFrame(
        {
            "x_um": [50.0, 150.0, 250.0, 300.0],
            "y_um": [200.0, 220.0, 300.0, 350.0],
            "kind": ["dtc", "dtc", "osteoblast", "nk"],
            "state": ["dormant", "proliferating", "active", "active"],
        }
    )
    return geometry, fields, agents


def test_snapshot_is_a_png_with_the_field_and_tissue(section, tmp_path):
    geometry, fields, agents = section
    path = render_snapshot(
        geometry, fields, "TGFB1", agents, path=tmp_path / "snap.png", title="day 1", field_names=("O2", "TGFB1")
    )
    image = iio.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert len(np.unique(image.reshape(-1, image.shape[2]), axis=0)) > 20  # a colour map, tissue and markers
    assert not list(tmp_path.glob(".*tmp"))


def test_snapshot_of_a_3d_midplane_with_a_mapping_of_agents(tmp_path):
    geometry = default_section(ndim=3, size_um=200.0, seed=2)
    specs = load_field_specs(("O2",))
    agents = {"x_um": np.array([50.0]), "y_um": np.array([150.0]), "z_um": np.array([100.0]), "kind": np.array(["dtc"])}
    path = render_snapshot(geometry, initial_fields(specs, geometry), 0, agents, path=tmp_path / "mid.png")
    assert path.stat().st_size > 1000


def test_bad_snapshot_requests_name_the_field(section, tmp_path):
    geometry, fields, agents = section
    with pytest.raises(InputError, match="field"):
        render_snapshot(geometry, fields, "VEGF", agents, path=tmp_path / "x.png", field_names=("O2", "TGFB1"))
    with pytest.raises(InputError, match=r"agents\.kind"):
        render_snapshot(geometry, None, None, {"x_um": [1.0], "y_um": [1.0]}, path=tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_movie_of_three_frames(section, tmp_path, suffix):
    geometry, fields, agents = section
    frames = [
        render_snapshot(geometry, fields * (1 + i), 1, agents, path=tmp_path / f"f{i}.png", field_names=("O2", "TGFB1"))
        for i in range(3)
    ]
    movie = write_movie(frames, tmp_path / f"movie{suffix}", fps=2)
    assert movie.stat().st_size > 1000
    if suffix == ".gif":
        assert iio.imread(movie).shape[0] == 3
    with pytest.raises(InputError, match="movie"):
        write_movie(frames, tmp_path / "movie.avi")


def test_dtcs_stand_out_by_state_and_the_legend_sits_under_the_section(section, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    seen = {}
    original = Figure.savefig

    def keep(self, *args, **kwargs):  # read the drawing before render_snapshot clears it
        axes = self.axes[0]
        seen["labels"] = [text.get_text() for text in axes.get_legend().get_texts()]
        seen["sizes"] = {c.get_label(): float(c.get_sizes()[0]) for c in axes.collections if len(c.get_offsets())}
        seen["anchor_y"] = axes.get_legend().get_bbox_to_anchor()._bbox.p0[1]
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    agents = section[2].assign(state=["dormant", "proliferating", "resident", "resident"])
    render_snapshot(section[0], agents=agents, path=tmp_path / "s.png")
    assert seen["labels"][:2] == ["DTC dormant", "DTC proliferating"]  # DTCs first, one entry per state
    assert "nk" in seen["labels"] and "osteoblast" in seen["labels"]  # residents: one entry per kind
    assert seen["sizes"]["DTC dormant"] > 4 * seen["sizes"]["nk"]
    assert seen["anchor_y"] < 0  # under the section, not beside it
