r"""Fit the patient model's posterior (issue 18): design waves, emulators, history matching, MCMC, checks.

Every stage reads and appends to files in ``--out`` and skips what is already there, so an interrupted run resumes
(``design`` resumes point by point from ``design.jsonl``).

Stages::

    # wave 1: a Latin hypercube over the whole prior, target cohorts of --patients each
    PYTHONPATH=src python tools/fit_posterior.py design --out docs/posterior-run-1 --wave 1 --points 200
    # emulators on every run so far; NROY points of the next wave; identifiability tables
    PYTHONPATH=src python tools/fit_posterior.py emulate --out docs/posterior-run-1 --wave 1 --next-points 150
    PYTHONPATH=src python tools/fit_posterior.py design --out docs/posterior-run-1 --wave 2
    ...
    # MCMC on the last emulators -> posterior.parquet (+ diagnostics), then posterior predictive runs
    PYTHONPATH=src python tools/fit_posterior.py posterior --out docs/posterior-run-1
    PYTHONPATH=src python tools/fit_posterior.py check --out docs/posterior-run-1 --draws 100 --patients 6000
    # after tools/report_posterior.py: copy a posterior whose every target passed into the package
    PYTHONPATH=src python tools/fit_posterior.py ship --out docs/posterior-run-1 --from <checked folder>

Design runs use one thread (``NUMBA_NUM_THREADS=1``) to leave the other core to the next job.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dormancy.inference.history import kth_largest, not_ruled_out, sample_nroy
from dormancy.inference.likelihood import implausibility
from dormancy.patients.posterior_fit import (
    emulate_targets,
    emulate_waves,
    evidence_statistics,
    history_waves,
    observations,
    posterior_space,
    read_design,
    refuted_cuts,
    run_design,
    target_statistics,
    to_posterior,
    wave_cut,
    wave_training,
)
from dormancy.patients.targets import load_targets

DESIGN_LOG = "design.jsonl"
#: Fitted emulators are kept here between stages (working files of the run, not committed).
EMULATOR_CACHE = ".emulators"


def _design_logs(out: Path) -> list[Path]:
    """Every design log in ``out``: ``design.jsonl`` and the parts' ``design.part<i>.jsonl``."""
    return sorted(out.glob("design*.jsonl"))


CHECK_LOG = "check.jsonl"


def _progress(done: int, total: int) -> None:
    print(f"{time.strftime('%H:%M:%S')} {done}/{total}", flush=True)


