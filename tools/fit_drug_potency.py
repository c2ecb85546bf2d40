"""Fit the HCQ and everolimus potencies to the preclinical dormant-cell experiments only (issue 17).

Usage: ``PYTHONPATH=src python tools/fit_drug_potency.py [--out docs/drug-potency]``. Writes ``fit.json`` (the fitted
values, the objective, every target's model value and z), ``table.csv`` (experiment vs model with the tolerance) and
``figure.png``. The fitted values are then copied into ``tools/make_therapy_parameters.py`` (``FITTED``) and the
sets regenerated, as calibrated values are for the patient model.

What is fitted, against what (nothing from CLEVER's patients):

* ``autophagy_inhibition_emax`` and ``autophagy_inhibition_ec50`` (HCQ, plasma scale) to Vera-Ramirez 2018 (dormant
  D2.0R cells under HCQ in mice, :data:`dormancy.lab.dormant_drugs.EXPERIMENTS`) and, for the EC50, to the human
  pharmacodynamics: autophagy inhibition in patients' PBMCs only at the highest dose, 1,200 mg/day (Rangwala 2014),
  read as half-maximal inhibition reached at the steady plasma level of 1,200 mg/day and not at 800 mg/day, so
  EC50 in [css(800), css(1200)];
* ``mtor_inhibition_emax`` (everolimus) to the Chodosh-lab residual-tumour-cell experiment (chronic mTOR inhibition
  alone). Its EC50 stays the pharmacological one (S6K1 inhibition at 10 mg/day troughs; not a preclinical number).
* the switch's ``autophagy_block_apoptosis_rate`` (:func:`dormancy.signalling.autophagy_block_death`: death from the
  autophagy a dormant cell initiates but HCQ's lysosomal block leaves undegraded; 0 without the drug, so untreated
  death and the patient calibration do not depend on it) to Vera-Ramirez 2018, jointly with the rest. Its value
  goes into ``AUTOPHAGY_BLOCK`` in ``tools/make_switch_parameters.py``.

Each target is a z-score: log(model / centre) over the interval's half-width in log, the centre the interval's
geometric mean; |z| <= 1 is within tolerance. The objective is the sum of z^2 over the targets, minimised inside
the records' priors (Nelder-Mead on bounded transforms). Targets the model cannot reach inside the priors stay
outside their tolerance: the tool reports them and the tests hold them as strict xfails.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from dormancy.lab.dormant_drugs import EXPERIMENTS, model_relative_to_vehicle
from dormancy.params import load_registry

ROOT = Path(__file__).resolve().parents[1]
LN2 = math.log(2.0)
#: The model before this fit (the table's "before" column): the potencies of the first fit (docs/trials-run-8) and no
#: flux-block death (the switch's autophagy_block_apoptosis_rate did not exist; 0 here).
PREVIOUS = {
    "autophagy_inhibition_emax": 1.0,
    "autophagy_inhibition_ec50": 0.93,
    "mtor_inhibition_emax": 1.0,
    "autophagy_block_apoptosis_rate": 0.0,
}
#: The fit's start (inside the bounds).
START = {**PREVIOUS, "autophagy_block_apoptosis_rate": 0.1}
BOUNDS = {
    "autophagy_inhibition_emax": (0.45, 1.0),
    "autophagy_inhibition_ec50": (0.2, 5.0),
    "mtor_inhibition_emax": (0.3, 1.0),
    "autophagy_block_apoptosis_rate": (0.01, 1.0),
}


def hcq_css(dose_mg_per_day: float) -> float:
    """Return the human steady-state average plasma HCQ (mg/L) at a daily dose (registry PK)."""
    v = load_registry().sets["pkpd_hydroxychloroquine"].values()
    clearance = v["volume"] * LN2 / v["elimination_half_life"]
    return v["bioavailability"] * dose_mg_per_day / clearance


def targets():
    """Return the (experiment, Target) pairs the fit uses."""
    return [(key, target) for key, experiment in EXPERIMENTS.items() for target in experiment.targets]


def z_score(model: float, low: float, high: float) -> float:
    """Return log(model / geometric centre) over the half-width of [low, high] in log (low 0: one-sided)."""
    if low <= 0.0:
        return max(0.0, math.log(model / high)) / math.log(2.0)  # one-sided: 0 inside, one unit per doubling
    centre, half = math.sqrt(low * high), 0.5 * math.log(high / low)
    return math.log(max(model, 1e-12) / centre) / half


def evaluate(potency: dict[str, float]) -> list[dict[str, object]]:
    """Return one row per target: experiment, arm, days, interval, model value, z."""
    rows = []
    for key, target in targets():
        model = model_relative_to_vehicle(target.arm, target.days, potency=potency)
        rows.append(
            dict(
                experiment=key,
                arm=target.arm,
                days=target.days,
                low=target.low,
                high=target.high,
                model=model,
                z=z_score(model, target.low, target.high),
            )
        )
    low, high = hcq_css(800.0), hcq_css(1200.0)
    ec50 = potency["autophagy_inhibition_ec50"]
    rows.append(
        dict(
            experiment="rangwala2014 (human PBMC, HCQ EC50 in mg/L)",
            arm="hcq",
            days=float("nan"),
            low=low,
            high=high,
            model=ec50,
            z=z_score(ec50, low, high),
        )
    )
    return rows


def _from_x(x: np.ndarray) -> dict[str, float]:
    out = {}
    for value, (symbol, (low, high)) in zip(x, BOUNDS.items(), strict=True):
        fraction = 0.5 * (1.0 + math.tanh(value))
        out[symbol] = math.exp(math.log(low) + fraction * (math.log(high) - math.log(low)))
    return out


def _to_x(potency: dict[str, float]) -> np.ndarray:
    x = []
    for symbol, (low, high) in BOUNDS.items():
        fraction = (math.log(potency[symbol]) - math.log(low)) / (math.log(high) - math.log(low))
        x.append(math.atanh(min(max(2.0 * fraction - 1.0, -0.999), 0.999)))
    return np.array(x)


def fit() -> dict[str, object]:
    """Minimise the sum of z^2 and return the fit's record."""
    current = dict(START)

    def objective(x: np.ndarray) -> float:
        return float(sum(row["z"] ** 2 for row in evaluate(_from_x(x))))

    result = minimize(objective, _to_x(current), method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4})
    fitted = _from_x(result.x)
    rows = evaluate(fitted)
    return dict(
        fitted=fitted,
        start=PREVIOUS,
        start_rows=evaluate(PREVIOUS),
        objective=float(result.fun),
        evaluations=int(result.nfev),
        rows=rows,
        within_tolerance=[abs(row["z"]) <= 1.0 for row in rows],
    )


