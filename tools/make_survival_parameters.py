r"""Generate the registry set ``patients_survival`` (deaths: survival after a first distant recurrence).

Edit this script, not the YAML file, then run ``python tools/make_survival_parameters.py``. Deaths from other
causes come from a life table shipped as data (``src/dormancy/patients/data/life_table_female.csv``, made by
``tools/make_life_table.py``), not from records; this set holds survival after a first distant recurrence
(:mod:`dormancy.patients.survival`).

Survival after a first distant recurrence is exponential with median :math:`m_s \, r^{\pm 1/2}` for subtype
:math:`s` (``+`` for a first recurrence in bone, ``-`` for a visceral one), :math:`r` the ratio of the bone to the
visceral median. The medians are those of patients relapsing in the late 1980s and 1990s (Kennecke 2010: early
breast cancer diagnosed 1986-1992 in British Columbia; Solomayer 2000: Heidelberg), so they include the treatment
of metastatic disease of that era (endocrine therapy, anthracycline and taxane chemotherapy, no trastuzumab for
most, no CDK4/6 inhibitors).
"""

from pathlib import Path

import yaml

SETS = Path(__file__).resolve().parents[1] / "src" / "dormancy" / "params" / "data" / "sets"
NAME = "patients_survival"


def urec(symbol, label, desc, value, unit, low, high, source, note, evidence):
    """Return one parameter record with a uniform prior."""
    return dict(
        symbol=symbol,
        label=label,
        description=desc,
        value=value,
        unit=unit,
        prior=dict(distribution="uniform", low=low, high=high),
        source=source,
        evidence=evidence,
        note=note,
    )


KENNECKE = (
    "Kennecke 2010 (3,726 patients with early breast cancer diagnosed 1986-1992, median follow-up 14.8 years): "
    "median durations of survival with distant metastasis 2.2 (luminal A), 1.6 (luminal B), 1.3 (luminal/HER2), "
    "0.7 (HER2 enriched) and 0.5 years (basal-like), abstract read."
)
records = [
    urec(
        "median_years_er_positive_her2_negative",
        "m_{ER+/HER2-}",
        "Median survival after a first distant recurrence, ER+/HER2- tumours (all first sites together)",
        1.9,
        "year",
        1.2,
        3.0,
        ["kennecke2010", "assumption"],
        f"{KENNECKE} ER+/HER2- mixes luminal A and B: 1.9 years, between their medians (an assumption; the mix is "
        "not given in the abstract). Prior 1.2-3.0 years.",
        "assumption",
    ),
    urec(
        "median_years_her2_positive_er_positive",
        "m_{HER2+ER+}",
        "Median survival after a first distant recurrence, HER2+ ER+ tumours (all first sites together)",
        1.3,
        "year",
        0.8,
        2.5,
        ["kennecke2010"],
        f"{KENNECKE} Luminal/HER2: 1.3 years (seen in the source; era before trastuzumab in the metastatic "
        "setting for most patients). Prior 0.8-2.5 years.",
        "seen",
    ),
    urec(
        "median_years_her2_positive_er_negative",
        "m_{HER2+ER-}",
        "Median survival after a first distant recurrence, HER2+ ER- tumours (all first sites together)",
        0.7,
        "year",
        0.4,
        1.5,
        ["kennecke2010"],
        f"{KENNECKE} HER2 enriched: 0.7 years (seen in the source). Prior 0.4-1.5 years.",
        "seen",
    ),
    urec(
        "median_years_triple_negative",
        "m_{TN}",
        "Median survival after a first distant recurrence, triple-negative tumours (all first sites together)",
        0.5,
        "year",
        0.3,
        1.0,
        ["kennecke2010"],
        f"{KENNECKE} Basal-like: 0.5 years (seen in the source; taken for all triple-negative tumours, an "
        "assumption: Kennecke's TN non-basal group is not given a median in the abstract). Prior 0.3-1.0 years.",
        "seen",
    ),
    urec(
        "bone_to_visceral_median_ratio",
        "r",
        "Ratio of the median survival after a first distant recurrence in bone to that after a visceral one",
        2.0,
        "dimensionless",
        1.3,
        3.0,
        ["solomayer2000"],
        "Solomayer 2000 (648 patients with metastatic breast cancer): median survival after first metastasis 24 "
        "months with bone and 12 months with visceral metastases at first relapse, ratio 2 (seen in the source). "
        "The model scales each subtype's median by r^(+1/2) for bone and r^(-1/2) for a visceral first site "
        "(lung, liver, brain, other), so the bone/visceral ratio is r and the geometric mean is the subtype's "
        "median (an assumption: Kennecke's subtype medians pool all first sites). Prior 1.3-3.0.",
        "seen",
    ),
]

doc = dict(
    set=NAME,
    model="patients",
    description="Survival after a first distant recurrence of breast cancer by subtype and first site "
    "(exponential, median from Kennecke 2010 by subtype and Solomayer 2000 for bone against visceral first sites); "
    "includes the treatment of metastatic disease of the late 1980s and 1990s. Deaths from other causes come from "
    "the SSA female period life tables shipped as data (dormancy/patients/data/life_table_female.csv).",
    parameters=records,
)
header = "# Generated by tools/make_survival_parameters.py; edit that script, not this file.\n"
(SETS / f"{NAME}.yaml").write_text(
    encoding="utf-8", data=header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
)
