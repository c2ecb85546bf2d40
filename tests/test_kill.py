"""A real SIGKILL at any moment, then the same command: no temporary folder left, the same result folder.

The command runs in a child process that is killed with SIGKILL at 80, 93 and 98 % of the time an uninterrupted
run takes (the simulation, the atomic save and its figure), then run again to completion. The result folder must equal
the uninterrupted one (time series, table, manifest but for its creation time, the figure present) and nothing
hidden may remain next to it.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dormancy.results import load_result

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL"),
]

SCENARIO = """\
format: dormancy.scenario
version: 1
name: killed
seed: 11
model: {kind: komarova, parameter_set: komarova2003}
save: {t_end_days: 400, dt_days: 1}
ensemble: {replicates: 40, sample: [resorption_rate, formation_rate]}
"""
SOURCE = str(Path(__file__).resolve().parents[1] / "src")


def command(out):
    return [sys.executable, "-c", "from dormancy.cli import main; main()", "run", "s.yaml", "--out", out, "--overwrite"]


def environment():
    return {**os.environ, "PYTHONPATH": SOURCE + os.pathsep + os.environ.get("PYTHONPATH", "")}


def comparable(folder):
    result = load_result(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.pop("created")
    return result, manifest


def test_a_kill_at_any_moment_then_the_same_command_gives_the_uninterrupted_result(tmp_path):
    (tmp_path / "s.yaml").write_text(SCENARIO)
    started = time.perf_counter()
    subprocess.run(command("reference"), cwd=tmp_path, env=environment(), check=True, capture_output=True)
    duration = time.perf_counter() - started
    reference, reference_manifest = comparable(tmp_path / "reference")
    for fraction in (0.8, 0.93, 0.98):
        child = subprocess.Popen(
            command("out"), cwd=tmp_path, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(duration * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait()
        rerun = subprocess.run(command("out"), cwd=tmp_path, env=environment(), capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "reference", "s.yaml"], fraction
        result, manifest = comparable(tmp_path / "out")
        assert result.timeseries.identical(reference.timeseries)
        pd.testing.assert_frame_equal(result.table, reference.table)
        assert manifest == reference_manifest
        assert (tmp_path / "out" / "figure.png").stat().st_size > 10_000


CHILD = """
import sys, time
from pathlib import Path
import dormancy
scenario = dormancy.scenario_from_dict({"name": "k", "seed": 2, "save": {"t_end_days": 30, "dt_days": 1}})
result = dormancy.simulate(scenario)

def stall(folder):
    print("inside", flush=True)
    time.sleep(60)

dormancy.save_result(result, Path(sys.argv[1]), overwrite=True, extra=stall if sys.argv[2] == "stall" else None)
print("done", flush=True)
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_kill_inside_the_atomic_save_leaves_nothing_and_the_next_save_completes(tmp_path, existing):
    out = tmp_path / "out"
    if existing:
        subprocess.run([sys.executable, "-c", CHILD, str(out), "plain"], env=environment(), check=True)
        before = (out / "manifest.json").read_text()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), "stall"], env=environment(), stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "inside"  # the temporary folder exists and holds the result
    assert any(p.name.startswith(".out.tmp-") for p in tmp_path.iterdir())
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    if existing:
        assert (out / "manifest.json").read_text() == before  # the old folder is untouched by the kill
    again = subprocess.run([sys.executable, "-c", CHILD, str(out), "plain"], env=environment(), capture_output=True)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert load_result(out).manifest.seed == 2
