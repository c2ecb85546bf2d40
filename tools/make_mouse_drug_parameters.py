"""Generate the registry set ``lab_mouse_drugs``: mouse doses and PK of hydroxychloroquine and a rapalog (issue 17).

Edit this script, not the YAML, then run ``python tools/make_mouse_drug_parameters.py``. The set serves the lab
protocol ``mouse-dormant-drugs`` (:mod:`dormancy.lab.dormant_drugs`), which replays the preclinical dormant-cell and
residual-tumour-cell experiments through the model's chain. Only PK and doses live here: the potencies (EC50, Emax,
Hill) are the human sets' (``pkpd_hydroxychloroquine``, ``pkpd_everolimus``), because a cell responds to the
concentration it is bathed in whatever the species (the lab replays the mouse exposure; the fit in
``tools/fit_drug_potency.py`` sets the shared potency).

**Compartments.** Every concentration here is a *plasma* concentration, as in the human sets: hydroxychloroquine's
human record is on the plasma scale (Tett 1988: plasma V 44,257 L; the whole-blood level is 7.2 times higher), and
its potency is against plasma (the medium of an in-vitro assay). The mouse volume per kilogram is taken equal to
the human plasma volume per kilogram (an assumption: HCQ's huge volume is tissue and lysosomal binding, Collins et
al. 2018), and the mouse elimination is the human clearance scaled by body weight to the power 3/4 (allometry; an
assumption), so the mouse half-life is the human one times (W_mouse / W_human)^(1/4).

No mouse PK measurement was read in this work (the sources reachable from the project's search tool held only
abstracts): every record is an ``assumption`` or ``derived`` from the human records, with a wide prior.
"""

from __future__ import annotations

import math

from _records import ASSUMED, SETS, cited_record, write_set

MOUSE_KG = 0.025
HUMAN_KG = 70.0
#: Allometric factor on the half-life (clearance per kg scales as W^-1/4, volume per kg as W^0).
HALF_LIFE_FACTOR = (MOUSE_KG / HUMAN_KG) ** 0.25

HCQ_PLASMA_VOLUME_L = 44257.0  # Tett 1988, seen
#: Tett 1988's volunteers: 155 mg was 2.47 mg/kg, average weight 63.5 kg (seen: 44,257 L ~ 700 L/kg).
HCQ_SUBJECT_KG = 63.5
HCQ_HALF_LIFE_FACTOR = (MOUSE_KG / HCQ_SUBJECT_KG) ** 0.25
HCQ_HALF_LIFE_DAYS = 40.0  # Tett 1988, seen
EVE_APPARENT_VOLUME_L = 900.0  # pkpd_everolimus (V/F)
EVE_HALF_LIFE_DAYS = 1.25  # Tanaka 2008, seen


def rec(symbol, label, desc, value, unit, low, high, source, evidence, note, dist="loguniform"):
    """Return one parameter record (an ``assumption`` record always cites the ``assumption`` key)."""
    return cited_record(
        symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist
    )


hcq_half_life = HCQ_HALF_LIFE_DAYS * HCQ_HALF_LIFE_FACTOR
eve_half_life = EVE_HALF_LIFE_DAYS * HALF_LIFE_FACTOR

