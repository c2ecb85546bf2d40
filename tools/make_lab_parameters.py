"""Generate the parameter set ``lab_protocols``: culture conditions and how co-culture and hypoxia map onto the switch.

Edit this script, not the YAML file, then run ``python tools/make_lab_parameters.py``. The virtual laboratory does
not change the dormancy switch: every experimental manipulation (stromal cells in the well, exosomes, an antagomiR,
a gas mixture, a cytotoxic drug) is mapped onto the switch's existing inputs, and each mapping is a record here. The
review gives directions, not input levels, so nearly every value is a documented assumption with a prior range;
the notes say which observation each one is chosen to respect.
"""

from _records import SETS, record, write_set

NAME = "lab_protocols"
input_note = (
    "Switch inputs are activities in [0, 1]; no measurement gives a medium's factor level on that scale, so the "
    "value is chosen to give the direction the cited studies report at the default protocol (assumption). "
)


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="uniform"):
    """Return one parameter record as a mapping (prior uniform unless told)."""
    return record(symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist)


R = [
    # ------------------------------------------------------------------ culture
    rec(
        "incubator_oxygen_percent",
        "O2_inc",
        "O2 in the gas phase of a standard humidified 5 % CO2 incubator (normoxic control)",
        18.6,
        "percent",
        15.0,
        21.0,
        ["review:124"],
        "Room air (20.9 % O2) diluted by water vapour and 5 % CO2 gives about 18.6 % O2 in the incubator, the "
        "'normoxia' of in vitro hypoxia studies [124]; any value above the switch's O2 reference (9 %) saturates the "
        "O2 input, so the choice does not change results.",
        evidence="derived",
    ),
    rec(
        "medium_nutrients",
        "N_med",
        "NUTRIENTS input of full growth medium with 10 % serum",
        1.0,
        "dimensionless",
        0.8,
        1.0,
        ["assumption"],
        "Culture medium is replete in glucose, glutamine and serum growth factors: the nutrient input at or near its "
        "maximum (assumption).",
    ),
    rec(
        "culture_fibronectin",
        "FN_cult",
        "FIBRONECTIN input of cells on serum-coated tissue-culture plastic",
        0.6,
        "dimensionless",
        0.3,
        0.9,
        ["assumption", "review:164"],
        input_note + "Serum fibronectin adsorbs to plastic and engages uPAR–integrin α5β1, keeping ERK high [164]; "
        "the level equals the switch's default niche fibronectin, so cultured cells proliferate.",
    ),
    rec(
        "clone_weight_cv",
        "σ_w",
        "Cell-to-cell spread of switch edge weights (log-normal σ of a multiplicative factor per clone and edge)",
        0.15,
        "dimensionless",
        0.0,
        0.3,
        ["assumption"],
        "Protein levels vary between cells of one line with a coefficient of variation of 15–30 % (non-genetic "
        "heterogeneity); applied to the edge weights, clipped to [0, 1] (assumption).",
    ),
    # ------------------------------------------------------------------ co-culture: stroma and exosomes
    rec(
        "stroma_half_ratio",
        "K_ratio",
        "Stromal cells per tumour cell at which the stroma's factors in the medium reach half their maximum",
        0.5,
        "dimensionless",
        0.1,
        2.0,
        ["assumption", "dai2024"],
        "Co-cultures are seeded at 1:1 to 10:1 stromal:tumour cells [dai2024]; factor level = s/(s + K) with s the "
        "ratio, so 1:1 gives two thirds of the maximum (assumption).",
    ),
    rec(
        "msc_tgfb2",
        "T2_MSC",
        "TGFB2 input from MSCs (conditioned medium or transwell) at saturating stromal ratio",
        0.5,
        "dimensionless",
        0.2,
        0.9,
        ["assumption", "review:62"],
        input_note + "NG2+/Nestin+ bone-marrow MSCs secrete TGF-β2 and drive DTC dormancy [62]; below the switch's "
        "TGF-β2 threshold on its own, so the MSC effect in a dish rests mainly on exosomal miRNA [49, 58].",
    ),
    rec(
        "msc_exosome_mir",
        "m_naive",
        "MIR222_223 input from naive MSC exosomes in the medium at saturating stromal ratio or dose",
        0.45,
        "dimensionless",
        0.2,
        0.7,
        ["assumption", "review:49", "review:58"],
        input_note + "Exosomes of bone-marrow MSCs carry miR-222/223 (and miR-23b) that slow breast cancer cell "
        "proliferation and induce cycling quiescence [49, 58].",
    ),
    rec(
        "primed_exosome_mir",
        "m_primed",
        "MIR222_223 input from primed MSC exosomes at saturating stromal ratio or dose",
        0.8,
        "dimensionless",
        0.5,
        1.0,
        ["assumption", "review:59"],
        input_note + "Exosomes from MSCs that have contacted breast cancer cells ('primed') carry more "
        "dormancy-inducing miRNA than naive ones [59], hence above msc_exosome_mir.",
    ),
    rec(
        "exosome_half_dose",
        "K_exo",
        "Exosome dose (protein per medium volume) giving half the maximal miR-222/223 input",
        10.0,
        "microgram / milliliter",
        2.0,
        50.0,
        ["assumption", "review:58"],
        "Exosome treatments are dosed at about 1–100 µg exosomal protein per mL [58, dai2024]; input = "
        "load × D/(D + K) with D the dose (assumption).",
        dist="loguniform",
    ),
    rec(
        "antagomir_knockdown",
        "κ_anti",
        "Fraction of miR-222/223 activity blocked by antagomiR-222/223",
        0.9,
        "dimensionless",
        0.6,
        0.99,
        ["assumption", "review:58"],
        "AntagomiR-222/223 reverses MSC exosome-induced quiescence and restores carboplatin sensitivity [58]; "
        "modelled as the MIR222_223 input times (1 − κ) (the network's note: antagomiR sets this input towards 0).",
    ),
    rec(
        "gap_junction_mir",
        "m_gap",
        "Extra MIR222_223 input from gap-junction transfer of stromal miR-127/197 at saturating contact",
        0.3,
        "dimensionless",
        0.1,
        0.6,
        ["assumption", "review:60"],
        "Bone-marrow stroma passes miR-127, -197, -222 and -223 to breast cancer cells through gap junctions (Cx43), "
        "eliciting quiescence, only in direct contact [60]. The switch has no miR-127/197 node: the lab layer adds "
        "this term to the miRNA dormancy input MIR222_223 in direct co-culture (an explicit extra term, assumption).",
    ),
    rec(
        "priming_time",
        "τ_prime",
        "Time constant with which MSCs in contact with tumour cells become primed",
        48.0,
        "hour",
        12.0,
        168.0,
        ["assumption", "review:59"],
        "MSCs exposed to breast cancer cells release primed, more pro-dormant vesicles [59]; primed share = "
        "1 − exp(−t/τ) in direct co-culture only (priming needs contact, as in the niche model), assumption.",
        dist="loguniform",
    ),
    rec(
        "osteoblast_tgfb2",
        "T2_OB",
        "TGFB2 input from osteoblasts (soluble) at saturating stromal ratio",
        0.4,
        "dimensionless",
        0.1,
        0.9,
        ["assumption", "review:61"],
        input_note + "Osteoblasts of the endosteal niche secrete TGF-β2 [61].",
    ),
    rec(
        "osteoblast_bmp7",
        "B7_OB",
        "BMP7 input from osteoblasts (soluble) at saturating stromal ratio",
        0.4,
        "dimensionless",
        0.1,
        0.9,
        ["assumption", "review:61", "review:204"],
        input_note + "Osteoblasts and bone cells secrete BMP7, pro-dormancy through TGFβRIII and BMPR2/p38 [61, 204].",
    ),
    rec(
        "osteoblast_gas6",
        "G6_OB",
        "GAS6 input from osteoblasts (soluble) at saturating stromal ratio",
        0.3,
        "dimensionless",
        0.1,
        0.9,
        ["assumption", "review:205"],
        input_note + "GAS6 from bone cells (AXL ligand) directly inhibits DTC growth [205].",
    ),
    rec(
        "osteoblast_contact_wnt5a",
        "W5_OB",
        "WNT5A input from osteoblasts in direct contact at saturating stromal ratio",
        0.6,
        "dimensionless",
        0.2,
        0.9,
        ["assumption", "review:64", "review:65"],
        input_note + "Wnt5a of the osteoblastic niche represses Wnt/β-catenin [64, 65]; lipid-modified Wnts act at "
        "short range, so (as in the niche, where osteoblast-derived GAS6 and Wnt5a are sensed within the signal "
        "radius) it reaches tumour cells in direct co-culture only.",
    ),
    # ------------------------------------------------------------------ chemotherapy
    rec(
        "chemotherapy_kill_rate",
        "k_chemo",
        "Death rate of cycling tumour cells under a cytotoxic drug at its in vitro dose (carboplatin, docetaxel)",
        1.5,
        "1 / day",
        0.5,
        4.0,
        ["assumption", "review:49", "review:58"],
        "Chemotherapy kills cycling cells; quiescent cells induced by MSC exosomes resist carboplatin and docetaxel "
        "[49, 58]. While the drug is on, cycling cells die at this rate and do not divide; dormant cells only at "
        "their apoptosis rate (assumption; 1.5/day leaves about 5 % of cycling cells after 48 h).",
        dist="loguniform",
    ),
    # ------------------------------------------------------------------ hypoxia
    rec(
        "anoxia_threshold_percent",
        "O2_anox",
        "O2 below which cycling cells stall replication and arrest after reoxygenation",
        0.1,
        "percent",
        0.02,
        0.5,
        ["review:126"],
        "Severe hypoxia below about 0.1 % O2 stalls DNA replication; on reoxygenation such cells accumulate DNA "
        "damage and many cannot replicate [126].",
        evidence="seen",
        dist="loguniform",
    ),
    rec(
        "anoxic_arrest_rate",
        "a_anox",
        "Rate at which cycling cells become permanently replication-arrested while O2 is below the anoxia threshold",
        0.02,
        "1 / hour",
        0.005,
        0.1,
        ["assumption", "review:126"],
        "Chronic hypoxia (16–48 h at 0–0.02 % O2) can leave cells unable to replicate after reoxygenation [126]. "
        "The switch has no DNA-damage node: the lab layer moves cycling cells to a non-dividing, Ki-67− "
        "compartment at this rate (an explicit extra term; 48 h arrests about 60 %, assumption).",
        dist="loguniform",
    ),
]


def main() -> None:
    """Write the set's YAML file."""
    data = dict(
        set=NAME,
        model="lab",
        description="Virtual laboratory: culture conditions, co-culture with MSCs or osteoblasts, exosomes and "
        "antagomiR, chemotherapy and hypoxia protocols, each mapped onto the dormancy switch's inputs.",
        parameters=R,
    )
    text = "# Generated by tools/make_lab_parameters.py; edit that script, not this file.\n"
    write_set(SETS / f"{NAME}.yaml", text, data)


if __name__ == "__main__":
    main()
