"""Examples shown at the end of every command's ``--help`` (kept here, one place, beside the README's list)."""

from __future__ import annotations

import typer

EXAMPLES: dict[str, tuple[str, ...]] = {
    "validate": ("dormancy scenarios --show komarova_ensemble > my.yaml", "dormancy validate my.yaml"),
    "run": ("dormancy run my.yaml --out results/my-run", "dormancy run my.yaml --out results/my-run --overwrite"),
    "demo": ("dormancy demo --quick", "dormancy demo --out demo-output"),
    "params": ("dormancy params --grep osteoclast", "dormancy params --set pivonka2008 --format csv > bone.csv"),
    "cite": ("dormancy cite komarova2003 review:61",),
    "scenarios": ("dormancy scenarios", "dormancy scenarios --show komarova_ensemble > my.yaml"),
    "sbml": ("dormancy sbml ayati2010 --out ayati2010.xml", "dormancy sbml switch_er_positive > switch.xml"),
    "switch": (
        "dormancy switch --input TGFB2=0.8 --input O2=0.01 --days 14",
        "dormancy switch --scan FIBRONECTIN 0 1 --input TGFB2=0.57",
    ),
    "bone": (
        "dormancy bone --years 20 --menopause-age 51 --drug zoledronic_acid:4mg:q6mo",
        "dormancy bone --years 5 --age 60 --menopause-age 0 --tumour 0.3 --table bone.csv",
    ),
    "niche": (
        "dormancy niche --show-default > niche.yaml",
        "dormancy niche --scenario niche.yaml --days 60 --movie niche.gif --out niche-run",
        "dormancy niche --scenario niche.yaml --checkpoint-every 24 --out run2",
    ),
    "cohort": (
        "dormancy cohort --patients 1000 --years 20 --seed 1 --out cohort",
        "dormancy cohort --patients 1000000 --workers 2 --out big",
    ),
    "trial": (
        "dormancy trial list",
        "dormancy trial clever --replicates 20 --out clever",
        "dormancy trial template > my-trial.yaml",
        "dormancy trial my-trial.yaml --replicates 50 --sizes 100,200,400",
    ),
    "calibration-report": ("dormancy calibration-report --patients 2000 --out report",),
    "sensitivity": ("dormancy sensitivity --samples 10 --out sens",),
    "trial-sensitivity": (
        "dormancy trial-sensitivity azure --out sens-azure --target 3360 --n-base 16",
        "dormancy trial-sensitivity clever --out sens-clever --top 5 --trajectories 2 --noise-seeds 4",
    ),
    "calibrate": ("dormancy calibrate --out calib", "dormancy calibrate --out calib --resume"),
    "lab list": ("dormancy lab list --options",),
    "app": ("dormancy app", "dormancy app --port 8080 --show"),
    "lab run": (
        "dormancy lab run coculture-indirect --msc-ratio 1:1 --days 7 --seed 1 --out cc",
        "dormancy lab run hypoxia-intermittent --set cycles=6 --anndata --out hx",
        "dormancy lab run mouse-xenograft --set host=nsg --set mice=20 --out nsg",
        "dormancy lab run mouse-dormant-drugs --set experiment=chodosh-rtc --set mice_per_arm=20 --out rtc",
    ),
}


def _name(info: typer.models.CommandInfo) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def _epilog(lines: tuple[str, ...]) -> str:
    # rich help: blank lines keep one example per line; markup off so brackets print as typed
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


def add_examples(app: typer.Typer) -> None:
    """Set the epilog of every registered command (and of the ``lab`` group's commands) to its examples."""
    for info in app.registered_commands:
        if _name(info) in EXAMPLES:
            info.epilog = _epilog(EXAMPLES[_name(info)])
    for group in app.registered_groups:
        for info in group.typer_instance.registered_commands:
            key = f"{group.name} {_name(info)}"
            if key in EXAMPLES:
                info.epilog = _epilog(EXAMPLES[key])
