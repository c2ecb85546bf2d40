"""Result: validation, provenance, and an atomic, lossless round trip through a result folder."""

import json
import platform
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr

from dormancy import provenance
from dormancy._version import __version__
from dormancy.provenance import Manifest, ResultFormatError, git_commit, platform_info
from dormancy.results import Result, Status, load_result, save_result

INT_IDS = np.arange(3, dtype=np.int64)
STRING_IDS = np.array(["patient-01", "p2", "patient-003"], dtype=object)


def make_manifest(seed=7):
    return Manifest.create(
        model="toy",
        scenario={"name": "toy-run", "seed": seed, "ensemble": {"sample": ("a", "b")}},
        parameters=[{"name": "toy.rate", "value": 0.5, "unit": "1/day", "source": ["doe2020"]}],
        seed=seed,
        settings={"solver": {"method": "LSODA", "rtol": 1e-8}, "save": {"dt_days": 1.0}},
    )


def make_result(ids=INT_IDS, statuses=("ok", "solver_failed", "ok"), nan=True, seed=7):
    n, times = len(ids), np.array([0.0, 0.5, 1.0, 2.0])
    cells = np.arange(n * times.size, dtype=np.float64).reshape(n, times.size)
    if nan:
        cells[1, 2:] = np.nan
    timeseries = xr.Dataset(
        {
            "cells": (("entity", "time"), cells, {"units": "cell", "long_name": "tumour cells"}),
            "divisions": (
                ("entity", "time"),
                np.ones((n, times.size), dtype=np.int64),
                {"units": "1", "long_name": "n"},
            ),
        },
        coords={
            "entity": ("entity", ids, {"long_name": "replicate"}),
            "time": ("time", times, {"units": "day", "long_name": "time since start"}),
        },
        attrs={"model": "toy", "scenario": "toy-run", "weights": [1.0, 2.0]},
    )
    table = pd.DataFrame(
        {
            "status": list(statuses),
            "message": ["", "step size too small", ""],
            "final_cells": [1.0, np.nan, 3.0] if nan else [1.0, 2.0, 3.0],
            "cycles": np.array([4, 0, 5], dtype=np.int64),
        },
        index=pd.Index(ids, name="entity"),
    )
    return Result(timeseries=timeseries, table=table, manifest=make_manifest(seed))


def assert_same(loaded, original):
    assert loaded.timeseries.identical(original.timeseries)
    for name, variable in original.timeseries.variables.items():
        assert loaded.timeseries[name].dtype == variable.dtype, name
    pd.testing.assert_frame_equal(loaded.table, original.table)
    assert loaded.manifest == original.manifest


# round trip


@pytest.mark.parametrize("ids", [INT_IDS, STRING_IDS, STRING_IDS.astype(str)], ids=["int", "object-str", "U-str"])
@pytest.mark.parametrize("nan", [True, False])
def test_round_trip_is_lossless(tmp_path, ids, nan):
    result = make_result(ids, nan=nan)
    saved = save_result(result, tmp_path / "run")
    assert saved == tmp_path / "run"
    assert sorted(p.name for p in saved.iterdir()) == ["manifest.json", "table.parquet", "timeseries.zarr"]
    loaded = load_result(saved)
    assert_same(loaded, result)
    assert loaded.timeseries["cells"].dtype == np.float64 and loaded.timeseries["divisions"].dtype == np.int64
    assert np.isnan(loaded.timeseries["cells"].values[1, 2]) == nan
    assert list(loaded.entities) == list(ids)


def test_string_ids_are_fixed_width_unicode_in_memory_and_on_disk(tmp_path):
    result = make_result(STRING_IDS)
    assert result.timeseries["entity"].dtype.kind == "U"
    loaded = load_result(save_result(result, tmp_path / "run"))
    assert loaded.timeseries["entity"].dtype == result.timeseries["entity"].dtype
    assert loaded.timeseries.encoding == {} and loaded.timeseries["cells"].encoding == {}


def test_a_loaded_result_is_in_memory_and_saves_again(tmp_path):
    result = make_result()
    loaded = load_result(save_result(result, tmp_path / "first"))
    shutil.rmtree(tmp_path / "first")
    assert loaded.timeseries["cells"].values[2, 0] == 8.0
    assert_same(load_result(save_result(loaded, tmp_path / "second")), result)


