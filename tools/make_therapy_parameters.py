"""Generate the registry sets ``pkpd_<drug>`` of the therapy drugs (issue 7): PK and target effects.

Edit this script, not the YAML files, then run ``python tools/make_therapy_parameters.py``. Units inside the package:
day, mg, L, mg/L. Every drug except the MSC-delivered antagomiR is one compartment with first-order absorption
(:func:`dormancy.pkpd.drugs.one_compartment_kinetics`); oral drugs whose absolute bioavailability is unknown use
*apparent* volumes (V/F) with F = 1. Potencies (EC50) are total plasma or blood concentrations: an in-vitro or
enzymatic IC50 divided by the unbound fraction where the binding is known (an assumption: unbound drug engages the
target in tissue at the plasma unbound concentration). Values recalled from drug labels and not re-read in this
session are ``assumption`` records citing the label with a prior wide enough for the label's range; values the
project's models notes saw in a source are ``seen``; values computed from others are ``derived``.
"""

from __future__ import annotations

import math

from _records import ASSUMED, SETS, cited_record, write_set

LN2 = math.log(2.0)


def rec(symbol, label, desc, value, unit, low, high, source, evidence, note, dist="loguniform"):
    """Return one parameter record (prior log-uniform unless told)."""
    return cited_record(
        symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist
    )


def pk(drug, *, ka=None, f=None, volume, half_life, sources, evidence=ASSUMED, notes):
    """Return the PK records of a one-compartment drug (``notes``: symbol → note)."""
    out = []
    if ka is not None:
        out.append(
            rec(
                "absorption_rate",
                "ka",
                f"First-order absorption rate constant of {drug}",
                ka,
                "1 / day",
                ka / 3,
                ka * 3,
                sources,
                evidence,
                notes["absorption_rate"],
            )
        )
    if f is not None:
        out.append(
            rec(
                "bioavailability",
                "F",
                f"Fraction of a {drug} dose that reaches the circulation",
                f,
                "dimensionless",
                max(0.05, f * 0.5),
                1.0,
                sources,
                evidence,
                notes["bioavailability"],
                dist="uniform",
            )
        )
    out.append(
        rec(
            "volume",
            "V",
            f"Volume of distribution of {drug} (apparent where F is unknown)",
            volume,
            "liter",
            volume / 2,
            volume * 2,
            sources,
            evidence,
            notes["volume"],
        )
    )
    out.append(
        rec(
            "elimination_half_life",
            "t½",
            f"Elimination half-life of {drug}",
            half_life,
            "day",
            half_life / 2,
            half_life * 2,
            sources,
            evidence,
            notes["elimination_half_life"],
        )
    )
    return out


def effect(target, what, *, emax, ec50, hill=1.0, unit="mg / L", sources, notes, ec50_evidence=ASSUMED):
    """Return the Emax, EC50 and Hill records of one target effect (``notes``: emax/ec50/hill → note)."""
    return [
        rec(
            f"{target}_emax",
            f"Emax,{target}",
            f"Maximal {what} (fraction)",
            emax,
            "dimensionless",
            max(0.05, emax * 0.5),
            1.0,
            sources,
            ASSUMED,
            notes["emax"],
            dist="uniform",
        ),
        rec(
            f"{target}_ec50",
            f"EC50,{target}",
            f"Concentration (or amount) of half-maximal {what}",
            ec50,
            unit,
            ec50 / 5,
            ec50 * 5,
            sources,
            ec50_evidence,
            notes["ec50"],
        ),
        rec(
            f"{target}_hill",
            f"h,{target}",
            f"Hill coefficient of the {what}",
            hill,
            "dimensionless",
            0.5,
            3.0,
            [ASSUMED],
            ASSUMED,
            notes.get(
                "hill", "Hyperbolic (Hill 1) in the absence of exposure-response data; prior 0.5-3 (assumption)."
            ),
            dist="uniform",
        ),
    ]


def steady_average(dose_mg, interval_days, f, volume, half_life):
    """Average steady-state concentration (mg/L) of a one-compartment drug: F D / (CL tau)."""
    clearance = volume * LN2 / half_life
    return f * dose_mg / (clearance * interval_days)


DRUGS: dict[str, dict] = {}

