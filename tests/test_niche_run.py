"""Niche runs: bit-identical for any thread count, exact resume from a checkpoint, outputs, result folder, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from dormancy.cli import app
from dormancy.errors import InputError
from dormancy.niche.model import COUNTERS, NICHES, build_niche_model
from dormancy.niche.outputs import agents_frame, cell_table, to_anndata
from dormancy.niche.scenario import (
    default_niche_scenario,
    load_niche_scenario,
    niche_scenario_from_dict,
    save_niche_scenario,
)
from dormancy.niche.simulator import load_checkpoint, run_niche, save_niche_run

SMALL = dict(domain={"size_um": 300.0}, days=1.0, dtc={"count": 80}, seed=11, outputs={"every_hours": 6.0})


def state_digest(state) -> str:
    """SHA-256 over every array of a state (fields, DTCs with their switch states, residents, counters)."""
    digest = hashlib.sha256()
    arrays = [state.fields, state.counters, np.array([state.step, state.next_id])]
    arrays += [getattr(state.dtcs, name) for name in ("id", "position_um", "switch", "state", "cycle_hours", "clone")]
    arrays += [getattr(state.residents, name) for name in ("id", "kind", "position_um", "primed", "m1")]
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def small_run():
    model = build_niche_model(default_niche_scenario(**SMALL))
    return run_niche(model)


_CHILD = textwrap.dedent(
    """
    import hashlib, numpy as np
    from dormancy.niche.model import build_niche_model
    from dormancy.niche.scenario import default_niche_scenario
    from dormancy.niche.simulator import run_niche
    run = run_niche(build_niche_model(default_niche_scenario(**{small!r})))
    s = run.state
    digest = hashlib.sha256()
    arrays = [s.fields, s.counters, np.array([s.step, s.next_id])]
    arrays += [getattr(s.dtcs, n) for n in ("id", "position_um", "switch", "state", "cycle_hours", "clone")]
    arrays += [getattr(s.residents, n) for n in ("id", "kind", "position_um", "primed", "m1")]
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    print(digest.hexdigest())
    """
)


@pytest.mark.slow
def test_same_seed_is_bit_identical_with_one_and_two_threads(small_run):
    source = str(Path(__file__).resolve().parents[1] / "src")
    digests = []
    for threads in ("1", "2"):
        environment = dict(os.environ, NUMBA_NUM_THREADS=threads, PYTHONPATH=source)
        completed = subprocess.run(
            [sys.executable, "-c", _CHILD.format(small=SMALL)],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        digests.append(completed.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1] == state_digest(small_run.state)


def test_a_different_seed_gives_a_different_run(small_run):
    other = run_niche(build_niche_model(default_niche_scenario(**{**SMALL, "seed": 12})), days=0.25)
    again = run_niche(small_run.model, days=0.25)
    assert state_digest(other.state) != state_digest(again.state)


def test_resume_from_a_checkpoint_reaches_the_identical_state(small_run, tmp_path):
    checkpoint = tmp_path / "run.checkpoint.npz"
    partial = run_niche(small_run.model, checkpoint_every=5, checkpoint_path=checkpoint, stop_after=13)
    assert partial.state.step == 13
    state, rows = load_checkpoint(checkpoint, small_run.model)
    assert len(rows) == 3  # day 0, 6 h, 12 h
    assert state.step == 13 and state_digest(state) == state_digest(partial.state)
    assert not list(tmp_path.glob("*.tmp"))  # atomic: no temporary left behind
    resumed = run_niche(small_run.model, resume=checkpoint)
    assert state_digest(resumed.state) == state_digest(small_run.state)
    np.testing.assert_array_equal(resumed.state.dtcs.switch, small_run.state.dtcs.switch)
    xr.testing.assert_identical(resumed.timeseries, small_run.timeseries)
    other = build_niche_model(default_niche_scenario(**{**SMALL, "seed": 99}))
    with pytest.raises(InputError, match="same scenario"):
        load_checkpoint(checkpoint, other)


def test_time_series_counts_match_the_final_state(small_run):
    ts, state = small_run.timeseries, small_run.state
    assert ts.sizes["time_days"] == 5  # day 0 and every 6 h
    final = ts.isel(time_days=-1)
    assert float(final["dtc"].sum()) == len(state.dtcs) == float(final["dtc_by_landing"].sum())
    np.testing.assert_array_equal(final["events"].values, state.counters)
    assert list(ts["niche"].values) == list(NICHES) and list(ts["event"].values) == list(COUNTERS)
    assert (ts["field_min"] <= ts["field_mean"]).all() and (ts["field_mean"] <= ts["field_max"]).all()
    assert float(ts["field_max"].sel(field="O2").max()) <= 38.0 + 1e-9  # vessels hold the highest O2


def test_cell_table_and_anndata(small_run):
    table, model = small_run.cells, small_run.model
    assert len(table) == len(small_run.state.dtcs)
    assert {"state", "x_um", "y_um", "niche", "landing_niche", "field_O2", "input_TGFB2"} <= set(table.columns)
    adata = to_anndata(table)
    assert adata.shape == (len(table), len(model.switch.wiring.internal))
    assert list(adata.var_names) == list(model.switch.wiring.internal)
    np.testing.assert_array_equal(adata.X, small_run.state.dtcs.switch)
    assert {"state", "niche", "x_um", "field_O2"} <= set(adata.obs.columns)
    frame = agents_frame(model, small_run.state)
    assert set(frame["kind"]) >= {"dtc", "osteoblast"} and len(frame) == len(table) + len(small_run.state.residents)
    assert (cell_table(model, small_run.state)["id"].to_numpy() == table["id"].to_numpy()).all()


def test_result_folder_is_written_once(small_run, tmp_path):
    folder = save_niche_run(small_run, tmp_path / "result")
    assert {p.name for p in folder.iterdir()} == {"manifest.json", "timeseries.zarr", "cells.parquet"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {record["name"] for record in manifest["parameters"]}
    assert {"niche_agents.nk_kill_rate", "niche_transport.D_O2", "switch_er_negative.max_proliferation_rate"} <= names
    assert manifest["seed"] == SMALL["seed"] and manifest["scenario"]["dtc"]["count"] == 80
    loaded = xr.open_zarr(folder / "timeseries.zarr", consolidated=True).load()
    np.testing.assert_array_equal(loaded["dtc"].values, small_run.timeseries["dtc"].values)
    with pytest.raises(FileExistsError):
        save_niche_run(small_run, folder)


def test_cli_rejects_a_bad_scenario_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: dormancy.niche-scenario\nversion: 1\ndays: -3\ndt_hours: 100\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["niche", "--scenario", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 2 and any("days" in line for line in lines) and any("dt_hours" in line for line in lines)
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


@pytest.mark.slow
def test_cli_runs_a_small_scenario_with_a_movie(tmp_path):
    scenario = tmp_path / "niche.yaml"
    save_niche_scenario(default_niche_scenario(**{**SMALL, "days": 0.5}), scenario)
    out, movie = tmp_path / "out", tmp_path / "niche.gif"
    result = CliRunner().invoke(
        app, ["niche", "--scenario", str(scenario), "--out", str(out), "--movie", str(movie), "--checkpoint-every", "4"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file() and movie.stat().st_size > 0
    assert (tmp_path / "out.checkpoint.npz").is_file()


def test_a_3d_section_and_a_mask_file_run(tmp_path):
    model = build_niche_model(
        default_niche_scenario(domain={"ndim": 3, "size_um": 150.0}, days=0.25, dtc={"count": 20}, field_scheme="lod")
    )
    run = run_niche(model)
    assert run.state.fields.shape[1:] == (15, 15, 15) and "z_um" in run.cells.columns
    labels = np.zeros((20, 20), dtype=np.uint8)
    labels[:3, :] = 1  # bone plate
    labels[10:12, 3:] = 2  # a stable vessel
    labels[10:12, 17:] = 3  # its sprouting tip
    np.save(tmp_path / "mask.npy", labels)
    scenario = tmp_path / "masked.yaml"
    data = default_niche_scenario(days=0.25, dtc={"count": 10}, domain={"size_um": 200.0}).to_dict()
    data["domain"]["mask"] = "mask.npy"  # relative to the scenario file
    save_niche_scenario(niche_scenario_from_dict(data), scenario)
    masked = build_niche_model(load_niche_scenario(scenario))
    assert masked.geometry.bone[:3].all() and masked.geometry.sprouting[10:12, 17:].all()
    assert run_niche(masked).state.counter("arrived") == 10
    np.save(tmp_path / "bad.npy", np.full((20, 20), 7, dtype=np.uint8))
    data["domain"]["mask"] = str(tmp_path / "bad.npy")
    with pytest.raises(InputError, match=r"domain\.mask"):
        build_niche_model(niche_scenario_from_dict(data))


def test_trickle_seeding_and_snapshots(tmp_path):
    scenario = default_niche_scenario(
        domain={"size_um": 200.0},
        days=0.5,
        dt_hours=1.0,
        dtc={"seeding": "trickle", "per_day": 10.0, "count": 0},
        outputs={"every_hours": 4.0, "snapshots": True},
    )
    model = build_niche_model(scenario)
    store = tmp_path / "snapshots.zarr"
    run = run_niche(model, snapshots=store)
    assert run.state.counter("arrived") == 5  # floor(12 h × 10/day)
    arrived = run.timeseries["events"].sel(event="arrived").values
    np.testing.assert_array_equal(arrived, [0, 1, 3, 5])  # floor(t × 10/day) at 0, 4, 8, 12 h
    folder = save_niche_run(run, tmp_path / "result", snapshots=store)
    import zarr

    root = zarr.open_group(str(folder / "snapshots.zarr"), mode="r")
    assert sorted(root.group_keys()) == [f"step_{k:08d}" for k in (0, 4, 8, 12)]
    last = root["step_00000012"]
    np.testing.assert_array_equal(last["fields"][...], run.state.fields)
    np.testing.assert_array_equal(last["dtc_switch"][...], run.state.dtcs.switch)