def design(options: argparse.Namespace) -> None:
    """Run the design points of one wave (wave 1: a Latin hypercube over the whole prior)."""
    space = posterior_space()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    points_file = out / f"wave{options.wave}_points.npy"
    local = options.around_posterior or options.around_shipped
    if points_file.exists() and (not local or (out / f"wave{options.wave}_box.json").exists()):
        # resume (a local wave's own points come with its box; an emulate stage's NROY sample is replaced)
        points = np.load(points_file)
    elif options.wave == 1:
        points = space.latin_hypercube(options.points, seed=options.seed + options.wave)
        np.save(points_file, points)
    elif options.around_posterior:
        # the next local wave: centred on the last posterior, as wide as it is in each parameter (a parameter the
        # targets do not constrain inside the last box fills it, and the new box is wider there)
        from dormancy.params.posterior import load_posterior

        unit = space.to_unit(load_posterior(out / "posterior.parquet").draws)
        centre = np.median(unit, axis=0)
        half = np.clip(options.around_posterior * unit.std(axis=0), 0.02, 0.12)
        box = (np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1))
        points = space.latin_hypercube(options.points, seed=options.seed + options.wave, within=box)
        np.save(points_file, points)
        (out / f"wave{options.wave}_box.json").write_text(
            json.dumps({"low": box[0].tolist(), "high": box[1].tolist(), "posterior_sds": options.around_posterior})
        )
    elif options.around_shipped:
        # a local wave: a Latin hypercube in a box of the unit cube around the shipped point estimate (the
        # Nelder-Mead fit to the same targets), where the emulators of the space-filling waves have few runs
        from dormancy.params import load_registry

        registry = load_registry()
        centre = space.to_unit(np.array([registry.parameter(name).value for name in space.names]))
        box = (np.clip(centre - options.around_shipped, 0, 1), np.clip(centre + options.around_shipped, 0, 1))
        points = space.latin_hypercube(options.points, seed=options.seed + options.wave, within=box)
        np.save(points_file, points)
        # a local wave: its emulators are fitted to the runs in this box, with a linear trend (posterior_fit)
        (out / f"wave{options.wave}_box.json").write_text(
            json.dumps({"low": box[0].tolist(), "high": box[1].tolist(), "half_width": options.around_shipped})
        )
    else:
        sys.exit(f"{points_file} is missing: the next wave's points come from the emulate stage")
    i, n = (int(x) for x in options.part.split("/"))
    # compile the kernels and build the tables first, so that no design point's CPU budget pays for them
    target_statistics({}, seed=options.seed, n_patients=50)
    run_design(
        space,
        points,
        wave=options.wave,
        log=out / (DESIGN_LOG if options.part == "0/1" else f"design.part{i}.jsonl"),
        done_logs=_design_logs(out),
        part=(i, n),
        n_patients=options.patients,
        seed=options.seed,
        progress=_progress,
        budget_seconds=options.budget,
    )


