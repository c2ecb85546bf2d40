r"""Scan the candidate levers of the menopause / bone-drug departure at the switch level (diagnosis only).

``mouse-ovariectomy`` (:mod:`dormancy.lab.ovariectomy`) finds that ovariectomy (OVX) lowers and zoledronic acid (ZA)
raises the dormant-branch quiescence exit rate in the dormant marrow niches, against Ottewell 2014 (review [100]).
This tool calls :func:`dormancy.lab.ovariectomy.niche_fates` (cells at the niche's mean inputs, the host state of
:mod:`dormancy.lab.menopause`) with registry records overridden inside their priors, including the
switch sets (which the patient simulator cannot override), and prints per setting the folds

* OVX/sham = exit(OVX + vehicle) / exit(sham + vehicle),
* ZA/veh (sham) and ZA/veh (OVX) = exit(+ zoledronic acid) / exit(+ vehicle) in each host,

for ER− and ER+ DTCs, and whether the published directions hold in every dormant niche (the xfail tests' criteria:
OVX/sham > 1; ZA/veh (OVX) < 1 and below ZA/veh (sham)). One structural variant is offered outside the parameter
mechanism: ``--frozen-tgfb2-bmp7`` keeps the TGF-β2/BMP7 inputs at their rest levels in every arm (no coupling of
the pro-dormancy inputs to active osteoblasts).

Usage::

    PYTHONPATH=src python tools/scan_menopause_levers.py [SET.SYMBOL=VALUE ...] [--frozen-tgfb2-bmp7]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import pandas as pd

from dormancy.bone.pivonka import PivonkaParameters
from dormancy.lab.ovariectomy import niche_fates
from dormancy.params import ParameterSet, load_registry
from dormancy.signalling import SwitchModel

#: Sets a setting may override (the mouse protocol reads all of them).
SETS = (
    "lab_in_vivo",
    "patients_natural_history",
    "bone_lifetime",
    "pivonka2008",
    "switch_er_negative",
    "switch_er_positive",
)
#: Marrow niches where arriving DTCs settle dormant (as in tests/test_lab_ovariectomy.py).
DORMANT_NICHES = ("endosteal", "perivascular_stable", "other_marrow")


def resolve(overrides: Mapping[str, float]) -> dict[str, ParameterSet]:
    """Return :data:`SETS` with ``overrides`` (``set.symbol`` to value) applied, each checked against its prior."""
    grouped: dict[str, dict[str, float]] = {}
    for name, value in overrides.items():
        set_name, _, symbol = name.partition(".")
        grouped.setdefault(set_name, {})[symbol] = float(value)
    unknown = set(grouped) - set(SETS)
    if unknown:
        raise ValueError(f"sets not scanned: {sorted(unknown)}")
    registry = load_registry().sets
    return {name: registry[name].with_values(grouped.get(name, {}), reason="lever scan") for name in SETS}


def exit_rates(overrides: Mapping[str, float], *, frozen: bool = False) -> pd.DataFrame:
    """Return a dormant cell's awakening hazard (1/day, the switch's exit rate averaged over resorption exposure).

    Index (er, niche), one column per arm. Before issue 16 this scan read the exit rate at rest
    (``quiescence_exit_rate``), which docs/menopause-levers.md reports.
    """
    sets = resolve(overrides)
    values = {**sets["patients_natural_history"].values(), **sets["lab_in_vivo"].values()}
    tables = []
    for er in ("negative", "positive"):
        fates = niche_fates(
            er,
            "nude",
            switch=SwitchModel.from_parameter_set(sets[f"switch_er_{er}"]),
            values=values,
            remodelling=PivonkaParameters.from_set(sets["pivonka2008"]),
            coupling=sets["bone_lifetime"].values(),
            osteoblast_signals=not frozen,
        )
        rates = fates.pivot(index="niche", columns="arm", values="awakening_rate")
        tables.append(rates.reindex(fates["niche"].unique()).assign(er=er))
    return pd.concat(tables).reset_index().set_index(["er", "niche"])


def folds(rates: pd.DataFrame) -> pd.DataFrame:
    """Return OVX/sham, ZA/veh in sham and in OVX per (er, niche) and whether each published direction holds."""
    out = pd.DataFrame(
        {
            "exit_sham": rates["sham + vehicle"],
            "ovx_sham": rates["OVX + vehicle"] / rates["sham + vehicle"],
            "za_sham": rates["sham + zoledronic acid"] / rates["sham + vehicle"],
            "za_ovx": rates["OVX + zoledronic acid"] / rates["OVX + vehicle"],
        }
    )
    out["ovx_ok"] = out["ovx_sham"] > 1.0
    out["za_ok"] = (out["za_ovx"] < 1.0) & (out["za_ovx"] < out["za_sham"])
    return out


def verdict(table: pd.DataFrame) -> dict[str, bool]:
    """Return whether each test's criterion holds in every dormant niche, per ER status."""
    dormant = table[table.index.get_level_values("niche").isin(DORMANT_NICHES)]
    return {
        f"{test}_{er}": bool(dormant.loc[er, f"{test}_ok"].all())
        for er in ("negative", "positive")
        for test in ("ovx", "za")
    }


def main() -> None:
    """Print the folds and the verdict of one setting."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="SET.SYMBOL=VALUE")
    parser.add_argument("--frozen-tgfb2-bmp7", action="store_true", help="TGF-β2/BMP7 at rest in every arm")
    options = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in options.overrides)
    table = folds(exit_rates({k: float(v) for k, v in overrides.items()}, frozen=options.frozen_tgfb2_bmp7))
    with pd.option_context("display.width", 140, "display.float_format", "{:.4g}".format):
        print(table)
    print(verdict(table))


if __name__ == "__main__":
    main()