# ------------------------------------------------------------------------------------------- hydroxychloroquine
hcq_css = steady_average(600.0, 0.5, 0.74, 44257.0, 40.0)
DRUGS["hydroxychloroquine"] = dict(
    comment="Hydroxychloroquine (oral, CLEVER 600 mg twice daily): one compartment on the plasma scale (Tett 1988: "
    "plasma volume of distribution 44,257 L, terminal half-life about 40 days; it accumulates over months); "
    "autophagic-flux block is an Emax function of the plasma concentration, the concentration an in-vitro medium "
    "corresponds to (whole blood holds about 7.2 times more, taken up by blood cells).",
    description="Hydroxychloroquine, oral: one compartment (plasma V 44,257 L, t½ 40 days, F 0.74; Tett 1988, 1989); "
    "autophagy inhibition follows the plasma concentration.",
    records=pk(
        "hydroxychloroquine",
        ka=48.0,
        f=0.74,
        volume=44257.0,
        half_life=40.0,
        sources=["tett1988", "tett1989", "white2020", "plaquenil_label"],
        evidence="seen",
        notes={
            "absorption_rate": "Gives a peak 3-4 h after a dose (label recall: Tmax 3-4 h; an assumption). Prior "
            "threefold.",
            "bioavailability": "Tett et al. 1989 (abstract): fraction of an oral dose absorbed 0.74 +/- 0.13 from "
            "blood and urine data. Prior 0.37-1.",
            "volume": f"""Tett et al. 1988 (abstract; intravenous, healthy volunteers): volumes of distribution
                5,522 L from blood and 44,257 L from plasma; blood to plasma concentration ratio 7.2 +/- 4.2. The
                model's concentration is the plasma one (amount / this volume): with t½ 40 days and F 0.74 the
                average plasma level at 600 mg twice daily is about {hcq_css:.2f} mg/L. Prior twofold.""",
            "elimination_half_life": """Tett et al. 1988: half-life and mean residence time around 40 days
                (White et al. 2020: 40-50 days). Prior 20-80 days.""",
        },
    )
    + effect(
        "autophagy_inhibition",
        "block of autophagic flux by hydroxychloroquine",
        emax=0.9,
        ec50=1.0,
        sources=["review:78", "review:76"],
        notes={
            "emax": """Lysosomal de-acidification does not block flux completely in patients' PBMCs; 0.9 taken
                (assumption; prior 0.45-1).""",
            "ec50": f"""Against the plasma concentration, the compartment an in-vitro medium corresponds to (the
                whole-blood level is about 7.2 times higher, Tett 1988). In-vitro flux block needs about 1-10 µM
                (models notes, recall); 1 mg/L is 3 µM. At the CLEVER dose the steady plasma average ({hcq_css:.2f}
                mg/L) gives about half the maximal effect, consistent with autophagy inhibition in patients' blood
                cells seen only at the highest dose, 1,200 mg/day (Rangwala 2014, lead) (assumption). Prior
                fivefold.""",
        },
    ),
)

for _record in DRUGS["hydroxychloroquine"]["records"]:
    if _record["symbol"] == "absorption_rate":  # not measured by Tett 1988/1989 (intravenous, then bioavailability)
        _record["evidence"] = ASSUMED
        _record["source"] = [*_record["source"], ASSUMED]

DRUGS["hydroxychloroquine"]["records"].append(
    rec(
        "blood_to_plasma_ratio",
        "B:P",
        "Whole-blood to plasma concentration ratio of hydroxychloroquine",
        7.2,
        "dimensionless",
        3.0,
        11.4,
        ["tett1988"],
        "seen",
        """Tett et al. 1988 (abstract): 7.2 +/- 4.2 (blood cells take the drug up). Not used by the model's chain
        (its concentration and potency are both on the plasma scale); kept so that a whole-blood level can be
        converted: blood = 7.2 x plasma. Consistency with the volumes: 5,522 L (blood) x 7.2 = 39,758 L, within
        the spread of the plasma volume 44,257 L (tested). Prior: mean +/- 1 SD.""",
        dist="uniform",
    )
)

# ------------------------------------------------------------------------------------------------------ everolimus
DRUGS["everolimus"] = dict(
    comment="Everolimus (oral, 10 mg daily): one compartment with apparent volume (V/F) and a 30-h half-life; mTORC1 "
    "inhibition is an Emax function of the blood concentration.",
    description="Everolimus, oral: one compartment (V/F 900 L, t½ 30 h); mTORC1 inhibition follows the blood "
    "concentration.",
    records=pk(
        "everolimus",
        ka=30.0,
        f=1.0,
        volume=900.0,
        half_life=1.25,
        sources=["tanaka2008", "afinitor_label"],
        notes={
            "absorption_rate": "Peak 1-2 h after a dose (label recall). Prior threefold.",
            "bioavailability": """Absolute bioavailability unknown; F = 1 with an apparent volume V/F (the model
                only needs concentrations). Prior 0.5-1.""",
            "volume": """Apparent V/F chosen with t½ 30 h so that 10 mg daily gives an average of about 20 ng/mL and a
                trough of about 14 ng/mL, inside the trough quartiles 9-22.8 ng/mL (models notes, seen:
                PMC6864417). Prior twofold.""",
            "elimination_half_life": "Tanaka et al. 2008 (seen): terminal half-life about 30 h (26-38 h) = 1.25 day.",
        },
        evidence=ASSUMED,
    )
    + effect(
        "mtor_inhibition",
        "mTORC1 inhibition by everolimus",
        emax=0.6,
        ec50=0.003,
        sources=["tanaka2008", "review:79"],
        notes={
            "emax": """Only about 56% maximal mTOR (S6K1) inhibition in PBMC at therapeutic levels (models notes,
                seen); 0.6 taken. Prior 0.3-1.""",
            "ec50": """mTORC1 IC50 is 1-2 nM in vitro (1.5 nM = 1.4 ng/mL); in blood, with binding to red cells and
                FKBP12, 3 ng/mL (0.003 mg/L) is taken, so 10 mg daily (about 20 ng/mL) is near the maximal effect,
                as the S6K1 data at 10 mg/day suggest (assumption). Prior fivefold.""",
        },
    ),
)