def _boxes(out: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Return the boxes of the local waves in ``out`` (``wave<N>_box.json``), by wave."""
    boxes = {}
    for path in out.glob("wave*_box.json"):
        box = json.loads(path.read_text())
        boxes[int(path.name[4:].split("_")[0])] = (np.array(box["low"]), np.array(box["high"]))
    return boxes


#: Uniform points of a local wave's box on which an earlier wave's cut is tried: a cut that keeps all of them leaves
#: out less than 0.1 % of the box (95 % confidence) and is not evaluated in the MCMC (it costs most of each step).
INACTIVE_PROBE = 4096


def _inactive_cuts(cuts, box, *, seed: int) -> list[int]:
    """Return the positions of the ``cuts`` that keep every one of :data:`INACTIVE_PROBE` uniform points of ``box``."""
    low, high = box
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, INACTIVE_PROBE])))
    probe = low + (high - low) * rng.random((INACTIVE_PROBE, len(low)))
    return [j for j, cut in enumerate(cuts) if np.all(cut.score(probe) <= cut.threshold)]


def _support(cuts, runs, box, *, dimension: int, seed: int):
    """Return the prior's support for the last wave: ``(support(unit) -> bool, kept cuts, refuted, inactive)``.

    Without a box, the earlier waves' NROY space. For a local wave, its box and the earlier cuts that its own runs do
    not refute (:func:`refuted_cuts`) and that are not inactive there (:func:`_inactive_cuts`).
    """
    refuted = [] if box is None else refuted_cuts(cuts, runs, box)
    inactive = [] if box is None else _inactive_cuts(cuts, box, seed=seed)
    kept = [c for j, c in enumerate(cuts) if j not in refuted and j not in inactive]
    low, high = (np.zeros(dimension), np.ones(dimension)) if box is None else box

    def support(unit: np.ndarray) -> np.ndarray:
        inside = np.all((unit >= low) & (unit <= high), axis=1)
        inside[inside] = not_ruled_out(kept, unit[inside])
        return inside

    return support, kept, refuted, inactive


def _upto(runs, wave: int):
    """Return the runs of the waves up to ``wave``."""
    from dormancy.patients.posterior_fit import DesignRuns

    keep = runs.wave <= wave
    return DesignRuns(runs.unit[keep], runs.statistics[keep], runs.wave[keep], runs.n_patients[keep])


def _waves(out: Path, space, seed: int, upto: int | None = None):
    """Every design run in ``out`` and one fitted set of emulators per wave up to ``upto`` (all waves by default)."""
    runs = read_design(_design_logs(out), names=space.names)
    waves = sorted({int(w) for w in runs.wave if upto is None or w <= upto})
    boxes = _boxes(out)
    emulated = emulate_waves(runs, space=space, seed=seed, waves=waves, cache=out / EMULATOR_CACHE, boxes=boxes)
    # a local wave's cut acts only inside its box, where its emulators were fitted
    return runs, waves, emulated, history_waves(emulated, waves, runs, boxes=boxes)


def emulate(options: argparse.Namespace) -> None:
    """Fit each wave's emulators, rule out implausible space (every wave's cut), and draw the next wave's points."""
    out = Path(options.out)
    space = posterior_space()
    began = time.perf_counter()
    runs, waves, emulated, cuts = _waves(out, space, options.seed, upto=options.wave)
    fit_seconds = time.perf_counter() - began
    last = emulated[-1]
    k = wave_cut(options.wave)
    box = _boxes(out).get(options.wave)
    refuted = [] if box is None else refuted_cuts(cuts[:-1], runs, box)
    nroy = sample_nroy(
        last.emulator.predict,
        last.observations,
        dimension=space.dimension,
        n=options.next_points,
        seed=options.seed + 1000 * options.wave,
        k=k,
        earlier=[c for j, c in enumerate(cuts[:-1]) if j not in refuted],
        within=box,
    )
    np.save(out / f"wave{options.wave + 1}_points.npy", nroy.unit)
    # the wave's own runs, at their simulated values (Monte-Carlo noise included, no emulator variance)
    from dormancy.inference.emulator import standardise, to_z

    shift, scale, standard = standardise(observations())
    mine = runs.wave == options.wave
    z = to_z(runs.statistics[mine], shift, scale)
    run_implausibility = implausibility(standard, z)
    values = space.from_unit(nroy.unit) if len(nroy.unit) else np.zeros((0, space.dimension))
    summary = {
        "wave": options.wave,
        "runs": int(mine.sum()),
        "emulator_training_runs": len(wave_training(runs, options.wave, box=box)),
        "patients_per_cohort": sorted({int(n) for n in runs.n_patients[mine]}),
        "over_budget": int(np.sum(np.all(~np.isfinite(runs.statistics[mine]), axis=1))),
        "runs_meeting_all_targets_within_3": int(np.sum(kth_largest(run_implausibility, 1) <= 3)),
        "runs_meeting_all_but_one_within_3": int(np.sum(kth_largest(run_implausibility, 2) <= 3)),
        "emulator_fit_seconds": round(fit_seconds, 1),
        "nroy_cut": f"{k}-th largest implausibility <= 3, and the cuts of waves "
        f"{[w for j, w in enumerate(waves[:-1]) if j not in refuted]}",
        "cuts_refuted_in_the_box_by_its_runs": [waves[j] for j in refuted],
        "nroy_uniform_fraction": nroy.uniform_fraction,
        "nroy_fraction_of": "the prior cube" if box is None else "the wave's box",
        "nroy_points": len(nroy.unit),
        "nroy_ranges": {
            name: [float(np.quantile(values[:, j], 0.05)), float(np.quantile(values[:, j], 0.95))]
            for j, name in enumerate(space.names)
        }
        if len(values)
        else {},
        "monte_carlo_sd_z": dict(zip(last.names, map(float, np.sqrt(last.emulator.noise)), strict=True)),
        "sd_inflation_of_earlier_waves": {
            str(w): dict(zip(last.names, map(float, c.inflation), strict=True))
            for w, c in zip(waves[:-1], cuts[:-1], strict=True)
            if c.inflation is not None
        },
    }
    (out / f"wave{options.wave}_emulate.json").write_text(json.dumps(summary, indent=1))
    scales = last.emulator.length_scales()
    header = "target," + ",".join(n.split(".", 1)[1] for n in space.names)
    rows = [f"{t}," + ",".join(f"{v:.3g}" for v in row) for t, row in zip(last.names, scales, strict=True)]
    (out / f"wave{options.wave}_length_scales.csv").write_text("\n".join([header, *rows]) + "\n")
    hidden = ("nroy_ranges", "monte_carlo_sd_z", "sd_inflation_of_earlier_waves")
    print(json.dumps({k: v for k, v in summary.items() if k not in hidden}, indent=1))


