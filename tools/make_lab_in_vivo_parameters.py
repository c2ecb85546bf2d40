"""Generate the parameter set ``lab_in_vivo``: the 3D, bone-on-a-chip, explant, mouse and intravital lab protocols.

Edit this script, not the YAML file, then run ``python tools/make_lab_in_vivo_parameters.py``. Every experimental
manipulation of these protocols is mapped onto the switch's existing inputs (scaffold stiffness onto FIBRONECTIN,
oxygen gradients onto O2, endothelium onto TSP1 or POSTN/TGFB1, bone cells onto TGFB2/BMP7/GAS6/WNT5A, host
immunity onto NK_CYTOKINES and an explicit immune kill); the review gives only directions for most of them, so
values are documented assumptions with a prior range. The co-culture and hypoxia protocols use their own set.
"""

from _records import SETS, record, write_set

NAME = "lab_in_vivo"


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="loguniform"):
    """Return one parameter record as a mapping (prior log-uniform unless told)."""
    return record(symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist)


def level(symbol, label, desc, value, low, high, sources, note):
    """Return a switch-input level in [0, 1] (dimensionless, uniform prior)."""
    return rec(symbol, label, desc, value, "dimensionless", low, high, ["assumption", *sources], note, dist="uniform")


MOUSE_MARROW_NOTE = (
    "Bone-derived signal in the metaphyseal marrow of a young adult mouse (6–10 weeks, actively remodelling), "
    "where intracardiac and orthotopic-resection models seed DTCs. It is added, times each niche's bone-signal "
    "weight, to the niche levels of the patient model (patients_natural_history niche_* records), as the patient "
    "model adds the bone model's signals [61, 117, 204]. The review gives directions only: an assumption."
)