# ------------------------------------------------------------------------- potencies fitted to preclinical data
#: HCQ and everolimus potencies fitted by tools/fit_drug_potency.py (docs/drug-potency) to the preclinical
#: dormant-cell experiments only (mouse-dormant-drugs) and, for the HCQ EC50, the PBMC pharmacodynamics of
#: Rangwala 2014. Never to CLEVER's patients. symbol -> (value, note).
FITTED = {
    ("hydroxychloroquine", "autophagy_inhibition_emax"): (
        1.0,
        """Fitted (issue 17, docs/drug-potency) to Vera-Ramirez 2018 (HCQ during dormancy significantly decreased
        dormant D2.0R cells in mice; target: dormant cells 0.05-0.5 of vehicle after 28 days at 60 mg/kg/day,
        the interval the reported significance implies; no spread or group size could be read) through mouse PK
        -> autophagy inhibition -> the switch, jointly with the switch's flux-block death
        (autophagy_block_apoptosis_rate, fitted 0.75/day): 0.16 of vehicle. Emax and the flux-block death trade
        off (only their product is constrained by this one experiment); Emax stays at the first fit's value, the
        prior's upper bound. Previous value 0.9 (assumption). Prior 0.45-1. Tolerance since derived
        (lab.dormant_drugs.largest_significant_ratio over the recorded reading: 5-10 mice per arm, CV 0.5-1, an
        assumption): 0.05-0.61; 0.16 stays within it, not refitted.""",
    ),
    ("hydroxychloroquine", "autophagy_inhibition_ec50"): (
        0.95,
        """Fitted (issue 17, docs/drug-potency) against the plasma concentration (the in-vitro medium's
        compartment; whole blood holds about 7.2 times more, Tett 1988): autophagy inhibition in patients' PBMCs
        only at the highest dose, 1,200 mg/day (Rangwala 2014, abstract seen: HCQ with temsirolimus), read as
        half-maximal inhibition reached at the steady plasma level of 1,200 mg/day (1.16 mg/L) but not of
        800 mg/day (0.77 mg/L): the geometric centre 0.95 once the flux-block death carries Vera-Ramirez 2018
        (the first fit, 0.93, was pulled down by it). Previous value 1.0 (assumption). Prior fivefold.""",
    ),
    ("everolimus", "mtor_inhibition_emax"): (
        1.0,
        """Fitted (issue 17, docs/drug-potency) to the Chodosh-lab residual-tumour-cell experiments (DeMichele 2025
        preclinical abstract: chronic mTOR inhibition alone decreased RTC burden, duration-dependent; target:
        RTCs 0.05-0.5 of vehicle after 3 months at 4 mg/kg/day, the interval the reported significance implies):
        fitted 0.22 of vehicle at the prior's upper bound (within that tolerance for any Emax above about 0.65;
        tolerance since derived, lab.dormant_drugs.largest_significant_ratio over 5-10 mice per arm and CV 0.5-1,
        an assumption: 0.05-0.61, 0.22 stays within it, not refitted). PBMC
        S6K1 inhibition reaches only about 56 % at therapeutic levels (models notes, seen): the switch's one
        mTOR node cannot hold both (strict xfail, tests/test_drug_potency.py). Previous value 0.6 (assumption).
        Prior 0.3-1.""",
    ),
}
for (_drug, _symbol), (_value, _note) in FITTED.items():
    for _record in DRUGS[_drug]["records"]:
        if _record["symbol"] == _symbol:
            _record["value"] = float(_value)
            _record["evidence"] = "derived"
            _record["note"] = " ".join(_note.split())
            _extra = ["review:78", "rangwala2014"] if _drug == "hydroxychloroquine" else ["demichele2025", "dwyer2024"]
            _record["source"] = [s for s in dict.fromkeys([*_record["source"], *_extra]) if s != ASSUMED]


