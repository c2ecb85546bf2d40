"""Generate the parameter set ``niche_agents``: the rates and maps of the niche agent-based model.

Edit this script, not the YAML file, then run ``python tools/make_niche_parameters.py``. Transport constants (diffusion,
decay, vessel values) are the ``niche_transport`` set; this set holds what the agents do: motility, secretion and
uptake, how local signals map to the switch's inputs, immune killing, polarisation and priming. Values the review
gives only as a direction are documented assumptions with a prior range; PhysiCell defaults are quoted in the notes
where they were the starting point.
"""

from _records import SETS, record, write_set

NAME = "niche_agents"
secretion_note = (
    "Secretion is in reference-concentration units per minute per cell volume (PhysiCell's convention: the voxel "
    "source is rate × V_cell / V_voxel). No measured rate exists in these units: the value is chosen so that a surface "
    "lined with these cells holds the factor near its reference level (1) a few cell diameters away, with the "
    "transport constants of niche_transport (assumption); prior tenfold either side."
)


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="loguniform"):
    """Return one parameter record as a mapping (prior log-uniform unless told)."""
    return record(symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist)


def secretion(symbol, label, desc, value, sources):
    """Return a secretion-rate record (assumption, prior tenfold either side)."""
    return rec(
        symbol, label, desc, value, "1 / minute", value / 10, value * 10, ["assumption", *sources], secretion_note
    )


def fraction(symbol, label, desc, value, low, high, sources, note):
    """Return a dimensionless fraction record with a uniform prior."""
    return rec(symbol, label, desc, value, "dimensionless", low, high, sources, note, dist="uniform")