RECORDS = [
    rec(
        "mouse_body_weight",
        "W",
        "Body weight of an adult laboratory mouse",
        MOUSE_KG,
        "kilogram",
        0.018,
        0.035,
        [],
        ASSUMED,
        "A 20-30 g adult female mouse (BALB/c, FVB); doses in mg/kg are multiplied by it.",
        dist="uniform",
    ),
    rec(
        "hydroxychloroquine_dose",
        "D_HCQ",
        "Daily hydroxychloroquine dose of the dormant-cell experiments",
        60.0,
        "mg / kg / day",
        30.0,
        80.0,
        ["review:78"],
        ASSUMED,
        """Daily intraperitoneal dose in the mouse autophagy-inhibition experiments (60 mg/kg is the dose of the
        issue's brief; the dose of Vera-Ramirez 2018 was not re-read in this work: an assumption to check).""",
        dist="uniform",
    ),
    rec(
        "hydroxychloroquine_volume_per_kg",
        "V_HCQ/W",
        "Plasma volume of distribution of hydroxychloroquine per kg body weight, mouse",
        HCQ_PLASMA_VOLUME_L / HCQ_SUBJECT_KG,
        "liter / kilogram",
        HCQ_PLASMA_VOLUME_L / HCQ_SUBJECT_KG / 3,
        HCQ_PLASMA_VOLUME_L / HCQ_SUBJECT_KG * 3,
        ["tett1988", "collins2018"],
        "derived",
        f"""The human plasma volume (Tett 1988: 44,257 L in volunteers of about 63.5 kg, i.e. ~700 L/kg, seen) per kg,
        {HCQ_PLASMA_VOLUME_L / HCQ_SUBJECT_KG:.0f} L/kg,
        taken for the mouse (the volume is tissue and lysosomal binding, Collins 2018; species-invariant per kg is
        an assumption). Plasma scale, like the human record. Prior threefold.""",
    ),
    rec(
        "hydroxychloroquine_half_life",
        "t½,HCQ",
        "Elimination half-life of hydroxychloroquine, mouse",
        hcq_half_life,
        "day",
        hcq_half_life / 3,
        hcq_half_life * 3,
        ["tett1988"],
        "derived",
        f"""Human 40 days (Tett 1988, seen) times (0.025/63.5)^(1/4) = {HCQ_HALF_LIFE_FACTOR:.3f} (clearance per
        kg scaling as W^(-1/4), volume per kg constant; allometry is an assumption): {hcq_half_life:.1f} days. Prior
        threefold.""",
    ),
    rec(
        "hydroxychloroquine_bioavailability",
        "F_HCQ",
        "Fraction of an intraperitoneal hydroxychloroquine dose reaching the circulation, mouse",
        1.0,
        "dimensionless",
        0.5,
        1.0,
        [],
        ASSUMED,
        "Intraperitoneal dosing of a small, well-absorbed drug: near complete (assumption).",
        dist="uniform",
    ),
    rec(
        "mtor_inhibitor_dose",
        "D_mTORi",
        "Daily rapalog dose of the residual-tumour-cell experiments (everolimus-equivalent)",
        4.0,
        "mg / kg / day",
        1.0,
        10.0,
        ["demichele2025"],
        ASSUMED,
        """The Chodosh-lab experiments used rapamycin or everolimus (DeMichele 2025, abstract, seen); their doses
        were not read. 4 mg/kg/day is taken, within the usual 1-10 mg/kg mouse range (assumption); rapamycin is
        represented by everolimus (same target, FKBP12-mTORC1).""",
    ),
    rec(
        "mtor_inhibitor_volume_per_kg",
        "V_mTORi/W",
        "Apparent volume of distribution of the rapalog per kg body weight, mouse",
        EVE_APPARENT_VOLUME_L / HUMAN_KG,
        "liter / kilogram",
        EVE_APPARENT_VOLUME_L / HUMAN_KG / 3,
        EVE_APPARENT_VOLUME_L / HUMAN_KG * 3,
        ["tanaka2008"],
        "derived",
        f"""Human apparent volume of everolimus (pkpd_everolimus, 900 L) per 70 kg,
        {EVE_APPARENT_VOLUME_L / HUMAN_KG:.1f} L/kg, taken for the mouse (assumption). Blood scale, like the human
        record. Prior threefold.""",
    ),
    rec(
        "mtor_inhibitor_half_life",
        "t½,mTORi",
        "Elimination half-life of the rapalog, mouse",
        eve_half_life,
        "day",
        eve_half_life / 3,
        eve_half_life * 3,
        ["tanaka2008"],
        "derived",
        f"""Human 30 h (Tanaka 2008, seen) times {HALF_LIFE_FACTOR:.3f} (allometry, as for hydroxychloroquine):
        {eve_half_life * 24:.1f} h. Prior threefold.""",
    ),
]


def main() -> None:
    """Write the set."""
    doc = {
        "set": "lab_mouse_drugs",
        "model": "lab_mouse_drugs",
        "description": "Mouse doses and plasma (blood for the rapalog) PK of hydroxychloroquine and a rapalog for the "
        "preclinical dormant-cell drug experiments (mouse-dormant-drugs); potencies are the human sets'.",
        "parameters": RECORDS,
    }
    header = "# GENERATED by tools/make_mouse_drug_parameters.py; edit the script and rerun.\n"
    path = SETS / "lab_mouse_drugs.yaml"
    write_set(path, header, doc)
    print(f"wrote {path}; mouse half-lives: HCQ {hcq_half_life:.2f} d, rapalog {eve_half_life * 24:.2f} h")
    assert math.isfinite(hcq_half_life)


if __name__ == "__main__":
    main()