# ------------------------------------------------------------------------------------------ CDK4/6 inhibitors
def cdk(name, *, brand, ka, f, volume, half_life, ec50, css_note, notes, resistance_note):
    """Return the records of a CDK4/6 inhibitor (PK, CDK4/6 inhibition, acquired resistance)."""
    return (
        pk(name, ka=ka, f=f, volume=volume, half_life=half_life, sources=[brand], notes=notes)
        + effect(
            "cdk46_inhibition",
            f"CDK4/6 inhibition by {name}",
            emax=0.95,
            ec50=ec50,
            sources=["review:70", "review:73", brand],
            notes={
                "emax": "Near-complete inhibition at saturating exposure; 0.95 taken (assumption; prior 0.475-1).",
                "ec50": css_note,
            },
        )
        + [
            rec(
                "resistance_half_exposure",
                "X½,R",
                "Cumulative exposure (years at full target effect) after which half of the DTCs are resistant",
                2.0,
                "year",
                0.5,
                6.0,
                ["review:73"],
                ASSUMED,
                f"""Resistant subclones emerge under prolonged CDK4/6 inhibition [73]. The effect on the target is
                scaled by 1 - R, with R = 1 - 2^(-X / X½) and X the time integral of the target effect. The median
                progression-free survival on first-line CDK4/6 inhibitor plus endocrine therapy in metastatic disease
                is about two years (recalled), taken as the half-time (assumption). {resistance_note}""",
                dist="loguniform",
            )
        ]
    )


DRUGS["palbociclib"] = dict(
    comment="Palbociclib (oral, 125 mg daily for 21 of 28 days): one compartment from the label's CL/F and Vz/F; "
    "CDK4/6 inhibition by unbound drug; resistance grows with cumulative exposure [73].",
    description="Palbociclib, oral: one compartment (V 1188 L, t½ 29 h, F 0.46); CDK4/6 inhibition with acquired "
    "resistance.",
    records=cdk(
        "palbociclib",
        brand="ibrance_label",
        ka=6.0,
        f=0.46,
        volume=1188.0,
        half_life=29.0 / 24.0,
        ec50=0.033,
        css_note="""IC50 of CDK4-cyclin D1 11 nM (models notes, seen); 85% plasma protein binding (seen) gives a total
            concentration of 73 nM = 0.033 mg/L (MW 447.5) for an unbound 11 nM (assumption: unbound drug engages the
            target). 125 mg daily averages 0.084 mg/L (about 0.7 of the maximal effect). Prior fivefold.""",
        notes={
            "absorption_rate": "Gives Tmax about 10 h (seen: 6-12 h). Prior threefold.",
            "bioavailability": "Absolute bioavailability 46% (models notes, seen: palbocap.com).",
            "volume": "Vz/F 2583 L (seen) times F 0.46 = 1188 L; with t½ 29 h, CL/F = 63 L/h as seen.",
            "elimination_half_life": "29 ± 5 h (seen) = 1.208 day.",
        },
        resistance_note="Same value for every CDK4/6 inhibitor.",
    ),
)
DRUGS["abemaciclib"] = dict(
    comment="Abemaciclib (oral, 150 mg twice daily, continuous): one compartment; CDK4/6 inhibition by unbound drug; "
    "resistance with cumulative exposure [73].",
    description="Abemaciclib, oral: one compartment (V 743 L, t½ 18.3 h, F 0.45); CDK4/6 inhibition with acquired "
    "resistance.",
    records=cdk(
        "abemaciclib",
        brand="verzenio_label",
        ka=6.0,
        f=0.45,
        volume=743.0,
        half_life=18.3 / 24.0,
        ec50=0.025,
        css_note="""IC50 of CDK4 2 nM (models notes, seen: abemaciclib 2/10 nM for CDK4/CDK6); about 96% protein
            bound (label recall) gives 50 nM total = 0.025 mg/L (MW 506.6). Prior fivefold.""",
        notes={
            "absorption_rate": "Tmax about 8 h (label recall). Prior threefold.",
            "bioavailability": "Absolute bioavailability 45% (label recall). Prior 0.225-1.",
            "volume": """Chosen with F and t½ so that 150 mg twice daily averages about 0.2 mg/L, of the order of the
                label's steady-state levels (recall). Prior twofold.""",
            "elimination_half_life": "18.3 h (label recall) = 0.7625 day.",
        },
        resistance_note="Same value for every CDK4/6 inhibitor.",
    ),
)
DRUGS["ribociclib"] = dict(
    comment="Ribociclib (oral, 600 mg daily for 21 of 28 days): one compartment with apparent volume; CDK4/6 "
    "inhibition by unbound drug; resistance with cumulative exposure [73].",
    description="Ribociclib, oral: one compartment (V/F 1150 L, t½ 32 h); CDK4/6 inhibition with acquired resistance.",
    records=cdk(
        "ribociclib",
        brand="kisqali_label",
        ka=6.0,
        f=1.0,
        volume=1150.0,
        half_life=32.0 / 24.0,
        ec50=0.0145,
        css_note="""IC50 of CDK4 10 nM (models notes, seen: ribociclib 10/39 nM for CDK4/CDK6); about 70% protein
            bound (label recall) gives 33 nM total = 0.0145 mg/L (MW 434.5). Prior fivefold.""",
        notes={
            "absorption_rate": "Tmax 1-4 h (label recall). Prior threefold.",
            "bioavailability": "Absolute bioavailability unknown: F = 1 with an apparent volume V/F. Prior 0.5-1.",
            "volume": "V/F about 1090 L and CL/F about 25 L/h (label recall); 1150 L with t½ 32 h. Prior twofold.",
            "elimination_half_life": "About 32 h at 600 mg (label recall) = 1.333 day.",
        },
        resistance_note="Same value for every CDK4/6 inhibitor.",
    ),
)