def posterior(options: argparse.Namespace) -> None:
    """MCMC on the last wave's emulated likelihood inside the earlier waves' NROY space; write the posterior."""
    from dormancy.inference.mcmc import sample_posterior
    from dormancy.params.posterior import save_posterior

    out = Path(options.out)
    space = posterior_space()
    runs, waves, emulated, cuts = _waves(out, space, options.seed)
    last, earlier = emulated[-1], cuts[:-1]
    # a local last wave's emulators describe its box only: the posterior is sought there (a stated restriction of
    # the prior's support, checked afterwards by how much mass lies at the box's faces)
    box = _boxes(out).get(waves[-1])
    low, high = (np.zeros(space.dimension), np.ones(space.dimension)) if box is None else box
    support, earlier, refuted, inactive = _support(earlier, runs, box, dimension=space.dimension, seed=options.seed)

    def log_likelihood(unit: np.ndarray) -> np.ndarray:
        value = np.full(len(unit), -np.inf)
        inside = support(unit)
        if inside.any():
            value[inside] = last.log_likelihood(unit[inside])
        return value

    start = sample_nroy(
        last.emulator.predict,
        last.observations,
        dimension=space.dimension,
        n=400,
        seed=options.seed,
        k=1,
        earlier=earlier,
        within=box,
    ).unit
    if len(start) == 0:
        sys.exit("no point is plausible under the emulators: run another wave first")
    result = sample_posterior(log_likelihood, start, seed=options.seed, steps=options.steps)
    keep = np.linspace(0, len(result.unit) - 1, min(options.draws, len(result.unit))).round().astype(int)
    metadata = {
        "method": "history matching in waves + GP emulators + emcee (dormancy.inference)",
        "targets": list(last.names),
        "design_runs": len(runs.unit),
        "design_waves": waves,
        "design_patients": sorted({int(n) for n in runs.n_patients}),
        "emulator_training_runs": len(wave_training(runs, waves[-1], box=box)),
        "support": {
            "not_ruled_out_by_waves": [w for j, w in enumerate(waves[:-1]) if j not in refuted and j not in inactive],
            "cuts_kth_largest_le_3": [
                wave_cut(w) for j, w in enumerate(waves[:-1]) if j not in refuted and j not in inactive
            ],
            "cuts_refuted_in_the_box_by_its_runs": [waves[j] for j in refuted],
            "cuts_of_local_waves_act_inside_their_own_box_only": True,
            "box_of_the_last_wave": None if box is None else {"low": low.tolist(), "high": high.tolist()},
        },
        "seed": options.seed,
        "mcmc": {
            "walkers": result.walkers,
            "steps": result.steps,
            "burn": result.burn,
            "thin": result.thin,
            "acceptance": result.acceptance,
            "autocorrelation_steps": result.autocorrelation.tolist(),
            "effective_sample_size": result.effective_sample_size.tolist(),
        },
    }
    save_posterior(to_posterior(space, result.unit[keep], metadata), out / "posterior.parquet")
    print(json.dumps(metadata["mcmc"], indent=1))