def figure(record: dict[str, object], path: Path) -> None:
    """Write the experiment-vs-model figure: each target's interval, the model before and after the fit."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [r for r in record["rows"] if "rangwala" not in str(r["experiment"])]
    start = [r for r in record["start_rows"] if "rangwala" not in str(r["experiment"])]
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    for i, (row, before) in enumerate(zip(rows, start, strict=True)):
        ax.plot([i, i], [max(row["low"], 1e-3), row["high"]], color="grey", lw=6, alpha=0.5)
        ax.plot(i - 0.1, before["model"], "o", color="tab:orange", label="before fit" if i == 0 else None)
        ax.plot(i + 0.1, row["model"], "s", color="tab:blue", label="fitted" if i == 0 else None)
    ax.set_xticks(range(len(rows)), [f"{r['experiment']}\n{r['arm']} {r['days']:g} d" for r in rows], fontsize=8)
    ax.set(yscale="log", ylabel="dormant cells per mouse / vehicle", ylim=(1e-2, 1.5))
    ax.legend()
    FigureCanvasAgg(fig).print_png(str(path))


def main() -> None:
    """Fit and write the outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "drug-potency")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    record = fit()
    (args.out / "fit.json").write_text(json.dumps(record, indent=2, default=float) + "\n", encoding="utf-8")
    table = pd.DataFrame(record["rows"]).assign(
        before=[r["model"] for r in record["start_rows"]], within_tolerance=record["within_tolerance"]
    )
    table.to_csv(args.out / "table.csv", index=False, float_format="%.4g")
    figure(record, args.out / "figure.png")
    print(json.dumps(record["fitted"], indent=2))
    print(table.to_string())


if __name__ == "__main__":
    main()
