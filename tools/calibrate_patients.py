"""Calibrate the patient simulator's free parameters (pyabc ABC-SMC) and ship the result.

Runs :func:`dormancy.patients.calibration.calibrate` over ``FREE_PARAMETERS`` against every calibration target,
then writes

- ``src/dormancy/patients/data/posterior_summary.csv``: per parameter the posterior median, 5 % and 95 % quantiles,
  unit, prior bounds and the value before calibration;
- ``src/dormancy/patients/data/posterior_generations.csv``: the epsilon schedule and acceptance per generation;
- the registry: in ``src/dormancy/params/data/sets/patients_natural_history.yaml`` each free parameter's value
  becomes its posterior median (4 significant digits), evidence ``derived``, with the note "ABC-SMC posterior median,
  see posterior summary" followed by the 90 % interval and the earlier note.

``tools/make_patient_parameters.py`` regenerates that YAML from scratch: re-run this tool afterwards (or make the
generator read ``posterior_summary.csv``). Usage::

    PYTHONPATH=src python tools/calibrate_patients.py [--population-size 40] [--generations 6] [--patients 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from dormancy.patients.calibration import calibrate, load_calibration

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "dormancy" / "patients" / "data"
SET_FILE = ROOT / "src" / "dormancy" / "params" / "data" / "sets" / "patients_natural_history.yaml"
NOTE = "ABC-SMC posterior median, see posterior summary"
#: Bibliography keys of the calibration targets' sources, added to each shipped record's sources.
TARGET_SOURCES = ("colleoni2016", "pan2017", "braun2005", "willis2010")


def ship(summary, set_file: Path = SET_FILE) -> None:
    """Write the posterior medians into the registry set file (value, evidence, note)."""
    text = set_file.read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    document = yaml.safe_load(text)
    set_name = document["set"]
    records = {record["symbol"]: record for record in document["parameters"]}
    for name, row in summary.iterrows():
        prefix, _, symbol = name.partition(".")
        if prefix != set_name:
            raise SystemExit(f"{name}: only parameters of {set_name} can be shipped by this tool")
        record = records[symbol]
        previous = str(record.get("note", ""))
        if previous.startswith(NOTE):
            previous = previous.split(" Before calibration: ", 1)[-1] if " Before calibration: " in previous else ""
        record["value"] = float(f"{row['median']:.4g}")
        record["evidence"] = "derived"
        sources = record["source"] if isinstance(record["source"], list) else [record["source"]]
        record["source"] = list(dict.fromkeys([*sources, *TARGET_SOURCES]))
        record["note"] = (
            f"{NOTE} (src/dormancy/patients/data/posterior_summary.csv; 90 % interval "
            f"{row['q05']:.3g}–{row['q95']:.3g}; value before calibration {row['shipped']:.4g}). "
            f"Before calibration: {previous}"
        ).strip()
    if "tools/calibrate_patients.py" not in header:
        header += "# Free parameters' values: ABC-SMC posterior medians written by tools/calibrate_patients.py.\n"
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    set_file.write_text(header + body, encoding="utf-8")


def main() -> None:
    """Run the calibration and write the posterior summary and the registry values."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--population-size", type=int, default=40)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--minimum-epsilon", type=float, default=0.5)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20_260_611)
    parser.add_argument("--database", type=Path, default=ROOT / "calibration-output" / "abc.db")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--no-ship", action="store_true", help="write the summaries but leave the registry alone")
    parser.add_argument(
        "--from-database",
        action="store_true",
        help="do not run: summarise the last completed generation in --database (e.g. a run stopped early)",
    )
    arguments = parser.parse_args()
    arguments.database.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if arguments.from_database:
        result = load_calibration(arguments.database)
    elif arguments.database.exists() and not arguments.resume:
        raise SystemExit(f"{arguments.database} exists: pass --resume or remove it")
    else:
        result = calibrate(
            database=arguments.database,
            seed=arguments.seed,
            population_size=arguments.population_size,
            generations=arguments.generations,
            minimum_epsilon=arguments.minimum_epsilon,
            n_patients=arguments.patients,
            resume=arguments.resume,
            progress=lambda line: print(f"[{time.perf_counter() - started:7.0f} s] {line}", flush=True),
        )
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "posterior_summary.csv").write_text(result.summary.to_csv(index_label="name"), encoding="utf-8")
    (DATA / "posterior_generations.csv").write_text(result.generations.to_csv(index=False), encoding="utf-8")
    print(result.summary.to_string())
    print(result.generations.to_string(index=False))
    if not arguments.no_ship:
        ship(result.summary)
        print(f"registry updated: {SET_FILE.relative_to(ROOT)}")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