def test_manifest_json_is_indented_utf8(tmp_path):
    result = make_result()
    text = (save_result(result, tmp_path / "run") / "manifest.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "format_name": "dormancy.result",\n  "format_version": 1,')
    assert json.loads(text) == result.manifest.to_dict()


# validation and properties


@pytest.mark.parametrize("bad", ["exploded", np.nan, None])
def test_an_unknown_status_is_rejected(bad):
    with pytest.raises(ValueError, match="status must be one of"):
        make_result(statuses=("ok", bad, "ok"))


def test_status_members_are_accepted_and_stored_as_strings(tmp_path):
    good = make_result()
    statuses = pd.Series([Status.OK, Status.NONFINITE, "out_of_domain"], index=good.entities, dtype=object)
    result = Result(timeseries=good.timeseries, table=good.table.assign(status=statuses), manifest=good.manifest)
    assert list(result.status) == ["ok", "nonfinite", "out_of_domain"]
    assert all(type(value) is str for value in result.status)
    assert_same(load_result(save_result(result, tmp_path / "run")), result)


def test_status_members_equal_their_values():
    assert {s.value for s in Status} == {
        "ok",
        "solver_failed",
        "nonfinite",
        "out_of_domain",
        "too_many_steps",
        "model_error",
        "under-enrolled",
        "failed",
    }
    assert Status.OK == "ok" and Status("solver_failed") is Status.SOLVER_FAILED
    assert "Failure is data" in Status.__doc__


def test_every_status_has_a_message_and_only_ok_is_ok():
    assert all(status.message and status.message[0].islower() for status in Status)
    assert [status for status in Status if status.is_ok] == [Status.OK]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ts, tb: (ts, tb.drop(columns="message")), "missing \\['message'\\]"),
        (lambda ts, tb: (ts, tb.iloc[::-1]), "must equal the entity coordinate"),
        (lambda ts, tb: (ts, tb.rename_axis("replicate")), "named 'entity'"),
        (lambda ts, tb: (ts, tb.assign(message=["", None, ""])), "message must be a string"),
        (lambda ts, tb: (ts.rename(entity="patient"), tb), "'entity' dimension"),
        (lambda ts, tb: (ts.drop_vars("time"), tb), "'time' dimension"),
    ],
)
def test_inconsistent_parts_are_rejected(change, message):
    good = make_result()
    timeseries, table = change(good.timeseries, good.table)
    with pytest.raises(ValueError, match=message):
        Result(timeseries=timeseries, table=table, manifest=good.manifest)


def test_variables_need_units_and_long_name():
    good = make_result()
    timeseries = good.timeseries.assign(volume=(("entity", "time"), np.zeros((3, 4)), {"units": "mm3"}))
    with pytest.raises(ValueError, match=r"missing on \['volume'\]"):
        Result(timeseries=timeseries, table=good.table, manifest=good.manifest)


@pytest.mark.parametrize("ids", [np.array([0.0, 1.0, 2.0]), np.array([1, 1, 2])], ids=["float", "duplicate"])
def test_entity_ids_must_be_unique_integers_or_strings(ids):
    with pytest.raises(ValueError, match="entity ids must be"):
        make_result(ids)


def test_properties_and_summary():
    result = make_result(STRING_IDS)
    assert list(result.entities) == list(STRING_IDS)
    pd.testing.assert_series_equal(result.status, result.table["status"])
    assert result.ok.tolist() == [True, False, True] and result.ok.index.equals(result.entities)
    summary = result.summary()
    assert "model: toy" in summary and "toy-run (seed 7)" in summary
    assert "entities: 3 (2 ok, 1 failed: solver_failed 1)" in summary
    assert "time: 0 to 2 days (4 points)" in summary
    assert len(summary.splitlines()) <= 6


# atomic saving


def leftovers(folder, keep=()):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def fail(*args, **kwargs):
    raise RuntimeError("disk on fire")


def test_a_failure_mid_write_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(pq, "write_table", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_result(make_result(), tmp_path / "run")
    assert leftovers(tmp_path) == []


def test_a_failure_while_overwriting_keeps_the_old_result(tmp_path, monkeypatch):
    old = make_result(seed=1)
    save_result(old, tmp_path / "run")
    monkeypatch.setattr(xr.Dataset, "to_zarr", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_result(make_result(seed=2), tmp_path / "run", overwrite=True)
    assert leftovers(tmp_path) == ["run"]
    assert load_result(tmp_path / "run").manifest.seed == 1


def test_an_existing_folder_is_not_replaced_without_overwrite(tmp_path):
    save_result(make_result(seed=1), tmp_path / "run")
    before = (tmp_path / "run" / "manifest.json").read_bytes()
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        save_result(make_result(seed=2), tmp_path / "run")
    assert (tmp_path / "run" / "manifest.json").read_bytes() == before
    assert leftovers(tmp_path) == ["run"]


def test_overwrite_replaces_the_content(tmp_path):
    save_result(make_result(seed=1), tmp_path / "run")
    new = make_result(STRING_IDS, seed=2)
    save_result(new, tmp_path / "run", overwrite=True)
    assert_same(load_result(tmp_path / "run"), new)
    assert leftovers(tmp_path) == ["run"]


def test_overwrite_never_replaces_a_folder_that_is_not_a_result(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("years of work")
    with pytest.raises(FileExistsError, match="not a dormancy result folder"):
        save_result(make_result(), tmp_path / "home", overwrite=True)
    assert (tmp_path / "home" / "thesis.tex").read_text() == "years of work"
    assert leftovers(tmp_path) == ["home"]


def test_saving_into_a_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_result(make_result(), tmp_path / "nowhere" / "run")
    assert leftovers(tmp_path) == []


# loading


def rewrite_manifest(folder, **changes):
    path = folder / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **changes}), encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "expected", "found"),
    [
        ({"format_name": "dormancy.scenario"}, "'dormancy.result'", "'dormancy.scenario'"),
        ({"format_version": 2}, "expected 1", "found 2"),
        ({"format_version": "1"}, "expected 1", "found '1'"),
    ],
)
def test_another_format_is_refused_naming_expected_and_found(tmp_path, changes, expected, found):
    folder = save_result(make_result(), tmp_path / "run")
    rewrite_manifest(folder, **changes)
    with pytest.raises(ResultFormatError) as error:
        load_result(folder)
    assert expected in str(error.value) and found in str(error.value)