# ------------------------------------------------------------------------------------------------ entinostat (HDACi)
DRUGS["entinostat"] = dict(
    comment="Entinostat (oral class I HDAC inhibitor, 5 mg weekly as in ENCORE 301): one compartment with apparent "
    "volume and a long half-life; the switch reads HDAC inhibition as LIFR induction [85-87].",
    description="Entinostat, oral: one compartment (V/F 500 L, t½ 4 days); HDAC inhibition (LIFR induction).",
    records=pk(
        "entinostat",
        ka=10.0,
        f=1.0,
        volume=500.0,
        half_life=4.0,
        sources=["review:86"],
        notes={
            "absorption_rate": "Tmax of a few hours (recall). Prior threefold.",
            "bioavailability": "Unknown; apparent volume with F = 1 (assumption). Prior 0.5-1.",
            "volume": """Apparent volume chosen so that 5 mg weekly averages about 8 ng/mL (recall of tens of ng/mL
                peaks). Prior twofold (assumption).""",
            "elimination_half_life": """Entinostat has a long half-life (about 2-6 days recalled from phase I data),
                which allows weekly dosing; 4 days taken (assumption). Prior 2-8 days.""",
        },
    )
    + effect(
        "hdac_inhibition",
        "HDAC inhibition (LIFR induction) by entinostat",
        emax=0.9,
        ec50=0.038,
        sources=["review:85", "review:86", "review:87"],
        notes={
            "emax": "Taken near complete; 0.9 (assumption; prior 0.45-1).",
            "ec50": """Class I HDAC IC50s are of the order of 0.1-0.5 µM (recall); 0.1 µM = 0.038 mg/L (MW 376) taken
                for the cellular LIFR induction seen at sub-micromolar levels [86] (assumption). Prior fivefold.""",
        },
    ),
)

# ---------------------------------------------------------------------------------------------- C26 NR2F1 agonist
DRUGS["nr2f1_agonist_c26"] = dict(
    comment="C26, the NR2F1-specific agonist of Khalil et al. 2021 [198]: PRECLINICAL ONLY (mice). No human "
    "pharmacokinetics exist; a hypothetical oral human regimen is given one-compartment PK, every value an assumption.",
    description="NR2F1 agonist C26 (preclinical only): hypothetical one compartment (V 100 L, t½ 12 h, F 0.5); NR2F1 "
    "activation.",
    records=pk(
        "C26",
        ka=10.0,
        f=0.5,
        volume=100.0,
        half_life=0.5,
        sources=["review:198"],
        notes={
            "absorption_rate": "Hypothetical (no human data; C26 was given intraperitoneally to mice) (assumption).",
            "bioavailability": "Hypothetical oral bioavailability (assumption).",
            "volume": "Hypothetical small-molecule volume (assumption).",
            "elimination_half_life": "Hypothetical; twice-daily dosing assumed (assumption).",
        },
    )
    + effect(
        "nr2f1_activation",
        "NR2F1 activation by C26",
        emax=0.9,
        ec50=0.2,
        sources=["review:198"],
        notes={
            "emax": "Taken near complete (assumption).",
            "ec50": """C26 induced dormancy programmes in vitro at sub-micromolar to micromolar levels (recall of
                [198]); 0.2 mg/L (about 0.5 µM) taken. PRECLINICAL: no human exposure-response (assumption).""",
        },
    ),
)