def check(options: argparse.Namespace) -> None:
    """Posterior predictive runs of the simulator itself at ``--draws`` posterior draws (resumed from the logs).

    With ``--part i/n`` this process runs the draws whose position is ``i`` modulo ``n`` into ``check.part<i>.jsonl``.
    """
    from dormancy.params.posterior import load_posterior

    out = Path(options.out)
    post = load_posterior(out / "posterior.parquet")
    i, n = (int(x) for x in options.part.split("/"))
    log = out / (CHECK_LOG if options.part == "0/1" else f"check.part{i}.jsonl")
    done = set()
    for path in sorted(out.glob("check*.jsonl")):
        done |= {json.loads(line)["draw"] for line in path.read_text().splitlines() if line.strip()}
    targets = load_targets()
    for count, draw in enumerate(post.sample(options.draws, seed=options.seed)):
        if draw in done or count % n != i:
            continue
        values = post.draw(draw)
        stats = target_statistics(values, seed=options.seed + draw, n_patients=options.patients)
        evidence = evidence_statistics(values, seed=options.seed + draw, n_patients=options.patients)
        row = {
            "draw": draw,
            "n_patients": options.patients,
            "statistics": [None if not np.isfinite(s) else float(s) for s in stats],
            "evidence": {k: None if not np.isfinite(v) else float(v) for k, v in evidence.items()},
        }
        with log.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
        done.add(draw)
        _progress(count + 1, options.draws)
    print(f"{len(done)} posterior predictive runs of {len(targets)} targets in {out}/check*.jsonl")