R = [
    # ------------------------------------------------------------------ every protocol: cells and culture medium
    rec(
        "input_variability_cv",
        "CV_u",
        "Cell-to-cell coefficient of variation of every non-zero switch input a cell reads (log-normal factor)",
        0.15,
        "dimensionless",
        0.01,
        0.5,
        ["assumption", "review:45"],
        "Cells of one line in one dish differ in receptor levels and local microenvironment (review [45]: a dormant "
        "subpopulation maintained by its own fibronectin); modelled as a log-normal factor with this CV on each "
        "non-zero input, fixed per cell and inherited by daughters, clipped to [0, 1]. Prior 1–50 %.",
    ),
    level(
        "medium_nutrients",
        "u_N,medium",
        "NUTRIENTS input of cells in full culture medium (10 % serum, glucose, glutamine) or perfusate",
        0.8,
        0.4,
        1.0,
        ["review:75"],
        "Full medium is richer than marrow interstitial fluid (0.6 in the default niche); prior 0.4–1.",
    ),
    level(
        "medium_estrogen",
        "u_E,medium",
        "ESTROGEN input of ER+ cells in standard medium (phenol red and serum oestrogens; 0 for ER− cells)",
        0.3,
        0.0,
        1.0,
        ["review:31"],
        "Phenol red and fetal bovine serum carry weak oestrogenic activity; ER− cells read 0 whatever the medium. "
        "Prior 0–1.",
    ),
    # ------------------------------------------------------------------ 3D spheroid: stiffness and oxygen
    level(
        "scaffold_fibronectin_max",
        "u_FN,max",
        "FIBRONECTIN (integrin) input of a cell in an infinitely stiff scaffold",
        1.0,
        0.5,
        1.0,
        ["review:34", "review:164", "review:166"],
        "uPAR–integrin α5β1–fibronectin signalling keeps ERK high [164–166]; its strength rises with matrix "
        "stiffness through focal-adhesion tension [34]. Prior 0.5–1.",
    ),
    rec(
        "scaffold_stiffness_half_kpa",
        "E_50",
        "Scaffold stiffness (Young's modulus) at which integrin signalling is half-maximal",
        5.0,
        "kilopascal",
        1.0,
        30.0,
        ["assumption", "review:34", "review:167", "review:168"],
        "Mapping u_FN = u_FN,max E^n / (E_50^n + E^n). Soft 3D matrices (< 1 kPa, like marrow) favour quiescent "
        "tumour cells, stiff ones (tens of kPa, osteoid and bone-mimetic scaffolds) proliferation [34, 167, 168]; the "
        "half-point is placed between marrow (~0.3–2 kPa) and osteoid (~25–100 kPa) stiffness. Prior 1–30 kPa.",
    ),
    rec(
        "scaffold_stiffness_hill",
        "n_E",
        "Steepness of the stiffness-to-integrin-signalling map",
        1.5,
        "dimensionless",
        1.0,
        3.0,
        ["assumption", "review:34"],
        "Mechanotransduction is graded over about a decade of stiffness [34]; a Hill exponent of 1–3 covers it.",
    ),
    rec(
        "oxygen_diffusivity_tissue",
        "D_O2",
        "Diffusion coefficient of oxygen in a tumour spheroid or cellular hydrogel",
        2000.0,
        "micrometer ** 2 / second",
        1000.0,
        3000.0,
        ["assumption", "review:168"],
        "About 2e-9 m²/s in tissue (widely quoted; water 3e-9 m²/s at 37 °C). Prior 1000–3000 µm²/s.",
    ),
    rec(
        "oxygen_consumption_max",
        "V_O2",
        "Maximal oxygen consumption rate of packed tumour cells, as a partial-pressure rate",
        20.0,
        "mmHg / second",
        5.0,
        60.0,
        ["assumption", "review:168"],
        "Chosen so that a spheroid in 18.6 % O2 medium (141 mmHg) turns anoxic at its centre above a radius of "
        "sqrt(6 D c_s / V) ≈ 290 µm, the order at which spheroids grow a hypoxic and necrotic core (widely reported "
        "400–600 µm diameters). Prior 5–60 mmHg/s.",
    ),
    rec(
        "oxygen_half_saturation",
        "K_O2",
        "Oxygen partial pressure at which consumption is half-maximal (Michaelis–Menten)",
        1.0,
        "mmHg",
        0.1,
        5.0,
        ["assumption"],
        "Mitochondrial oxygen consumption is near-saturated down to about 1 mmHg (widely quoted 0.5–2 mmHg). Prior "
        "0.1–5 mmHg.",
    ),
    rec(
        "spheroid_packing_fraction",
        "φ",
        "Volume fraction of a spheroid occupied by cells",
        0.6,
        "dimensionless",
        0.4,
        0.74,
        ["assumption"],
        "Cells of volume V_cell fill a fraction φ of the spheroid; its radius is (3 N V_cell / (4 π φ))^(1/3). "
        "Prior 0.4 to 0.74 (close packing of spheres).",
        dist="uniform",
    ),
    rec(
        "cell_volume",
        "V_cell",
        "Volume of one tumour cell",
        2494.0,
        "micrometer ** 3",
        1000.0,
        5000.0,
        ["ghaffarizadeh2018"],
        "PhysiCell's default cell volume (a 16.8 µm sphere); prior 1000–5000 µm³.",
        evidence="seen",
    ),
    rec(
        "necrosis_oxygen",
        "p_nec",
        "Oxygen partial pressure below which cells of a spheroid core die by necrosis",
        1.0,
        "mmHg",
        0.1,
        5.0,
        ["assumption", "review:126"],
        "Near-anoxia (below ~0.1 % O2, ~0.8 mmHg) together with the nutrient loss that comes with it kills cells "
        "of a spheroid core; chronic anoxia leaves cells unable to replicate [126]. Prior 0.1–5 mmHg.",
    ),
    rec(
        "necrosis_rate",
        "k_nec",
        "Death rate of spheroid cells below the necrosis oxygen level (added to the switch's apoptosis rate)",
        0.5,
        "1 / day",
        0.05,
        3.0,
        ["assumption", "review:126"],
        "Necrotic cores form within a few days of anoxia; prior 0.05–3 per day.",
    ),
    # ------------------------------------------------------------------ bone-on-a-chip
    rec(
        "chip_oxygen_penetration",
        "λ_O2",
        "Oxygen penetration length into the cell-laden bone-mimetic hydrogel of a perfused chip",
        300.0,
        "micrometer",
        100.0,
        1000.0,
        ["assumption", "review:69", "review:171"],
        "First-order consumption in a slab gives c(x) = c_v cosh((W − x)/λ)/cosh(W/λ) with λ = sqrt(D/k); at chip "
        "cell densities (~1e6–1e7 cells/ml, well below tissue) λ is hundreds of µm, so a millimetre-wide chamber "
        "holds a gradient as the bone-hypoxia chips intend [69]. Prior 100–1000 µm.",
    ),
    rec(
        "chip_endothelial_decay",
        "λ_EC",
        "Decay length of endothelium-derived factors (TSP1, periostin, TGF-β1) into the chip's matrix",
        60.0,
        "micrometer",
        20.0,
        200.0,
        ["assumption", "review:55", "review:173"],
        "Perivascular signals act on cells within a few cell diameters of the endothelium: DTCs on stable "
        "microvasculature stay quiescent [55]. Level at distance x: u_0 exp(−x/λ_EC). Prior 20–200 µm.",
    ),
    level(
        "chip_tsp1_at_vessel",
        "u_TSP1,0",
        "TSP1 input at the wall of a stable (quiescent) endothelial channel",
        1.0,
        0.3,
        1.0,
        ["review:55"],
        "Stable microvascular endothelium secretes thrombospondin-1, which induces sustained quiescence [55].",
    ),
    level(
        "chip_postn_at_vessel",
        "u_POSTN,0",
        "POSTN input at the wall of a sprouting (angiogenic) endothelial channel",
        1.0,
        0.3,
        1.0,
        ["review:55"],
        "Sprouting neovasculature loses TSP1 and deposits periostin and TGF-β1, which drive escape [55].",
    ),
    level(
        "chip_tgfb1_at_vessel",
        "u_TGFB1,0",
        "TGFB1 input at the wall of a sprouting endothelial channel",
        0.8,
        0.2,
        1.0,
        ["review:55"],
        "Sprouting tips secrete active TGF-β1 [55]; slightly below periostin (assumption).",
    ),
    level(
        "chip_osteoblast_factors",
        "u_OB,chip",
        "TGFB2, BMP7, GAS6 and WNT5A input from the osteoblasts seeded in a chip's bone-mimetic matrix",
        0.4,
        0.1,
        1.0,
        ["review:61", "review:64", "review:171", "review:205"],
        "Osteoblast-laden hydroxyapatite/collagen matrices secrete the endosteal pro-dormancy factors [61, 64, 205]; "
        "a chip holds fewer and less mature osteoblasts than the endosteum (0.6 in the patient model's niche), "
        "spread through the chamber (uniform level).",
    ),
    level(
        "chip_matrix_fibronectin",
        "u_FN,chip",
        "FIBRONECTIN input of cells in the chip's collagen/hydroxyapatite matrix",
        0.5,
        0.1,
        1.0,
        ["review:166", "review:171"],
        "Collagen I gels with serum fibronectin; moderate integrin signalling [166].",
    ),
    # ------------------------------------------------------------------ ex vivo bone explant
    level(
        "explant_bone_factors",
        "u_OB,explant",
        "TGFB2, BMP7, GAS6 and WNT5A input from the living bone cells of a freshly cut explant",
        0.6,
        0.2,
        1.0,
        ["review:61", "review:64", "review:178", "review:205"],
        "Native osteoblasts, osteocytes and MSCs of the explant secrete the endosteal factors; the same level as the "
        "patient model's endosteal niche (0.6).",
    ),
    level(
        "explant_osteoclast_factors",
        "u_OC,explant",
        "OSTEOCLAST_FACTORS input from the osteoclasts of a freshly cut explant",
        0.2,
        0.0,
        1.0,
        ["review:96", "review:97", "review:180"],
        "Explants keep resorbing osteoclasts for days [180]; low at rest, raised by RANKL in the medium "
        "(the protocol's osteoclast stimulation option multiplies it).",
    ),
    level(
        "explant_matrix_tgfb1",
        "u_TGFB1,explant",
        "TGFB1 input from TGF-β stored in the explant's mineralised matrix",
        0.2,
        0.0,
        1.0,
        ["review:117", "review:139"],
        "Matrix TGF-β is present whether or not the bone cells live (devitalised explants keep it).",
    ),
    level(
        "explant_marrow_fibronectin",
        "u_FN,explant",
        "FIBRONECTIN input of DTCs in the native marrow stroma of an explant",
        0.6,
        0.2,
        1.0,
        ["review:43", "review:166"],
        "Native marrow stroma is fibronectin-rich; the same level as the patient model's marrow niches (0.6).",
    ),
    rec(
        "explant_viability_time",
        "τ_v",
        "Time constant of the loss of living bone cells (and their factors) in an ex vivo explant culture",
        10.0,
        "day",
        3.0,
        30.0,
        ["assumption", "review:178", "review:180", "review:181"],
        "Explants have a short lifespan: osteocytes and osteoblasts die over one to a few weeks of culture "
        "[178, 180, 181]. Bone-cell factors (and osteoclast factors) fall as exp(−t/τ_v). Prior 3–30 days.",
    ),
    rec(
        "explant_oxygen_penetration",
        "λ_O2,explant",
        "Oxygen penetration length into the marrow of a cultured bone explant (no circulation)",
        150.0,
        "micrometer",
        50.0,
        500.0,
        ["assumption", "review:178", "spencer2014"],
        "Without blood flow, oxygen reaches the marrow only by diffusion from the medium through densely cellular "
        "tissue; slab profile cosh((H − x)/λ)/cosh(H/λ) from each cut face. Prior 50–500 µm.",
    ),
    # ------------------------------------------------------------------ mice: marrow inputs
    level(
        "mouse_marrow__TGFB2",
        "u_TGFB2,mouse",
        "TGFB2 input of a DTC in mouse long-bone marrow",
        0.5,
        0.1,
        1.0,
        ["review:61"],
        MOUSE_MARROW_NOTE,
    ),
    level(
        "mouse_marrow__BMP7",
        "u_BMP7,mouse",
        "BMP7 input of a DTC in mouse long-bone marrow",
        0.5,
        0.1,
        1.0,
        ["review:61", "review:204"],
        MOUSE_MARROW_NOTE,
    ),
    level(
        "mouse_marrow__TGFB1",
        "u_TGFB1,mouse",
        "TGFB1 input of a DTC in mouse long-bone marrow (matrix release by remodelling)",
        0.2,
        0.0,
        1.0,
        ["review:117", "review:139"],
        MOUSE_MARROW_NOTE,
    ),
    level(
        "mouse_marrow__OSTEOCLAST_FACTORS",
        "u_OC,mouse",
        "OSTEOCLAST_FACTORS input of a DTC in mouse long-bone marrow",
        0.2,
        0.0,
        1.0,
        ["review:96", "review:97"],
        "Young adult mice (6–10 weeks, the usual hosts) remodel their metaphyses actively; moderate level. Prior 0–1.",
    ),
    rec(
        "ovariectomy_oestrogen_deficiency",
        "D_OVX",
        "Oestrogen deficiency D = 1 - E of an ovariectomised mouse (E: serum oestradiol over the premenopausal level)",
        0.9935,
        "dimensionless",
        0.9,
        1.0,
        ["canuaslandero2021", "review:97", "review:100"],
        "Derived: ovariectomised mice (with goserelin, no oestradiol supplement) had serum oestradiol 1.00 +/- 0.27 "
        "pg/ml against 153.16 +/- 18.10 pg/ml in ovariectomised mice supplemented to premenopausal levels "
        "(Canuas-Landero et al. 2021, abstract), so D = 1 - 1.00/153.16 = 0.9935. It drives the bone model's host "
        "terms (RANKL, OPG, osteoclast apoptosis; dormancy.bone.lifetime) in the mouse marrow and scales the ER "
        "input of ER+ DTCs by 1 - D (dormancy.lab.menopause). Sham-operated mice have D = 0. Prior 0.9-1.",
        evidence="derived",
        dist="uniform",
    ),
    rec(
        "mouse_resorption_surface_fraction",
        "φ*_mouse",
        "Fraction of time a site of a young adult mouse's metaphyseal endosteal surface is under a resorbing front",
        0.1,
        "dimensionless",
        0.02,
        0.3,
        ["assumption", "lawson2015"],
        "Young adult mice remodel their metaphyseal cancellous bone several-fold faster than adult women, with "
        "osteoclasts on a larger part of the surface (the order of a tenth; widely quoted histomorphometry, not "
        "checked against a source here). The mouse's counterpart of bone_lifetime.resorption_surface_fraction. "
        "Prior 0.02-0.3 (log-uniform).",
    ),
    rec(
        "mouse_zoledronic_effect",
        "Z_mouse",
        "Effect of zoledronic acid 100 ug/kg weekly in mice on the osteoclast-apoptosis and endosteal-niche targets",
        0.711,
        "dimensionless",
        0.3,
        0.95,
        ["assumption", "canuaslandero2021", "review:100"],
        "The Sheffield mouse protocols give 100 ug/kg zoledronic acid weekly (Canuas-Landero et al. 2021, abstract), "
        "used there as the clinically relevant dose; the package has no mouse pharmacokinetics, so the mouse dose is "
        "taken as equivalent to 4 mg every 4 weeks in women (an assumption) and the effect is the time average over "
        "8 weeks of that schedule's osteoclast_apoptosis (= endosteal_niche) effect in dormancy.pkpd "
        "(target_effects of zoledronic_acid:4mg:q4w, 0.711; tested). It enters the bone drive and the osteoclast "
        "factors as the patient model's drug terms do (dormancy.lab.menopause). Prior 0.3-0.95.",
        evidence="derived",
        dist="uniform",
    ),
    level(
        "mouse_nk_cytokines",
        "u_NK,mouse",
        "NK_CYTOKINES input (IFN-γ, TNF-α from NK cells) of a DTC in the marrow of a mouse with NK cells",
        0.3,
        0.05,
        0.8,
        ["review:81", "review:82"],
        "NK cells sense tumour PDGF-D and secrete IFN-γ and TNF-α that induce dormancy [81, 82]. Immune-intact "
        "(syngeneic) and nude mice have NK cells and read this level; NSG mice (no NK cells) read 0. Prior 0.05–0.8.",
    ),
    rec(
        "mouse_t_cell_kill_rate",
        "κ_T",
        "Killing rate of an awake (cycling) DTC by CD8+/CD4+ T cells in an immune-intact mouse, before PD-L1 evasion",
        0.1,
        "1 / day",
        0.01,
        1.0,
        ["assumption", "review:80", "review:83"],
        "Tumour-mass dormancy: proliferation balanced by adaptive immune killing [80]; dormant cells escape it "
        "through PD-L1 [83], so the rate is κ_T (1 − PD-L1) and applies to cycling cells only. Nude and NSG mice "
        "have no T cells (κ_T = 0). Prior 0.01–1 per day.",
    ),
    rec(
        "mouse_nk_kill_rate",
        "κ_NK",
        "Killing rate of an awake DTC by NK cells, before PD-L1/stemness evasion",
        0.05,
        "1 / day",
        0.005,
        0.5,
        ["assumption", "review:80", "review:82"],
        "NK cells kill cycling tumour cells; dormant stem-like cells resist [82]. Present in syngeneic and nude "
        "mice, absent in NSG mice. Prior 0.005–0.5 per day.",
    ),
    rec(
        "mouse_focus_elimination",
        "κ_f",
        "Immune elimination hazard of a small bone focus (below the avascular limit) per unit adaptive immunity",
        0.02,
        "1 / day",
        0.001,
        0.2,
        ["assumption", "wilkie2013", "review:80"],
        "Tumour-mass dormancy ends in elimination or escape (Wilkie & Hahnfeldt 2013); in mice with T cells a "
        "micro-focus is eliminated at this hazard times (1 − PD-L1 evasion) until it passes the avascular limit. "
        "Prior 0.001–0.2 per day.",
    ),
    rec(
        "mouse_focus_founding_cells",
        "n_f",
        "Cells of an awake lineage above which it is followed as a deterministic Gompertz focus",
        50.0,
        "dimensionless",
        10.0,
        1000.0,
        ["assumption"],
        "Below this size the lineage is a stochastic birth–death process (tau-leaping, daily steps); above it, "
        "extinction by chance is negligible (probability ~ (d/b)^n) and growth is a deterministic Gompertz curve "
        "whose initial specific rate equals the lineage's net rate (birth − death − immune kill). Prior 10–1000.",
    ),
    rec(
        "mouse_bone_capacity",
        "K_m",
        "Gompertz carrying capacity of tumour cells in the imaged bones of one mouse",
        1.0e8,
        "dimensionless",
        1.0e7,
        1.0e9,
        ["assumption", "hahnfeldt1999", "review:190"],
        "The hind-limb marrow of a mouse holds ~1e8 nucleated cells (widely quoted); a bone lesion cannot exceed "
        "that order before the animal reaches its end point. With it, a focus growing at a net 0.3/day at 50 cells "
        "takes ~3 weeks to 1e4 cells, so intracardiac models light up 3–5 weeks after injection (review [190]). "
        "Prior 1e7–1e9.",
    ),
    rec(
        "mouse_avascular_limit",
        "X_av,m",
        "Focus size above which immune elimination of a bone focus stops (angiogenic and immune escape)",
        1.0e4,
        "dimensionless",
        1.0e3,
        1.0e6,
        ["assumption", "review:55", "hahnfeldt1999"],
        "A ~0.3 mm focus (~1e4 cells) has outgrown the diffusion limit and local immune control. Prior 1e3–1e6.",
    ),
    rec(
        "intracardiac_bone_fraction",
        "f_ic",
        "Fraction of cells injected into the left ventricle that lodge in the imaged bones' marrow",
        0.005,
        "dimensionless",
        0.0005,
        0.05,
        ["assumption", "review:182", "review:190"],
        "Most injected cells die in the circulation or lodge in other organs; hind-limb marrow holds hundreds to "
        "thousands of DTCs after 1e5 injected cells (review [182, 190]). Prior 0.05–5 %.",
    ),
    rec(
        "orthotopic_seeding_rate",
        "s_ot",
        "DTCs arriving in the imaged bones per day per million primary-tumour cells (orthotopic model)",
        1.0,
        "1 / day",
        0.05,
        20.0,
        ["assumption", "review:190"],
        "Spontaneous metastasis from the mammary fat pad seeds bone slowly and stops at resection; a few hundred "
        "bone DTCs over three weeks of a 1e6–1e8-cell primary. Prior 0.05–20 per day per 1e6 cells.",
    ),
    rec(
        "primary_growth_rate",
        "r_p",
        "Exponential growth rate of the orthotopic primary tumour before resection",
        0.12,
        "1 / day",
        0.03,
        0.3,
        ["assumption", "review:190"],
        "Mammary fat-pad tumours from 5e5 cells reach resection size (~0.5 cm³) in 3–4 weeks (doubling ~6 days). "
        "Prior 0.03–0.3 per day.",
    ),
    rec(
        "arrival_settle_time",
        "t_s",
        "Time a DTC's switch is integrated under the marrow inputs after arrival before its fate rates are read",
        72.0,
        "hour",
        24.0,
        240.0,
        ["assumption", "review:61"],
        "Arriving cells carry a proliferating switch state; TGF-β2/p38 signalling settles the dormant or "
        "proliferating decision within days [61]. After this time the cell's rates are held (daughters inherit "
        "them). Prior 1–10 days.",
    ),
    rec(
        "bli_photons_per_cell",
        "φ_BLI",
        "Bioluminescence photon flux per luciferase-labelled tumour cell in bone, as seen through the tissue",
        20.0,
        "1 / second",
        2.0,
        500.0,
        ["assumption", "review:182", "review:190"],
        "Luciferase cells emit hundreds of photons/s in vitro; bone and skin absorb most of it. Prior 2–500 "
        "photons/s per cell.",
    ),
    rec(
        "bli_background",
        "B_BLI",
        "Background photon flux of a region of interest over a mouse's hind limbs",
        2.0e4,
        "1 / second",
        1.0e3,
        1.0e5,
        ["assumption", "review:182"],
        "Dark-current and autoluminescence of a whole-limb region of interest. Prior 1e3–1e5 photons/s.",
    ),
    rec(
        "bli_detection_floor",
        "F_BLI",
        "Photon flux above which a bone region counts as bone metastasis by bioluminescence",
        2.0e5,
        "1 / second",
        2.0e4,
        2.0e6,
        ["assumption", "review:182"],
        "Low tumour burden escapes bioluminescence (review [182]); with 20 photons/s per cell the floor is ~1e4 "
        "cells. Prior 2e4–2e6 photons/s.",
    ),
    rec(
        "bli_measurement_cv",
        "CV_BLI",
        "Coefficient of variation of a bioluminescence measurement (substrate timing, positioning)",
        0.3,
        "dimensionless",
        0.01,
        0.8,
        ["assumption", "review:182"],
        "Repeated imaging of one mouse varies by tens of percent; a log-normal factor per image. Prior 1–80 %.",
    ),
]


def main() -> None:
    """Write the set's YAML file."""
    data = dict(
        set=NAME,
        model="lab_in_vivo",
        description="The 3D spheroid, bone-on-a-chip, ex vivo explant, mouse and intravital lab protocols: maps from "
        "each experimental system onto the dormancy switch's inputs, oxygen transport, mouse population processes "
        "and bioluminescence.",
        parameters=R,
    )
    text = "# Generated by tools/make_lab_in_vivo_parameters.py; edit that script, not this file.\n"
    write_set(SETS / f"{NAME}.yaml", text, data)


if __name__ == "__main__":
    main()