# -------------------------------------------------------------------------------------------- plerixafor (CXCR4)
DRUGS["plerixafor"] = dict(
    comment="Plerixafor (AMD3100, CXCR4 antagonist; 0.24 mg/kg = 17 mg SC): one compartment; CXCR4 blockade "
    "mobilises DTCs out of their marrow niche (as it mobilises haematopoietic stem cells).",
    description="Plerixafor, SC: one compartment (V 21 L, t½ 4 h, F 0.9); CXCR4 blockade (loss of niche retention).",
    records=pk(
        "plerixafor",
        ka=30.0,
        f=0.9,
        volume=21.0,
        half_life=4.0 / 24.0,
        sources=["mozobil_label"],
        notes={
            "absorption_rate": "Peak 30-60 min after a SC dose (label recall). Prior threefold.",
            "bioavailability": "SC absorption near complete (recall); 0.9 taken. Prior 0.45-1.",
            "volume": "Volume 0.3 L/kg (label recall) = 21 L for 70 kg. Prior twofold.",
            "elimination_half_life": "3-5 h (label recall); 4 h = 0.1667 day. Prior twofold.",
        },
    )
    + effect(
        "cxcr4_blockade",
        "CXCR4 blockade by plerixafor (loss of niche retention)",
        emax=0.8,
        ec50=0.1,
        sources=["review:2", "review:57"],
        notes={
            "emax": """Mobilisation releases only part of the niche-resident cells (assumption: 0.8 of the niche's
                retention signals lost at saturation).""",
            "ec50": """Haematopoietic mobilisation peaks at plasma levels of a few hundred ng/mL (recall); 0.1 mg/L
                taken (assumption). Prior fivefold.""",
        },
    ),
)


# ------------------------------------------------------------------------------------------------- IL-1 blockade
DRUGS["canakinumab"] = dict(
    comment="Canakinumab (anti-IL-1β antibody, SC): one compartment with first-order absorption; IL-1β neutralisation "
    "lowers the inflammatory IL-1β input of DTCs and the inflammatory RANKL drive [140-147].",
    description="Canakinumab, SC: one compartment (V 6 L, t½ 26 days, F 0.66); IL-1β neutralisation.",
    records=pk(
        "canakinumab",
        ka=0.3,
        f=0.66,
        volume=6.0,
        half_life=26.0,
        sources=["ilaris_label"],
        notes={
            "absorption_rate": "Peak about 7 days after a SC dose (label recall). Prior threefold.",
            "bioavailability": "66% (label recall). Prior 0.33-1.",
            "volume": "About 6 L (label recall). Prior twofold.",
            "elimination_half_life": "About 26 days (label recall). Prior twofold.",
        },
    )
    + effect(
        "il1_blockade",
        "neutralisation of IL-1β signalling",
        emax=0.95,
        ec50=0.5,
        sources=["review:2", "review:147"],
        notes={
            "emax": "High-affinity antibody (pM KD): near-complete neutralisation (assumption).",
            "ec50": """Serum levels of several mg/L at labelled doses neutralise IL-1β (recall); 0.5 mg/L taken
                (assumption). Prior fivefold.""",
        },
    ),
)
DRUGS["anakinra"] = dict(
    comment="Anakinra (IL-1 receptor antagonist, 100 mg SC daily): one compartment; IL-1R blockade acts on the same "
    "target as IL-1β neutralisation.",
    description="Anakinra, SC: one compartment (V 18 L, t½ 5 h, F 0.95); IL-1 receptor blockade.",
    records=pk(
        "anakinra",
        ka=10.0,
        f=0.95,
        volume=18.0,
        half_life=5.0 / 24.0,
        sources=["kineret_label"],
        notes={
            "absorption_rate": "Peak 3-7 h after a SC dose (label recall). Prior threefold.",
            "bioavailability": "95% (label recall). Prior 0.475-1.",
            "volume": "Of the order of extracellular water (recall). Prior twofold.",
            "elimination_half_life": "4-6 h (label recall); 5 h. Prior twofold.",
        },
    )
    + effect(
        "il1_blockade",
        "IL-1 receptor blockade",
        emax=0.9,
        ec50=0.3,
        sources=["review:2", "review:147"],
        notes={
            "emax": "A competitive antagonist needs a large excess over IL-1; 0.9 at saturation (assumption).",
            "ec50": "Peak levels near 1 mg/L at 100 mg (recall); 0.3 mg/L taken (assumption). Prior fivefold.",
        },
    ),
)