@pytest.mark.parametrize("missing", ["manifest.json", "table.parquet", "timeseries.zarr"])
def test_an_incomplete_folder_is_refused(tmp_path, missing):
    folder = save_result(make_result(), tmp_path / "run")
    target = folder / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(ResultFormatError, match=f"found no {missing}"):
        load_result(folder)


def test_a_missing_folder_or_broken_manifest_is_refused(tmp_path):
    with pytest.raises(ResultFormatError, match="found nothing"):
        load_result(tmp_path / "absent")
    folder = save_result(make_result(), tmp_path / "run")
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultFormatError, match="expected UTF-8 JSON"):
        load_result(folder)
    (folder / "manifest.json").write_text(json.dumps({"format_name": "dormancy.result", "format_version": 1}))
    with pytest.raises(ResultFormatError, match=r"missing \[.*'created'"):
        load_result(folder)


# provenance


def test_manifest_records_version_time_platform_and_commit():
    manifest = make_manifest()
    assert manifest.package_version == __version__
    assert manifest.format_name == "dormancy.result" and manifest.format_version == 1
    created = datetime.fromisoformat(manifest.created)
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert manifest.platform["python"] == platform.python_version()
    assert manifest.platform["numpy"] == np.__version__
    assert manifest.git_commit is None or re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", manifest.git_commit)
    assert manifest.model == "toy" and manifest.seed == 7
    assert manifest.parameters[0]["unit"] == "1/day"


def test_manifest_equals_itself_after_a_json_round_trip():
    manifest = make_manifest()
    assert manifest.scenario["ensemble"]["sample"] == ["a", "b"]  # tuples normalised to lists
    again = Manifest.from_dict(json.loads(json.dumps(manifest.to_dict())))
    assert again == manifest
    copied = manifest.to_dict()
    copied["scenario"]["name"] = "changed"
    assert manifest.scenario["name"] == "toy-run"
    assert Manifest.from_dict({**manifest.to_dict(), "seed": 8}) != manifest


def test_manifest_rejects_what_json_cannot_hold():
    with pytest.raises(ValueError, match="settings must be finite JSON data"):
        Manifest.create(model="toy", scenario={}, parameters=[], seed=None, settings={"rtol": float("nan")})
    with pytest.raises(ValueError, match="must have \\['source'\\]"):
        Manifest.create(
            model="toy", scenario={}, parameters=[{"name": "a", "value": 1, "unit": "1"}], seed=1, settings={}
        )
    with pytest.raises(ValueError, match="created must be an ISO 8601 time in UTC"):
        Manifest.from_dict({**make_manifest().to_dict(), "created": "2024-01-01T00:00:00+02:00"})


def test_git_commit_of_this_checkout_or_none():
    commit = git_commit()
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?(\+dirty)?", commit)


@pytest.mark.parametrize(
    "error", [FileNotFoundError("git"), subprocess.TimeoutExpired("git", 5), PermissionError("denied")]
)
def test_git_commit_never_raises(monkeypatch, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(subprocess, "run", broken)
    assert git_commit() is None


def test_git_commit_reports_a_dirty_tree(monkeypatch):
    answers = {"rev-parse": (0, "a" * 40 + "\n"), "check-ignore": (1, ""), "status": (0, " M src/x.py\n")}

    def fake(arguments, **kwargs):
        code, out = answers[arguments[1]]
        return subprocess.CompletedProcess(arguments, code, out, "")

    monkeypatch.setattr(subprocess, "run", fake)
    assert git_commit() == "a" * 40 + "+dirty"
    answers["status"] = (0, "")
    assert git_commit() == "a" * 40
    answers["rev-parse"] = (128, "")
    assert git_commit() is None


def test_platform_info_marks_missing_packages(monkeypatch):
    monkeypatch.setattr(provenance, "_PACKAGES", ("numpy", "surely-not-installed-dormancy-test"))
    info = platform_info()
    assert info["surely-not-installed-dormancy-test"] == "not installed"
    assert {"python", "implementation", "system", "machine", "numpy"} <= set(info)


def test_atomic_files_get_the_mode_of_an_ordinary_new_file(tmp_path):
    import os

    from dormancy.atomic import atomic_file, write_text_atomic

    umask = os.umask(0o022)
    try:
        written = write_text_atomic(tmp_path / "a.txt", "x")
        with atomic_file(tmp_path / "b.bin"):
            pass  # a writer that leaves the placeholder file in place (as some encoders do)
    finally:
        os.umask(umask)
    assert (written.stat().st_mode & 0o777) == 0o644
    assert ((tmp_path / "b.bin").stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]