R = [
    # ------------------------------------------------------------------ geometry of cells and sensing
    rec(
        "cell_volume",
        "V_cell",
        "Volume of one cell (all kinds), for secretion and uptake per voxel",
        2494.0,
        "micrometer ** 3",
        1000.0,
        5000.0,
        ["ghaffarizadeh2018"],
        "PhysiCell's default cell volume (2494 µm³, a 16.8 µm sphere); prior 1000–5000 µm³ covers marrow stromal and "
        "tumour cells.",
        evidence="seen",
    ),
    rec(
        "contact_radius",
        "r_c",
        "Centre distance within which two cells touch (immune killing, MSC priming)",
        15.0,
        "micrometer",
        8.0,
        30.0,
        ["assumption"],
        "About one cell diameter (10–20 µm); neighbours are counted on the grid in a box of this half-width.",
    ),
    rec(
        "signal_radius",
        "r_s",
        "Radius over which a DTC senses osteoblasts, osteoclasts and NK cells by contact or "
        "short-range signals (GAS6, Wnt5a, matrix factors, IFN-γ/TNF-α)",
        40.0,
        "micrometer",
        15.0,
        150.0,
        ["assumption", "review:81", "review:96"],
        "A few cell diameters: contact and juxtacrine signals act at short range; prior 15–150 µm.",
    ),
    rec(
        "niche_radius",
        "r_n",
        "Distance to bone or vessel within which a cell is assigned to the endosteal or a "
        "perivascular niche in outputs",
        30.0,
        "micrometer",
        10.0,
        100.0,
        ["assumption", "review:55"],
        "Used only to label cells in tables and counts (a labelling convention, not a mechanism).",
    ),
    # ------------------------------------------------------------------ motility and adhesion
    rec(
        "dtc_random_motility",
        "D_DTC",
        "Random motility coefficient of DTCs in marrow",
        1.0,
        "micrometer ** 2 / minute",
        0.1,
        10.0,
        ["assumption"],
        "Tumour cells in 3D matrix move a few µm/h to tens of µm/h; 1 µm²/min gives ~8 µm/h r.m.s. in 2D (assumption).",
    ),
    rec(
        "dtc_chemotactic_speed",
        "v_CXCL12",
        "Maximal CXCL12-directed speed of DTCs (CXCR4)",
        0.2,
        "micrometer / minute",
        0.02,
        2.0,
        ["assumption", "review:19", "review:21", "review:25"],
        "CXCL12 from osteoblasts and perivascular stroma attracts CXCR4+ tumour cells [19–25]; 0.2 µm/min = 12 µm/h "
        "is slow amoeboid migration (assumption).",
    ),
    rec(
        "cxcl12_gradient_half",
        "g_half",
        "CXCL12 gradient at which the chemotactic speed is half maximal",
        0.005,
        "1 / micrometer",
        0.0005,
        0.05,
        ["assumption", "review:19"],
        "In reference-concentration units per µm: a gradient of 1 over 200 µm gives half-maximal migration "
        "(assumption).",
    ),
    fraction(
        "endosteal_adhesion",
        "a_E",
        "Fraction of a DTC's motility lost on the endosteal surface (adhesion "
        "through CXCR4, E-selectin and integrin α5β1/β3 to fibronectin and matrix)",
        0.8,
        0.0,
        0.99,
        ["assumption", "review:23", "review:26", "review:36", "review:43", "review:45"],
        "Adhesion keeps DTCs at the bone surface [23, 26, 36, 43–47]; strength not measured (assumption).",
    ),
    rec(
        "immune_random_motility",
        "D_imm",
        "Random motility coefficient of NK and CD8 T cells",
        20.0,
        "micrometer ** 2 / minute",
        2.0,
        200.0,
        ["assumption", "review:80"],
        "Lymphocytes crawl at ~5–10 µm/min with short persistence; 20 µm²/min (assumption).",
    ),
    # ------------------------------------------------------------------ DTC uptake and secretion
    rec(
        "dtc_oxygen_uptake",
        "u_O2",
        "Oxygen uptake rate of a DTC (per unit cell volume)",
        10.0,
        "1 / minute",
        1.0,
        30.0,
        ["ghaffarizadeh2018"],
        "PhysiCell's default tumour-cell uptake (10 /min, ../shared/models.md §4, a public PhysiCell configuration); "
        "prior 1–30 /min.",
        evidence="seen",
    ),
    rec(
        "resident_oxygen_uptake",
        "u_O2,res",
        "Oxygen uptake rate of a resident cell (osteoblast, osteoclast, MSC, immune cell; per unit cell volume)",
        10.0,
        "1 / minute",
        1.0,
        30.0,
        ["assumption", "review:66"],
        "PhysiCell gives every cell the same default uptake (10 /min); resident cells consume O2 like the DTCs, which "
        "makes densely lined bone surfaces less oxygenated than the perivascular marrow (hypoxic niches [66–69]; "
        "assumption).",
    ),
    secretion(
        "dtc_pthrp_secretion",
        "s_PTHrP",
        "PTHrP secretion of a DTC at full PTHRP node activity",
        0.5,
        ["review:148", "review:150"],
    ),
    secretion(
        "dtc_vegf_secretion",
        "s_VEGF",
        "VEGF secretion of a DTC at full HIF1α activity",
        0.5,
        ["review:55", "review:134"],
    ),
    # ------------------------------------------------------------------ stromal and bone cells
    secretion(
        "osteoblast_tgfb2_secretion", "s_OB,TGFB2", "TGF-β2 secretion by an osteoblast", 0.1, ["review:61", "price2026"]
    ),
    secretion("osteoblast_bmp7_secretion", "s_OB,BMP7", "BMP7 secretion by an osteoblast", 0.1, ["review:61"]),
    secretion(
        "osteoblast_cxcl12_secretion",
        "s_OB,CXCL12",
        "CXCL12 secretion by an osteoblast",
        0.015,
        ["review:19", "review:21"],
    ),
    secretion("msc_tgfb2_secretion", "s_MSC,TGFB2", "TGF-β2 secretion by an MSC", 0.05, ["review:61", "price2026"]),
    secretion("msc_bmp7_secretion", "s_MSC,BMP7", "BMP7 secretion by an MSC", 0.05, ["review:61"]),
    secretion(
        "msc_cxcl12_secretion",
        "s_MSC,CXCL12",
        "CXCL12 secretion by an MSC (perivascular stroma)",
        0.015,
        ["review:19", "review:21"],
    ),
    secretion(
        "msc_exosome_secretion",
        "s_MSC,miR",
        "Exosomal miR-222/223 release by an unprimed MSC",
        0.1,
        ["review:58", "review:59"],
    ),
    rec(
        "primed_exosome_factor",
        "f_primed",
        "Factor on exosomal miR-222/223 release of an MSC primed by tumour contact",
        3.0,
        "dimensionless",
        1.0,
        10.0,
        ["assumption", "review:59"],
        "Exosomes from MSCs that have contacted tumour cells are more pro-dormant [59]; the size is not given "
        "(assumption, prior 1–10).",
    ),
    secretion(
        "osteoclast_tgfb1_release",
        "s_OC,TGFB1",
        "Release of matrix TGF-β1 by an osteoclast at rest activity",
        1.0,
        ["review:117", "review:139"],
    ),
    rec(
        "il1b_osteoclast_gain",
        "g_IL1",
        "Rise of osteoclast activity per unit IL-1β input (IL-1β drives bone resorption)",
        1.0,
        "dimensionless",
        0.0,
        5.0,
        ["assumption", "review:141", "review:144"],
        "IL-1β in the marrow raises bone turnover and osteoclast activity alongside Wnt activation in tumour "
        "cells [140–145]; the same coupling as bone_lifetime.inflammation_rankl_gain (assumption).",
        dist="uniform",
    ),
    secretion(
        "stable_vessel_tsp1_secretion",
        "s_V,TSP1",
        "TSP1 secretion per marrow voxel next to a stable vessel",
        0.05,
        ["review:55"],
    ),
    secretion(
        "sprout_postn_secretion",
        "s_S,POSTN",
        "Periostin secretion per marrow voxel next to a sprouting tip",
        0.3,
        ["review:55"],
    ),
    secretion(
        "sprout_tgfb1_secretion",
        "s_S,TGFB1",
        "TGF-β1 secretion per marrow voxel next to a sprouting tip",
        0.3,
        ["review:55"],
    ),
    secretion(
        "m1_il1b_secretion", "s_M1,IL1B", "IL-1β secretion by an M1 macrophage", 0.2, ["review:140", "review:137"]
    ),
    secretion(
        "m2_tgfb1_secretion", "s_M2,TGFB1", "TGF-β1 secretion by an M2 macrophage", 0.5, ["review:109", "review:137"]
    ),
    rec(
        "m2_polarisation_rate",
        "k_M2",
        "M1 → M2 polarisation rate of a macrophage per cycling DTC within the signal radius",
        0.5,
        "1 / day",
        0.05,
        5.0,
        ["assumption", "review:109", "review:110", "review:137"],
        "Escaping tumour cells polarise macrophages from M1 to M2 [109, 110, 137, 138]; rate not measured.",
    ),
    # ------------------------------------------------------------------ maps from local signals to switch inputs
    rec(
        "signal_half_saturation",
        "K_s",
        "Local concentration (reference units) at which a field's switch input is one half",
        1.0,
        "dimensionless",
        0.1,
        10.0,
        ["assumption"],
        "Input = cⁿ/(Kⁿ + cⁿ): the reference level of each field (niche_transport) gives one half (assumption).",
    ),
    rec(
        "signal_hill_coefficient",
        "n_s",
        "Steepness of the saturating maps from concentrations and neighbour counts to switch inputs",
        2.0,
        "dimensionless",
        1.0,
        4.0,
        ["assumption"],
        "Receptor occupancy with modest cooperativity (assumption).",
        dist="uniform",
    ),
    rec(
        "osteoblast_contact_half",
        "K_OB",
        "Osteoblasts within the signal radius for a half-maximal GAS6 and Wnt5a input",
        4.0,
        "dimensionless",
        0.5,
        20.0,
        ["assumption", "review:64", "review:204"],
        "GAS6 and Wnt5a act at short range from osteoblasts [64, 65, 204, 205] (assumption).",
    ),
    rec(
        "osteoclast_factor_half",
        "K_OC",
        "Activity-weighted osteoclasts within the signal radius for a half-maximal osteoclast-factor input",
        1.0,
        "dimensionless",
        0.2,
        10.0,
        ["assumption", "review:96", "review:97"],
        "Osteoclast-derived factors (resorption, MMP-9) awaken DTCs nearby [96, 97, 128].",
    ),
    rec(
        "nk_cytokine_half",
        "K_NK",
        "NK cells within the signal radius for a half-maximal NK-cytokine input",
        1.0,
        "dimensionless",
        0.2,
        10.0,
        ["assumption", "review:81"],
        "NK IFN-γ/TNF-α acts on tumour cells close to activated NK cells [81].",
    ),
    rec(
        "oxygen_mmhg_per_fraction",
        "p_atm",
        "Partial pressure of O2 per unit oxygen fraction (the O2 field in mmHg → the switch's oxygen fraction)",
        760.0,
        "millimeter_Hg",
        700.0,
        800.0,
        ["assumption"],
        "Sea-level total pressure: 5 % O2 = 38 mmHg as in PhysiCell's convention (../shared/models.md §4).",
        dist="uniform",
    ),
    fraction(
        "fibronectin",
        "FN_0",
        "Fibronectin input of a DTC in marrow stroma away from sprouting vessels (integrin α5β1 ligand)",
        0.3,
        0.0,
        1.0,
        ["assumption", "review:43", "review:44"],
        "Marrow stroma and osteoblasts lay down fibronectin [43–47]; uPAR–integrin–fibronectin signalling keeps ERK "
        "high in the switch [164–166]. The stromal level is moderate (assumption): at 0.6 (the switch's "
        "DEFAULT_NICHE value) with reference-level TGF-β1 an arriving ERK-high cell never lets p38 rise, whatever "
        "TGF-β2, BMP7, GAS6 or TSP1 it meets (measured; see docs/architecture.md, 'The niche: agents').",
    ),
    fraction(
        "provisional_fibronectin",
        "FN_S",
        "Fibronectin input added by the provisional matrix around sprouting vessel tips, at full contact",
        0.6,
        0.0,
        1.0,
        ["assumption", "review:55"],
        "Sprouting neovessels lay down a fibronectin-rich provisional matrix, and tip-derived periostin and TGF-β1 "
        "drive escape there [55] (assumption: the fibronectin arm of the sprouting niche). The input is "
        "min(1, FN_0 + FN_S·s^n/(K_S^n + s^n)) with s the sprouting-vessel voxels within the signal radius.",
    ),
    rec(
        "sprout_matrix_half",
        "K_S",
        "Sprouting-vessel voxels within the signal radius for half the provisional-matrix fibronectin",
        3.0,
        "dimensionless",
        0.5,
        20.0,
        ["assumption", "review:55"],
        "A few voxels (10 µm) of sprouting tip within reach: the provisional matrix is laid down around the tip "
        "itself (assumption).",
    ),
    # ------------------------------------------------------------------ immune control
    rec(
        "nk_kill_rate",
        "k_NK",
        "Killing rate of a DTC per NK cell in contact",
        2.0,
        "1 / day",
        0.1,
        20.0,
        ["assumption", "review:80", "review:81"],
        "NK cells kill tumour cells within hours of contact in vitro; in marrow their activity is low [54, 84] "
        "(suppression below). Assumption, prior 0.1–20 /day.",
    ),
    rec(
        "cd8_kill_rate",
        "k_CD8",
        "Killing rate of a DTC per CD8 T cell in contact",
        2.0,
        "1 / day",
        0.1,
        20.0,
        ["assumption", "review:80"],
        "As for NK cells (assumption).",
    ),
    fraction(
        "pdl1_protection_cd8",
        "e_CD8",
        "Fraction of CD8 killing prevented at full PD-L1 (immune evasion) activity",
        0.9,
        0.0,
        1.0,
        ["assumption", "review:83"],
        "Dormant cells express PD-L1 and inhibit T cells [83]; extent assumed.",
    ),
    fraction(
        "pdl1_protection_nk",
        "e_NK",
        "Fraction of NK killing prevented at full immune-evasion activity",
        0.5,
        0.0,
        1.0,
        ["assumption", "review:82"],
        "Dormant, stem-like cells resist NK attack [82]; represented through the same evasion output.",
    ),
    fraction(
        "marrow_immune_suppression",
        "σ_0",
        "Fraction of immune killing suppressed by the marrow's Treg and MDSC baseline",
        0.5,
        0.0,
        0.95,
        ["assumption", "review:54", "review:84"],
        "Marrow has a high baseline of Tregs and MDSCs and low NK and T-cell activity [54, 84].",
    ),
    fraction(
        "m2_suppression",
        "σ_M2",
        "Extra suppression of killing per M2 macrophage within the signal radius",
        0.1,
        0.0,
        0.5,
        ["assumption", "review:109", "review:137"],
        "M2 macrophages (IL-10, TGF-β) suppress cytotoxic cells [109, 110, 137, 138]; total suppression is "
        "capped at 0.99.",
    ),
]


def main() -> None:
    """Write the set's YAML file."""
    data = dict(
        set=NAME,
        model="niche_agents",
        description="Agents of the bone-marrow niche: motility, secretion and uptake, maps from local signals to the "
        "dormancy switch's inputs, immune killing, macrophage polarisation and MSC priming.",
        parameters=R,
    )
    text = "# Generated by tools/make_niche_parameters.py; edit that script, not this file.\n"
    write_set(SETS / f"{NAME}.yaml", text, data)


if __name__ == "__main__":
    main()