# ------------------------------------------------------------------------------------------- docetaxel (chemo)
DOCETAXEL_DOSE = 135.0  # mg: 75 mg/m2 for 1.8 m2
DOCETAXEL_K = 907.0 / 113.0
DOCETAXEL_EC50 = 0.05
DOCETAXEL_CYCLES = 6
_integral = math.log((DOCETAXEL_DOSE / 113.0 + DOCETAXEL_EC50) / DOCETAXEL_EC50) / DOCETAXEL_K  # ∫E dt of one dose
CHEMOTHERAPY_LOG_KILL = 3.0  # patients_natural_history.chemotherapy_log_kill
DOCETAXEL_KILL_RATE = CHEMOTHERAPY_LOG_KILL / DOCETAXEL_CYCLES * math.log(10.0) / _integral
DRUGS["docetaxel"] = dict(
    comment="Docetaxel (75 mg/m2 = 135 mg IV every 3 weeks), standing for adjuvant cytotoxic chemotherapy: one "
    "compartment with the label's clearance; it kills cycling cells only, at a log rate proportional to its effect.",
    description="Docetaxel, IV: one compartment (V 113 L, clearance 907 L/day); kills cycling cells only.",
    records=pk(
        "docetaxel",
        volume=113.0,
        half_life=LN2 / DOCETAXEL_K,
        sources=["taxotere_label"],
        notes={
            "volume": "Steady-state volume 113 L (label recall). Prior twofold.",
            "elimination_half_life": """From the label's clearance, 21 L/h/m2 = 907 L/day for 1.8 m2, and the volume:
                k = 907/113 per day (recall). One compartment keeps the AUC (which sets the kill); the label's
                triphasic decline is not resolved. Prior twofold.""",
        },
    )
    + effect(
        "cycling_cell_kill",
        "kill of cycling cells by docetaxel",
        emax=1.0,
        ec50=DOCETAXEL_EC50,
        sources=["review:7"],
        notes={
            "emax": "The effect scales the maximal kill rate below (assumption).",
            "ec50": "Taxane cytotoxicity in vitro at tens of nM to µM exposures (recall); 0.05 mg/L (assumption).",
        },
    )
    + [
        rec(
            "cycling_cell_kill_max_rate",
            "k_kill",
            "Natural-log kill rate of cycling cells at full effect",
            DOCETAXEL_KILL_RATE,
            "1 / day",
            DOCETAXEL_KILL_RATE / 4,
            DOCETAXEL_KILL_RATE * 4,
            ["review:7"],
            "derived",
            f"""Chosen so that six 135-mg cycles give the patient model's adjuvant log10 kill of cycling cells
            (patients_natural_history.chemotherapy_log_kill = {CHEMOTHERAPY_LOG_KILL}): one dose gives ∫E dt =
            ln((C0 + EC50)/EC50)/k = {_integral:.4f} day, so k_kill = 0.5 ln 10 / {_integral:.4f}. Dormant (non-cycling)
            cells are not killed. Prior fourfold.""",
        )
    ],
)

# ------------------------------------------------------------------------------------------------ endocrine therapy
ENDOCRINE_TARGET_EFFECT = 0.8  # patients_natural_history.endocrine_target_effect
ENDOCRINE_EMAX = 0.95


def endocrine_ec50(css):
    """EC50 that gives the patient model's endocrine target effect at the steady average concentration."""
    return css * (ENDOCRINE_EMAX / ENDOCRINE_TARGET_EFFECT - 1.0)


