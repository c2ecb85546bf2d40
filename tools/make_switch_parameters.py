"""Write the registry parameter sets of the dormancy switch from the network table and the defaults below.

Usage: ``python tools/make_switch_parameters.py`` (rewrites ``src/dormancy/params/data/sets/switch_er_*.yaml``).
Edit the tables here, not the YAML: every edge of ``signalling/data/network.yaml`` gets a weight record, every
internal node a time constant (and a basal activity when it has no activator), plus the Hill constants and the
fate-rate constants. The edge's own citations are the source of its direction; its strength is a documented
assumption with a prior range. ER+ and ER-/TNBC sets differ only where ``ER_POSITIVE_CHANGES`` says.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from _records import record as _record
from _records import write_set

ROOT = Path(__file__).resolve().parents[1]
NETWORK = ROOT / "src" / "dormancy" / "signalling" / "data" / "network.yaml"
SETS = ROOT / "src" / "dormancy" / "params" / "data" / "sets"

#: Relaxation time (hours) by node class, with prior bounds; assumption: phosphorylation minutes to an hour,
#: transcriptional programmes hours, cell-cycle regulators and autophagic flux several hours.
TIME_CONSTANTS = {
    "kinase": (0.5, 0.1, 2.0, ("TGFBR3", "P38", "ERK", "MSK1", "MTOR", "AMPK", "SMAD")),
    "transcription": (4.0, 1.0, 12.0, ("P53", "DEC2", "NR2F1", "HIF1A", "BCATENIN", "PDL1", "PTHRP")),
    "cell_cycle": (8.0, 2.0, 24.0, ("P27", "CDK46")),
    "autophagy": (6.0, 1.0, 24.0, ("AUTOPHAGY",)),
    "slow_receptor": (24.0, 6.0, 72.0, ("LIFR_STAT3",)),
}
TIME_CONSTANT_NOTES = {
    "slow_receptor": "LIFR expression decays only under prolonged hypoxia (24-48 h) [87, 125], so it is slow.",
}
DEFAULT_WEIGHT = (0.9, 0.3, 1.0)
#: Edges whose default weight differs, with the reason (all assumptions).
WEIGHTS = {
    "P53_inhibits_CDK46": (0.3, "a lumped brake standing for p53-dependent quiescence genes [61]"),
    "DEC2_inhibits_CDK46": (0.3, "a lumped brake standing for DEC2-dependent quiescence genes [61]"),
    "MSK1_inhibits_CDK46": (0.3, "MSK1 acts through luminal differentiation genes, a weak brake [63]"),
    "LIFR_STAT3_activates_NR2F1": (0.2, "LIFR maintains the dormancy programme, not alone sufficient [87]"),
    "LIFR_STAT3_activates_P27": (0.2, "LIFR maintains the dormancy programme, not alone sufficient [87]"),
    "P38_inhibits_ERK": (0.95, "the p38/ERK antagonism is near-complete at full activity [164-166]"),
    "ERK_inhibits_P38": (0.95, "the p38/ERK antagonism is near-complete at full activity [164-166]"),
    "HIF1A_activates_NR2F1": (0.6, "hypoxia-induced quiescence is weaker in ER-/TNBC cells [66-69]"),
    "ESTROGEN_activates_CDK46": (0.05, "ER-negative cells barely respond to oestrogen"),
    "MTOR_activates_CDK46": (0.5, "mTOR supports growth, not alone sufficient for cycling"),
    "MIR222_223_inhibits_CDK46": (0.6, "exosomal miRNA lowers but does not abolish proliferation [49, 58]"),
    "MIR222_223_inhibits_ERK": (0.3, "autocrine CXCL12 is one of several ERK drivers, a weak brake [60]"),
    "ERK_activates_MTOR": (0.5, "growth-factor input to mTOR, secondary to nutrients"),
    "P27_activates_AUTOPHAGY": (0.8, "quiescent cells keep a high autophagic flux [76, 78]"),
    "NK_CYTOKINES_activates_PDL1": (0.5, "IFN-gamma induction of PD-L1 [83]"),
    "HIF1A_activates_PDL1": (0.5, "hypoxia induction of PD-L1 [120]"),
}
#: ER+ DTCs: more hypoxia-induced quiescence and slower proliferation [31, 66-69]; oestrogen drives cycling.
ER_POSITIVE_CHANGES = {
    "weight__HIF1A_activates_NR2F1": (0.95, "ER+ cells enter hypoxia-induced quiescence more readily [66-69]"),
    "weight__ESTROGEN_activates_CDK46": (0.6, "oestrogen/ER signalling drives cyclin D1-CDK4/6 in ER+ cells [70, 73]"),
    "max_proliferation_rate": (0.35, "ER+ cells proliferate more slowly than TNBC cells [31]"),
}
#: Edges with their own Hill coefficient (records ``hill__<edge>``), with the reason (assumptions).
EDGE_HILL = {
    "P38_inhibits_ERK": (
        4.0,
        2.0,
        6.0,
        "a steep, cooperative double-negative feedback gives the switch memory [164-166]",
    ),
    "ERK_inhibits_P38": (
        4.0,
        2.0,
        6.0,
        "a steep, cooperative double-negative feedback gives the switch memory [164-166]",
    ),
}
HILL = [
    ("hill_coefficient", "n", "Hill coefficient (steepness) of every edge", 3.0, 1.5, 6.0, "dimensionless"),
    ("hill_threshold", "k", "Hill threshold of every edge", 0.5, 0.2, 0.8, "dimensionless"),
]
#: The flux-block death (value, note): fitted by tools/fit_drug_potency.py to the preclinical experiments (issue 17).
AUTOPHAGY_BLOCK = (
    0.75,
    "Fitted (issue 17, docs/drug-potency) to Vera-Ramirez 2018 [78]: hydroxychloroquine during dormancy "
    "significantly decreased dormant D2.0R cells in mice (target 0.05-0.5 of vehicle after 28 days at 60 mg/kg/day, "
    "the interval the reported significance implies; abstract, highlights and introduction seen, figures not), "
    "jointly with the HCQ and everolimus potencies and the Chodosh-lab RTC experiments: 0.16 of vehicle (any value "
    "above about 0.22 is within the tolerance; the fit aims at the interval's geometric centre). Tolerance since "
    "derived (lab.dormant_drugs.largest_significant_ratio over the recorded reading: 5-10 mice per arm, CV 0.5-1, "
    "an assumption): 0.05-0.61, which 0.16 stays within (any value above about 0.14); not refitted. Mechanism seen in "
    "[78]: a flux block accumulates damaged mitochondria and ROS and kills dormant cells by apoptosis, with "
    "minimal effect on proliferating cells; so the death grows with the autophagy a cell initiates times the "
    "block and is 0 without the drug (untreated death unchanged). Prior 0.01-1 per day per unit of blocked flux "
    "(assumption).",
)
#: Fate-rate constants (per day); all documented assumptions within the stated ranges.
FATE = [
    (
        "max_proliferation_rate",
        "r_max",
        "Division rate of a cell with full CDK4/6 activity",
        0.6,
        0.1,
        1.5,
        "TNBC lines divide about once per 1-2 days in vitro; ER+ set lower [31]",
        ("review:31", "assumption"),
    ),
    (
        "max_quiescence_entry_rate",
        "q_in",
        "Rate of entering G0 at full p27 and no CDK4/6",
        0.5,
        0.05,
        2.0,
        "G0 entry takes about a day once p27 is high and CDK4/6 off [62, 66]; equal to the exit rate by default, so "
        "a cell is dormant when p27 outweighs CDK4/6",
        ("review:62", "assumption"),
    ),
    (
        "max_quiescence_exit_rate",
        "q_out",
        "Rate of leaving G0 at full CDK4/6 and no p27",
        0.5,
        0.05,
        2.0,
        "re-entry into the cycle takes about a day once the brakes are off [9]",
        ("review:9", "assumption"),
    ),
    (
        "basal_apoptosis_rate",
        "d_0",
        "Death rate not explained by the network",
        0.002,
        0.0002,
        0.02,
        "dormant DTCs persist for years, so the unexplained death rate is small [10, 17]",
        ("review:17", "assumption"),
    ),
    (
        "mtor_survival_apoptosis_rate",
        "d_mTOR",
        "Extra death of a cell without mTOR signalling",
        0.02,
        0.002,
        0.2,
        "mTOR supports dormant-cell survival; CLEVER targets it with everolimus [77, 79]",
        ("review:77", "review:79", "assumption"),
    ),
    (
        "autophagy_survival_apoptosis_rate",
        "d_aut",
        "Extra death of a cell without autophagic flux",
        0.02,
        0.002,
        0.2,
        "autophagy sustains dormant cells; blocking it kills them [76-78]",
        ("review:76", "review:78", "assumption"),
    ),
    (
        "energy_crisis_apoptosis_rate",
        "d_energy",
        "Extra death when both mTOR and autophagy are lost",
        0.3,
        0.05,
        1.0,
        "either mTOR-driven anabolism or autophagy can balance energy; losing both is lethal "
        "(rationale of combining everolimus and hydroxychloroquine, CLEVER trial) [75, 78]",
        ("review:75", "review:78", "assumption"),
    ),
    (
        "autophagy_block_apoptosis_rate",
        "d_blk",
        "Death of a cell per unit of autophagic flux it initiates but a lysosomal block leaves undegraded",
        AUTOPHAGY_BLOCK[0],
        0.01,
        1.0,
        AUTOPHAGY_BLOCK[1],
        ("review:78",),
    ),
]

#: Shape of the loss of a survival signal, L(x) = 1 - normalised_hill(x; n_s, k_s) (assumptions).
SURVIVAL = [
    (
        "survival_threshold",
        "k_s",
        "Activity of mTOR or autophagy below which its survival support is lost",
        0.2,
        0.05,
        0.5,
        "Dormant cells survive on modest mTOR and autophagic activity; support fails only when an "
        "activity falls well below its resting level (assumption) [76-78].",
    ),
    (
        "survival_hill_coefficient",
        "n_s",
        "Steepness of the loss of survival support",
        4.0,
        2.0,
        8.0,
        "A steep loss: survival is all-or-none around the threshold (assumption).",
    ),
]


def record(symbol, label, description, value, low, high, unit, sources, note, distribution="uniform"):
    """Return one parameter record as a mapping for the set file."""
    return _record(
        symbol,
        label,
        description,
        value,
        unit,
        low,
        high,
        source=list(dict.fromkeys(sources)),
        note=note,
        dist=distribution,
    )


def build(network, er_positive):
    """Return the parameter-set mapping for one ER status."""
    records = [
        record(
            s,
            lab,
            d,
            v,
            lo,
            hi,
            u,
            ["wittmann2009", "assumption"],
            "Odefy/HillCube normalised Hill constant shared by all edges; prior spans switch-like to "
            "graded responses (assumption).",
        )
        for s, lab, d, v, lo, hi, u in HILL
    ]
    regulated = {edge["target"] for edge in network["edges"] if edge["effect"] == "activates"}
    node_class = {node: (name, spec) for name, spec in TIME_CONSTANTS.items() for node in spec[3]}
    for node in network["nodes"]:
        if node["kind"] != "internal":
            continue
        name = node["name"]
        class_name, (value, low, high, _) = node_class[name]
        note = TIME_CONSTANT_NOTES.get(class_name, f"{class_name.replace('_', ' ')} time scale (assumption).")
        records.append(
            record(
                f"tau__{name}",
                f"τ_{name}",
                f"Relaxation time of {node['label']}",
                value,
                low,
                high,
                "hour",
                [*node["sources"], "assumption"],
                note,
                "loguniform",
            )
        )
        if name not in regulated:
            records.append(
                record(
                    f"basal__{name}",
                    f"b_{name}",
                    f"Activity of {node['label']} without activators",
                    1.0,
                    0.5,
                    1.0,
                    "dimensionless",
                    [*node["sources"], "assumption"],
                    "Constitutive activity, switched off only by its inhibitors (assumption).",
                )
            )
    for edge in network["edges"]:
        edge_name = f"{edge['source']}_{edge['effect']}_{edge['target']}"
        value, reason = WEIGHTS.get(edge_name, (DEFAULT_WEIGHT[0], "a direct regulator of strong effect"))
        note = f"Direction from the cited sources; strength assumed: {reason}."
        records.append(
            record(
                f"weight__{edge_name}",
                f"w({edge['source']}→{edge['target']})",
                f"Weight of {edge['source']} {edge['effect']} {edge['target']}",
                value,
                DEFAULT_WEIGHT[1] if value >= DEFAULT_WEIGHT[1] else 0.0,
                DEFAULT_WEIGHT[2],
                "dimensionless",
                edge["sources"] + ["assumption"],
                note,
            )
        )
    for edge in network["edges"]:
        edge_name = f"{edge['source']}_{edge['effect']}_{edge['target']}"
        if edge_name in EDGE_HILL:
            value, low, high, reason = EDGE_HILL[edge_name]
            records.append(
                record(
                    f"hill__{edge_name}",
                    f"n({edge['source']}→{edge['target']})",
                    f"Hill coefficient of {edge['source']} {edge['effect']} {edge['target']}",
                    value,
                    low,
                    high,
                    "dimensionless",
                    edge["sources"] + ["assumption"],
                    f"Replaces the shared hill_coefficient on this edge: {reason}.",
                )
            )
    for symbol, label, description, value, low, high, note, sources in FATE:
        records.append(record(symbol, label, description, value, low, high, "1 / day", sources, note, "loguniform"))
        if symbol == "autophagy_block_apoptosis_rate":
            records[-1]["evidence"] = "derived"
    for symbol, label, description, value, low, high, note in SURVIVAL:
        records.append(
            record(symbol, label, description, value, low, high, "dimensionless", ["review:78", "assumption"], note)
        )
    records.append(
        record(
            "oxygen_reference_fraction",
            "O2_ref",
            "Oxygen fraction at which the O2 input node is fully active (activity = O2 / O2_ref, capped at 1)",
            0.09,
            0.05,
            0.21,
            "dimensionless",
            ["price2026", "assumption"],
            "Bone marrow O2 spans 2-9 %, hypoxic regions ~1 % (review, niches section); 9 % is taken as fully "
            "oxygenated for the switch, so 1 % O2 gives an O2 activity of 0.11 (assumption).",
        )
    )
    if er_positive:
        for item in records:
            if item["symbol"] in ER_POSITIVE_CHANGES:
                value, reason = ER_POSITIVE_CHANGES[item["symbol"]]
                item["value"] = value
                item["note"] = f"ER+ value: {reason}. {item['note']}"
                item["source"] = list(dict.fromkeys([*item["source"], "review:31"]))
    status = "ER-positive" if er_positive else "ER-negative / triple-negative"
    return {
        "set": "switch_er_positive" if er_positive else "switch_er_negative",
        "model": "switch",
        "description": f"Dormancy switch of a {status} disseminated tumour cell: normalised-Hill kinetics on the "
        "network table (time in hours) and fate-rate constants (per day). Generated by "
        "tools/make_switch_parameters.py.",
        "parameters": records,
    }


def main() -> int:
    """Write both sets; return the exit status."""
    network = yaml.safe_load(NETWORK.read_text(encoding="utf-8"))
    for er_positive in (False, True):
        data = build(network, er_positive)
        path = SETS / f"{data['set']}.yaml"
        header = "# Generated by tools/make_switch_parameters.py from signalling/data/network.yaml: edit the script.\n"
        write_set(path, header, data, width=110)
        print(f"wrote {path} ({len(data['parameters'])} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