def coverage(options: argparse.Namespace) -> None:
    """Coverage on known truth: hold out the last ``--holdout`` runs of wave ``--wave``, refit, calibrate to each.

    Each held-out run's simulated statistics (Monte-Carlo noise at the design's cohort size included) are the data,
    its parameters the truth; the observation SD is the emulators' fitted Monte-Carlo SD. The truths are design
    points of the latest wave, drawn from the NROY space of the earlier waves, so that space is the prior's support
    in the check (the earlier waves' emulators are fitted without the held-out runs).
    """
    from dormancy.inference.emulator import standardise, to_z
    from dormancy.inference.sbc import check_coverage
    from dormancy.patients.posterior_fit import DesignRuns

    out = Path(options.out)
    space = posterior_space()
    runs, waves, _, cuts = _waves(out, space, options.seed, upto=options.wave)
    runs = _upto(runs, options.wave)
    latest = waves[-1]
    box = _boxes(out).get(latest)
    support, *_ = _support(cuts[:-1], runs, box, dimension=space.dimension, seed=options.seed)
    defined = np.all(np.isfinite(runs.statistics), axis=1)
    # the truths must be draws from the prior the method assumes: runs of the wave inside its support only (a local
    # wave's design fills its box, of which the earlier waves' kept cuts may rule out a part)
    in_wave = np.flatnonzero((runs.wave == latest) & defined)
    eligible = in_wave[support(runs.unit[in_wave])]
    if len(eligible) < options.holdout:
        sys.exit(
            f"coverage: only {len(eligible)} of wave {latest}'s {len(in_wave)} defined runs lie in its support (the "
            f"box and the earlier waves' kept cuts); --holdout {options.holdout} needs as many truths drawn from it"
        )
    held = eligible[-options.holdout :]
    train = np.setdiff1d(wave_training(runs, latest, box=box), held)
    subset = DesignRuns(runs.unit[train], runs.statistics[train], runs.wave[train], runs.n_patients[train])
    trend = "constant" if box is None else "linear"
    emulated = emulate_targets(subset, space=space, seed=options.seed, trend=trend)
    shift, scale, _ = standardise(observations())
    data = to_z(runs.statistics[held], shift, scale)

    result = check_coverage(
        emulated.emulator.predict,
        runs.unit[held],
        data,
        np.sqrt(emulated.emulator.noise),
        level=0.9,
        seed=options.seed,
        steps=options.steps,
        start=runs.unit[train],
        support=support,
    )
    summary = {
        "cases": len(held),
        "level": 0.9,
        "coverage": result.rate,
        "coverage_by_parameter": dict(zip(space.names, map(float, result.covered.mean(axis=0)), strict=True)),
        "mean_interval_width_unit": dict(zip(space.names, map(float, result.width.mean(axis=0)), strict=True)),
        "rank_by_parameter": {n: result.rank[:, j].tolist() for j, n in enumerate(space.names)},
        "steps": options.steps,
        "training_runs": len(train),
        "trend": trend,
        "support": "the local wave's box and the earlier waves' cuts its runs do not refute"
        if box is not None
        else "the earlier waves' NROY space",
    }
    summary["wave"] = latest
    (out / "coverage.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: summary[k] for k in ("cases", "coverage")}))


def ship(options: argparse.Namespace) -> None:
    """Copy a checked posterior into the package (``params.posterior.shipped_posterior_path``) with its checks.

    ``--from`` is a folder holding ``posterior.parquet`` and its ``predictive.csv`` (``tools/report_posterior.py``);
    the file is refused unless every target and evidence item lies inside its 95 % posterior predictive interval.
    The predictive table's verdicts and the folder's coverage result (``coverage.json`` in ``--out``, if any) are
    added to the posterior's metadata, so the shipped file carries the evidence that it passed.
    """
    import pandas as pd

    from dormancy.params.posterior import Posterior, load_posterior, save_posterior, shipped_posterior_path

    source = Path(options.source)
    posterior = load_posterior(source / "posterior.parquet")
    table = pd.read_csv(source / "predictive.csv")
    missed = table.loc[~table["published_inside"].astype(bool), "target"].tolist()
    if missed:
        sys.exit(f"not shipped: outside their 95 % posterior predictive intervals: {missed}")
    metadata = dict(posterior.metadata)
    metadata["posterior_predictive_check"] = {
        "simulator_runs": int(table["draws"].max()),
        "inside_95_percent": int(table["published_inside"].sum()),
        "items": len(table),
        "folder": str(source),
    }
    coverage_file = Path(options.out) / "coverage.json"
    if coverage_file.exists():
        summary = json.loads(coverage_file.read_text())
        metadata["coverage_on_known_truth"] = {k: summary[k] for k in ("cases", "level", "coverage")}
    shipped = Posterior(posterior.names, posterior.draws, posterior.weights, metadata)
    print(save_posterior(shipped, shipped_posterior_path()))


def main() -> None:
    """Parse the stage and its options and run it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    stages = {
        "design": design,
        "emulate": emulate,
        "posterior": posterior,
        "check": check,
        "coverage": coverage,
        "ship": ship,
    }
    for name in stages:
        p = sub.add_parser(name)
        p.add_argument("--out", required=True)
        p.add_argument("--seed", type=int, default=777)
        p.add_argument("--wave", type=int, default=1)
        p.add_argument("--points", type=int, default=200)
        p.add_argument("--patients", type=int, default=1000)
        p.add_argument("--budget", type=float, default=10.0, help="CPU seconds per design point (target_statistics)")
        p.add_argument("--next-points", type=int, default=150)
        p.add_argument("--steps", type=int, default=4000)
        p.add_argument("--draws", type=int, default=1000)
        p.add_argument("--holdout", type=int, default=20)
        p.add_argument("--part", default="0/1", help="i/n: this process runs the design points i modulo n")
        p.add_argument(
            "--around-shipped",
            type=float,
            default=0.0,
            help="design: a Latin hypercube of this half-width (unit cube) around the shipped point for a later wave",
        )
        p.add_argument("--from", dest="source", default="", help="ship: the folder of the checked posterior")
        p.add_argument(
            "--around-posterior",
            type=float,
            default=0.0,
            help="design: a Latin hypercube in a box around the posterior's median, each half-width this many "
            "posterior SDs (between 0.02 and 0.12 of the cube)",
        )
    options = parser.parse_args()
    stages[options.stage](options)


if __name__ == "__main__":
    main()