tam_css = steady_average(20.0, 1.0, 1.0, 1685.0, 7.0)
DRUGS["tamoxifen"] = dict(
    comment="Tamoxifen (oral, 20 mg daily): one compartment with apparent volume and a week-long half-life; ER "
    "signalling blockade reaches the patient model's endocrine target effect at steady state.",
    description="Tamoxifen, oral: one compartment (V/F 1685 L, t½ 7 days); blocks ER signalling in ER+ cells.",
    records=pk(
        "tamoxifen",
        ka=2.0,
        f=1.0,
        volume=1685.0,
        half_life=7.0,
        sources=["nolvadex_label"],
        notes={
            "absorption_rate": "Peak about 5 h after a dose (label recall). Prior threefold.",
            "bioavailability": "Apparent volume with F = 1 (assumption). Prior 0.5-1.",
            "volume": "Gives a steady level of about 120 ng/mL at 20 mg daily (label recall). Prior twofold.",
            "elimination_half_life": """Terminal half-life 5-7 days (label recall; its active metabolite endoxifen is
                longer-lived). Prior twofold.""",
        },
    )
    + effect(
        "er_signalling_blockade",
        "block of ER signalling",
        emax=ENDOCRINE_EMAX,
        ec50=endocrine_ec50(tam_css),
        sources=["review:73"],
        ec50_evidence="derived",
        notes={
            "emax": "Near complete; 0.95 (assumption).",
            "ec50": f"""Derived so that the steady average ({tam_css:.4f} mg/L) blocks the fraction of ER signalling
                the patient model assumes for endocrine therapy (patients_natural_history.endocrine_target_effect =
                {ENDOCRINE_TARGET_EFFECT}); the strategy's drug and standard care then agree. Prior fivefold.""",
        },
    ),
)
let_css = steady_average(2.5, 1.0, 1.0, 133.0, 2.0)
DRUGS["letrozole"] = dict(
    comment="Letrozole (oral aromatase inhibitor, 2.5 mg daily): one compartment; oestrogen deprivation blocks ER "
    "signalling, reaching the patient model's endocrine target effect at steady state. (An aromatase inhibitor "
    "alone does not work before the menopause; the model does not check menopausal status.)",
    description="Letrozole, oral: one compartment (V 133 L, t½ 2 days); blocks ER signalling by oestrogen deprivation.",
    records=pk(
        "letrozole",
        ka=10.0,
        f=1.0,
        volume=133.0,
        half_life=2.0,
        sources=["femara_label"],
        notes={
            "absorption_rate": "Rapid absorption, peak about 1 h (label recall). Prior threefold.",
            "bioavailability": "Near complete (label recall: 99.9%). Prior 0.5-1.",
            "volume": "About 1.9 L/kg (label recall) = 133 L for 70 kg. Prior twofold.",
            "elimination_half_life": "About 2 days (label recall). Prior twofold.",
        },
    )
    + effect(
        "er_signalling_blockade",
        "block of ER signalling by oestrogen deprivation",
        emax=ENDOCRINE_EMAX,
        ec50=endocrine_ec50(let_css),
        sources=["review:73"],
        ec50_evidence="derived",
        notes={
            "emax": "Near complete; 0.95 (assumption).",
            "ec50": f"""Derived so that the steady average ({let_css:.4f} mg/L) gives the patient model's endocrine
                target effect ({ENDOCRINE_TARGET_EFFECT}). Prior fivefold.""",
        },
    ),
)

# --------------------------------------------------------------------------------------------- antagomiR-222/223 MSC
DRUGS["antagomir_msc"] = dict(
    comment="Mesenchymal stem cells loaded with antagomiR-222/223, given IV ('awakening' [2, 58]): PRECLINICAL ONLY. "
    "The dose is the mg of antagomiR oligonucleotide carried by the infused MSCs; a fraction homes to the marrow and "
    "is lost as the MSCs disappear; the marrow amount blocks the MSC exosomal miR-222/223 dormancy input.",
    description="antagomiR-222/223-loaded MSCs, IV (preclinical only): marrow pool (homing 5%, t½ 7 days); removes "
    "the miR-222/223 dormancy input.",
    records=[
        *[
            rec(
                "bioavailability",
                "f_home",
                "Fraction of the infused MSCs (and their antagomiR) that home to the marrow",
                0.05,
                "dimensionless",
                0.01,
                0.2,
                ["review:58"],
                ASSUMED,
                """Systemically infused MSCs are mostly trapped in the lungs; a few percent reach the marrow (recall).
            Preclinical only (assumption).""",
            ),
            rec(
                "elimination_half_life",
                "t½",
                "Persistence half-life of the loaded MSCs in the marrow",
                7.0,
                "day",
                2.0,
                28.0,
                ["review:58"],
                ASSUMED,
                "MSCs persist days to weeks after infusion (recall; assumption).",
            ),
        ],
        *effect(
            "mir222_223_blockade",
            "block of the MSC exosomal miR-222/223 input by antagomiR",
            emax=0.9,
            ec50=0.01,
            unit="mg",
            sources=["review:2", "review:58"],
            notes={
                "emax": "Most, not all, of the exosomal miR delivery is blocked (assumption).",
                "ec50": """Marrow amount of antagomiR (mg) for half the effect; hypothetical, chosen so that four weekly
                1-mg loads give a strong effect (assumption; preclinical only). Prior fivefold.""",
            },
        ),
    ],
)


def main() -> None:
    """Write every set."""
    for drug, spec in DRUGS.items():
        doc = {
            "set": f"pkpd_{drug}",
            "model": "pkpd",
            "description": spec["description"],
            "parameters": spec["records"],
        }
        header = "".join(f"# {line}\n" for line in _wrap(spec["comment"]))
        header += "# GENERATED by tools/make_therapy_parameters.py; edit the script and rerun.\n"
        path = SETS / f"pkpd_{drug}.yaml"
        write_set(path, header, doc)
        print(f"wrote {path}")


def _wrap(text: str, width: int = 116) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


if __name__ == "__main__":
    main()
