"""Generate the registry set ``patients_natural_history`` (the virtual-patient simulator).

Edit this script, not the YAML file, then run ``python tools/make_patient_parameters.py``. Published numbers
(Braun 2005 associations, Colleoni 2016, Pan 2017, the Kuznetsov/Wilkie/Hahnfeldt model families of models.md §2)
give directions and orders of magnitude; the values themselves are documented assumptions with prior ranges,
and the parameters listed in ``dormancy.patients.parameters.FREE_PARAMETERS`` are what calibration fits.
"""

from _records import SETS, write_set
from _records import record as _record

NAME = "patients_natural_history"
A = ["assumption"]


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="loguniform"):
    """Return one parameter record as a mapping (prior log-uniform unless told)."""
    return _record(symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist)


def urec(*args, **kwargs):
    """Return a record with a uniform prior."""
    return rec(*args, **kwargs, dist="uniform")


records = [
    # ---------------------------------------------------------------- host
    urec(
        "menopause_age_mean",
        "a_m",
        "Mean age at natural menopause (final menstrual period) in the simulated population",
        51.0,
        "year",
        48.0,
        53.0,
        A,
        "Widely quoted mean of about 51 years in Western populations (not checked against a source here); "
        "ages are normal with the standard deviation below, truncated to 40–58 years.",
    ),
    urec(
        "menopause_age_sd",
        "σ_m",
        "Standard deviation of the age at natural menopause",
        3.5,
        "year",
        2.0,
        5.0,
        A,
        "Most natural menopauses fall between 45 and 55 years (widely quoted); prior 2–5 years.",
    ),
    # ---------------------------------------------------------------- seeding at diagnosis
    rec(
        "seeding_mean_reference",
        "m_0",
        "Mean number of DTCs in the whole bone marrow at diagnosis for a reference tumour (T1, N0, grade 2, ER+)",
        8.5e4,
        "dimensionless",
        1.0e3,
        1.0e7,
        ["braun2005", "review:10", "assumption"],
        "Set with the aspirate fraction so that about 30.6 % of stage I–III patients are DTC-positive (Braun 2005): "
        "an aspirate samples ~2e6 of ~1e12 marrow cells, so a positive aspirate implies ~1e5–1e6 DTCs in the whole "
        "marrow. Free parameter (calibrated). Prior 1e3–1e7.",
    ),
    rec(
        "seeding_dispersion",
        "k",
        "Shape of the negative-binomial (gamma–Poisson) DTC count at diagnosis; smaller is more heterogeneous",
        1.5,
        "dimensionless",
        0.03,
        5.0,
        A,
        "Most patients carry few DTCs and a minority many (DTC counts per aspirate are highly skewed). Sets the "
        "DTC+/DTC− outcome ratio (Braun 2005: 2.33). Free parameter. Prior 0.03–5.",
    ),
    rec(
        "seeding_fold_t2",
        "f_T2",
        "Fold change of the mean DTC count for a T2 (2–5 cm) against a T1 tumour",
        1.5,
        "dimensionless",
        1.0,
        4.0,
        ["braun2005", "assumption"],
        "Braun 2005: DTC+ tumours are larger (direction seen; size of the effect an assumption).",
    ),
    rec(
        "seeding_fold_t3",
        "f_T3",
        "Fold change of the mean DTC count for a T3 (> 5 cm) against a T1 tumour",
        2.2,
        "dimensionless",
        1.0,
        8.0,
        ["braun2005", "assumption"],
        "Braun 2005: DTC+ tumours are larger (direction seen; size an assumption).",
    ),
    rec(
        "seeding_fold_n1_3",
        "f_N1",
        "Fold change of the mean DTC count for 1–3 positive nodes against node-negative",
        1.6,
        "dimensionless",
        1.0,
        4.0,
        ["braun2005", "assumption"],
        "Braun 2005: DTC+ more often node-positive (direction seen; size an assumption).",
    ),
    rec(
        "seeding_fold_n4_9",
        "f_N4",
        "Fold change of the mean DTC count for 4–9 positive nodes against node-negative",
        2.4,
        "dimensionless",
        1.0,
        8.0,
        ["braun2005", "assumption"],
        "Braun 2005 (direction seen; size an assumption).",
    ),
    rec(
        "seeding_fold_n10",
        "f_N10",
        "Fold change of the mean DTC count for 10 or more positive nodes against node-negative",
        3.5,
        "dimensionless",
        1.0,
        15.0,
        ["braun2005", "assumption"],
        "Braun 2005 (direction seen; size an assumption).",
    ),
    rec(
        "seeding_fold_per_grade",
        "f_G",
        "Fold change of the mean DTC count per grade step above grade 2 (and its inverse below)",
        1.3,
        "dimensionless",
        1.0,
        3.0,
        ["braun2005", "assumption"],
        "Braun 2005: DTC+ tumours have higher grade (direction seen; size an assumption).",
    ),
    rec(
        "seeding_fold_er_negative",
        "f_ER",
        "Fold change of the mean DTC count for an ER− against an ER+ tumour",
        1.5,
        "dimensionless",
        1.0,
        4.0,
        ["braun2005", "assumption"],
        "Braun 2005: DTC+ tumours more often hormone-receptor negative (direction seen; size an assumption).",
    ),
    rec(
        "aspirate_sampled_fraction",
        "f_asp",
        "Fraction of the whole marrow's DTCs that a standard bilateral aspirate samples (Poisson detection)",
        2.0e-6,
        "dimensionless",
        2.0e-7,
        2.0e-5,
        ["braun2005", "assumption"],
        "Braun 2005's pooled studies screened ~2e6 mononuclear cells per patient by cytokeratin immunocytochemistry; "
        "an adult marrow holds ~1e12 nucleated cells (widely quoted, not checked). Detection is taken perfect "
        "for a sampled DTC, so P(DTC+ | N) = 1 − exp(−f N). Prior tenfold either side. Superseded by the aspirate "
        "measurement (dormancy.patients.aspirate, records aspirate_* below); read only by the kernel's unused "
        "homogeneous-Poisson flag.",
    ),
    # ---------------------------------------------------------------- the aspirate as a measurement (issue 17)
    rec(
        "aspirate_screened_cells",
        "M_asp",
        "Mononuclear cells screened by cytokeratin immunocytochemistry per aspirate (all sites together)",
        2.0e6,
        "cell",
        5.0e5,
        1.0e7,
        ["fehm2006", "braun2005", "assumption"],
        "About 2 million mononuclear cells per patient: the number of Braun 2005's pooled studies (as read for "
        "aspirate_sampled_fraction) and of the standardised German/ISHAGN protocol (Fehm 2006, abstract seen; the "
        "number itself not read in its full text here). Split equally over the aspiration sites.",
    ),
    rec(
        "marrow_mononuclear_cells",
        "C_MNC",
        "Mononuclear cells of the whole marrow among which the DTCs are spread (density-gradient equivalent)",
        5.0e11,
        "cell",
        1.0e11,
        2.0e12,
        A,
        "An adult marrow holds ~1e12 nucleated cells (widely quoted, not checked); density-gradient "
        "centrifugation removes the mature granulocytes, taken as about half of them, and DTCs sediment with the "
        "mononuclear cells: an aspirate's screened cells sample M_asp / C_MNC = 4e-6 of the marrow's DTCs.",
    ),
    urec(
        "aspirate_sites",
        "s_asp",
        "Aspiration sites per aspirate (each draws its own few millilitres; the screened cells are split equally)",
        2.0,
        "dimensionless",
        1.0,
        4.0,
        ["sola2011", "synnestvedt2012", "assumption"],
        "Bilateral: aspirates from both iliac crests (Solà 2011, seen; the Norwegian and German protocols likewise, "
        "not read here). Rounded to an integer.",
    ),
    urec(
        "aspirate_site_cv",
        "v_asp",
        "Coefficient of variation of the DTC density at an aspiration site over the marrow's mean (gamma factor)",
        1.047,
        "dimensionless",
        0.0,
        3.0,
        ["synnestvedt2012", "assumption"],
        "DTCs are not spread evenly through the marrow: each site of each aspirate draws a few ml whose DTC density "
        "is the marrow mean times a gamma factor of mean 1 and this CV (0: homogeneous), independently between "
        "sites and visits. Fitted to Synnestvedt 2012's repeat aspirates (docs/calibration-run-7).",
        evidence="derived",
    ),
    urec(
        "dtc_cluster_mean_size",
        "c_asp",
        "Mean number of DTCs found together as one cluster in an aspirate (1: single cells)",
        1.383,
        "dimensionless",
        1.0,
        4.0,
        ["synnestvedt2012", "naume2004", "assumption"],
        "DTCs lodge singly or in small clusters that an aspirate samples together: cluster sizes 1 + geometric "
        "with this mean. Fitted to the shares of positive aspirates with >= 2 and >= 3 cells (Synnestvedt 2012; "
        "docs/calibration-run-7).",
        evidence="derived",
    ),
    urec(
        "aspirate_sensitivity",
        "q_ref",
        "Probability that a DTC among the screened cells is read as a tumour cell, reference reading (Braun 2005)",
        0.739,
        "dimensionless",
        0.05,
        1.0,
        ["braun2005", "assumption"],
        "Combines the loss of DTCs in density-gradient centrifugation, cytokeratin-negative DTCs and the reading. "
        "The reference reading is that of Braun 2005's pooled stage I-III studies: fitted so that 30.6 % are "
        "DTC-positive at diagnosis (docs/calibration-run-7).",
        evidence="derived",
    ),
    urec(
        "aspirate_sensitivity_oslo",
        "q_oslo",
        "Probability that a screened DTC is read as a tumour cell, Norwegian protocol (Synnestvedt 2012)",
        0.149,
        "dimensionless",
        0.01,
        1.0,
        ["synnestvedt2012", "naume2004", "assumption"],
        "The Norwegian (Oslo) reading counts only cells with tumour-cell morphology (Naume 2004) and finds fewer "
        "DTC-positive patients than Braun 2005's pooled studies; fitted to Synnestvedt 2012's positivity at BM1 and "
        "BM2 (docs/calibration-run-7). It also absorbs any loss of DTCs in the first year after diagnosis that the "
        "model lacks (a Known departure).",
        evidence="derived",
    ),
    urec(
        "niche_fraction_endosteal",
        "φ_end",
        "Fraction of marrow DTCs that lodge in the endosteal (osteoblastic) niche",
        0.35,
        "dimensionless",
        0.1,
        0.7,
        ["review:19", "review:23", "assumption"],
        "DTCs home to CXCL12-rich osteoblastic and perivascular niches (review [19–25]); no quantitative split was "
        "found. Other marrow takes 1 minus the three niche fractions.",
    ),
    urec(
        "niche_fraction_perivascular_stable",
        "φ_pvs",
        "Fraction of marrow DTCs that lodge next to stable microvasculature (TSP1, perivascular niche)",
        0.4,
        "dimensionless",
        0.1,
        0.7,
        ["review:55", "assumption"],
        "Ghajar et al. (review [55]): most DTCs sit on stable microvasculature. Split an assumption.",
    ),
    urec(
        "niche_fraction_perivascular_sprouting",
        "φ_spr",
        "Fraction of marrow DTCs that lodge next to sprouting neovascular tips (POSTN, TGF-β1)",
        0.004,
        "dimensionless",
        0.0,
        0.15,
        ["review:55", "assumption"],
        "Sprouting tips are a small part of the marrow vasculature (review [55]). Cells here escape at once and "
        "drive the early (years 0–3) recurrences. Free parameter.",
    ),
    rec(
        "other_site_seeding_ratio",
        "ρ_oth",
        "DTCs seeded to other distant organs (lung, liver, brain; one lumped compartment) per marrow DTC",
        0.9,
        "dimensionless",
        0.05,
        20.0,
        ["d_care2017", "assumption"],
        "Set so that bone is ~40 % of first distant recurrences (D-CARE design, TPS662). Free parameter.",
    ),
    urec(
        "dissemination_window_years",
        "W",
        "Span before diagnosis over which the foci present at diagnosis were seeded (uniform)",
        2.0,
        "year",
        0.5,
        6.0,
        ["review:10", "assumption"],
        "DTCs reach the marrow early, often before the primary is detected (review [10–16]). Prior 0.5–6 years.",
    ),
    # ---------------------------------------------------------------- single-cell fates (scales on the switch)
    rec(
        "awakening_scale_er_negative",
        "s_wake−",
        "Fraction of an ER− dormant DTC's switch exits (its quiescence exit hazard) that become a sustained awakening",
        2.5e-5,
        "dimensionless",
        1.0e-7,
        1.0,
        A,
        "The patient's awakening hazard is this times the switch's own awakening hazard of the dormant branch in the "
        "cell's niche and host state, averaged over the bone's resorption exposure (dormancy.coupling.tables, "
        "field log_awakening_rate, per day). 1 would mean every exit the switch makes is a lasting awakening; the "
        "calibrated value is far below (docs/architecture.md, Known departures: the switch's dormant branch is "
        "shallow in most marrow). Prior 1e-7–1 (log-uniform). Free parameter.",
    ),
    rec(
        "awakening_scale_er_positive",
        "s_wake+",
        "Fraction of an ER+ dormant DTC's switch exits that become a sustained awakening",
        5.0e-4,
        "dimensionless",
        1.0e-7,
        1.0,
        A,
        "As for ER−, with the ER+ switch's own awakening hazard. Prior 1e-7–1 (log-uniform). Free parameter.",
    ),
    rec(
        "dormant_death_scale",
        "μ_D",
        "Fraction of the switch's dormant-branch death hazard (without drugs) acting on a dormant DTC in the patient",
        0.05,
        "dimensionless",
        0.001,
        1.0,
        ["willis2010", "assumption"],
        "The patient's death hazard of a dormant cell is this times the switch's apoptosis hazard of the dormant "
        "branch (dormancy.coupling.tables, field death_rate, per day; about 1.3 per year at the reference cell), "
        "plus what a drug adds to the switch's hazard (field drug_death_rate, not scaled). Willis 2010: escape from "
        "growth restriction has a half-life of at least 12 years; dormant cells persist for decades (review §1), "
        "far longer than the switch's untreated apoptosis rate implies. Prior 0.001–1 (log-uniform). Free "
        "parameter.",
    ),
    rec(
        "dormant_death_ratio_er_positive",
        "r_+",
        "Death hazard of a dormant ER+ DTC relative to an ER− one (multiplies μ_D for ER+ patients)",
        1.0,
        "dimensionless",
        0.1,
        2.0,
        ["pan2017", "colleoni2016", "assumption"],
        "ER+ disease keeps recurring at a steady rate for 20 years after diagnosis (Pan 2017) while ER− hazards "
        "fall after 5 years (Colleoni 2016): a longer-lived ER+ dormant pool is one explanation (a hypothesis, "
        "not measured). The switch's apoptosis ratio already differs by ER status; this scales the reference "
        "hazard on top. 1 = no difference. Prior 0.1–2 (log-uniform, either direction). Not in FREE_PARAMETERS "
        "(the ABC keeps 12); fitted in calibration run 2.",
    ),
    rec(
        "clonogenic_fraction",
        "c",
        "Fraction of DTCs able to found a growing colony (the rest are non-tumorigenic)",
        1.0e-3,
        "dimensionless",
        1.0e-6,
        1.0,
        ["willis2010", "assumption"],
        "Willis 2010: patients carry at most a few 'dangerous' micrometastases, far fewer than DTCs. Free parameter.",
    ),
    rec(
        "immune_kill_rate",
        "κ",
        "Immune (NK/T-cell) killing rate of a single proliferating DTC not protected by PD-L1",
        0.05,
        "1 / day",
        0.001,
        1.0,
        ["kuznetsov1994", "review:80", "review:83", "assumption"],
        "Reduces Kuznetsov 1994's n·E·T term at small T to a per-cell kill κ(1 − evasion), evasion being the "
        "switch's PD-L1 output; sets the establishment probability 1 − (δ + κ(1 − e) + q)/r of a branching "
        "lineage. Prior 0.001–1 per day.",
    ),
    rec(
        "focus_immune_elimination_per_year",
        "κ_f",
        "Elimination hazard of an avascular micrometastasis by immune control (times 1 − PD-L1 evasion)",
        0.05,
        "1 / year",
        0.001,
        1.0,
        ["wilkie2013", "kuznetsov1994", "assumption"],
        "Tumour-mass dormancy ends in elimination or escape (Wilkie & Hahnfeldt 2013); reduced to a hazard for "
        "foci held below the avascular limit. Prior 0.001–1 per year.",
    ),
    # ---------------------------------------------------------------- micrometastasis growth
    rec(
        "growth_rate_er_negative",
        "α−",
        "Gompertz rate of an ER− micrometastasis (d ln X/dt = α ln(K/X))",
        0.0035,
        "1 / day",
        3.0e-4,
        0.02,
        ["hahnfeldt1999", "assumption"],
        "With K = 1e12 cells, α = 0.0017/day gives a doubling time of ~60 days at 1e9 cells, the order reported "
        "for breast metastases (widely quoted); ER− cancers grow faster. Free parameter.",
    ),
    rec(
        "growth_rate_er_positive",
        "α+",
        "Gompertz rate of an ER+ micrometastasis",
        0.0018,
        "1 / day",
        3.0e-4,
        0.02,
        ["hahnfeldt1999", "review:31", "assumption"],
        "ER+ DTCs proliferate more slowly (review [31]). Free parameter.",
    ),
    urec(
        "growth_rate_cv_er_negative",
        "v−",
        "Coefficient of variation between ER− patients of the micrometastasis growth rate (lognormal factor, mean 1)",
        0.0,
        "dimensionless",
        0.0,
        1.5,
        ["hahnfeldt1999", "assumption"],
        "Each patient's Gompertz rate is α− Z with Z lognormal of mean 1 and this CV, drawn once per patient. "
        "Volume doubling times of breast cancers vary several-fold between patients, roughly lognormally (e.g. "
        "Spratt JS et al., Cancer 1993;71:2013, not in the bibliography and not checked here), i.e. a CV of order "
        "1. Prior 0–1.5 (0 = every patient grows at α−).",
    ),
    urec(
        "growth_rate_cv_er_positive",
        "v+",
        "Coefficient of variation between ER+ patients of the micrometastasis growth rate (lognormal factor, mean 1)",
        0.0,
        "dimensionless",
        0.0,
        1.5,
        ["hahnfeldt1999", "review:31", "assumption"],
        "As for ER−: each ER+ patient grows at α+ Z, Z lognormal of mean 1 and this CV. ER+ tumours span slowly "
        "(luminal A) to fast proliferating (luminal B) disease, so a spread at least as wide as ER−'s is expected; "
        "it also spreads in time the recurrences from foci seeded before diagnosis. Prior 0–1.5 (0 = none).",
    ),
    urec(
        "awakening_cv",
        "v_w",
        "Coefficient of variation between patients of the dormant-cell awakening scale (lognormal factor, mean 1)",
        0.0,
        "dimensionless",
        0.0,
        2.0,
        ["review:140", "assumption"],
        "Each patient's awakening scale is s_ER Z_w with Z_w lognormal of mean 1 and this CV, drawn once per "
        "patient: host differences in marrow niche, inflammation and immune state beyond the modelled covariates "
        "(awakening depends on such signals, review [140–145]). A frailty: fast wakers recur first, so the "
        "cohort's late hazard falls and then flattens. Not measured. Prior 0–2 (0 = no variation).",
    ),
    rec(
        "avascular_limit_cells",
        "K_av",
        "Size cap of a micrometastasis before its angiogenic switch (~1 mm diameter)",
        5.0e5,
        "dimensionless",
        1.0e4,
        1.0e7,
        ["hahnfeldt1999", "review:55", "assumption"],
        "A 1 mm sphere is ~0.5 mm³, ~5e5 cells at 1e9 cells/cm³ (diffusion limit of avascular growth).",
    ),
    rec(
        "carrying_capacity_cells",
        "K",
        "Gompertz carrying capacity of a vascularised metastasis",
        1.0e12,
        "dimensionless",
        1.0e11,
        1.0e13,
        ["hahnfeldt1999", "assumption"],
        "About 1 kg of tumour. Prior 1e11–1e13 cells.",
    ),
    rec(
        "detection_cells",
        "X_det",
        "Size at clinical detection of a distant recurrence (~1 cm)",
        1.0e9,
        "dimensionless",
        1.0e8,
        1.0e10,
        ["assumption"],
        "~1 cm³ ≈ 1e9 cells, the widely quoted clinical detection limit. Prior 1e8–1e10.",
    ),
    rec(
        "angiogenic_switch_per_year",
        "λ_ang",
        "Hazard of the angiogenic switch of an avascular micrometastasis",
        0.1,
        "1 / year",
        0.005,
        2.0,
        ["hahnfeldt1999", "review:55", "review:133", "assumption"],
        "Angiogenic dormancy ends stochastically (review [55, 133–136]); Willis 2010's escape half-life of at "
        "least 12 years bounds it from above for dangerous foci. Free parameter.",
    ),
    urec(
        "obesity_angiogenic_gain",
        "g_V",
        "Relative rise of the angiogenic switch hazard per unit of the host's obesity-driven angiogenic drive",
        1.0,
        "dimensionless",
        0.0,
        4.0,
        ["review:7", "review:133", "assumption"],
        "Obesity raises VEGF, LCN2, bFGF and shortens latency (review [7, 133–135]); the drive is "
        "dormancy.bone.host.angiogenic_drive. Prior 0–4.",
    ),
    rec(
        "bone_site_capacity_cells",
        "X_bone",
        "Tumour cells at which a bone lesion's burden in the bone model equals 1 (vicious-cycle coupling)",
        1.0e10,
        "dimensionless",
        1.0e8,
        1.0e12,
        ["review:148", "assumption"],
        "Maps a bone focus's size to the bone model's tumour burden; the growth factor of a bone focus is the "
        "bone model's TGF-β-driven proliferation at that burden over its value at no tumour.",
    ),
    # ---------------------------------------------------------------- standard care
    urec(
        "chemotherapy_log_kill",
        "L",
        "Log10 kill of cycling tumour cells by a full adjuvant chemotherapy course",
        3.0,
        "dimensionless",
        0.5,
        4.0,
        ["review:7", "assumption"],
        "Chemotherapy kills cycling cells only (review §1); dormant DTCs are spared. Spread evenly over the "
        "course; single awakened cells during the course survive with the same per-month fraction. Prior 0.5–4. "
        "Set to 3 (was 2) in calibration run 2: with the fitted faster ER− growth, 2 logs cut first-year ER− "
        "recurrence by only 11 % (EBCTCG: polychemotherapy cuts early recurrence by about a third; the test "
        "demands at least 15 %); 3 logs cut it by 20 %. Not fitted.",
    ),
    urec(
        "chemotherapy_years",
        "T_chemo",
        "Length of the adjuvant chemotherapy course from diagnosis",
        0.5,
        "year",
        0.25,
        1.0,
        ["assumption"],
        "Typical 4–8 cycles of 3 weeks (widely quoted). Prior 0.25–1 year.",
    ),
    urec(
        "endocrine_target_effect",
        "E_endo",
        "Fraction of ER signalling blocked in ER+ cells on endocrine therapy (tamoxifen or an aromatase inhibitor)",
        0.8,
        "dimensionless",
        0.5,
        0.99,
        ["review:73", "assumption"],
        "No drug model for endocrine therapy in dormancy.pkpd yet: a documented target-effect level on the "
        "switch's ESTROGEN input. Prior 0.5–0.99.",
    ),
    urec(
        "endocrine_growth_inhibition",
        "ε_endo",
        "Fractional reduction of the Gompertz rate of ER+ micrometastases, and of the colony-founding probability "
        "of awakened ER+ cells, while on endocrine therapy",
        0.5,
        "dimensionless",
        0.0,
        0.95,
        ["pan2017", "assumption"],
        "Endocrine therapy roughly halves ER+ recurrence while taken (EBCTCG); partly carried over afterwards "
        "through the foci it shrank. Prior 0–0.95.",
    ),
    rec(
        "endocrine_eradication_per_year",
        "h_endo",
        "Hazard that an ER+ micrometastasis is eradicated while on endocrine therapy",
        0.3,
        "1 / year",
        0.01,
        2.0,
        ["pan2017", "colleoni2016", "assumption"],
        "Endocrine therapy removes part of the ER+ disease rather than only delaying it: its benefit persists after "
        "it stops (carry-over) and recurrences in years 5-20 come at a steady rate (EBCTCG). Growth inhibition "
        "alone makes the held-back foci grow out after year 5, a rebound not seen clinically; a log-kill of a "
        "Gompertz focus is undone by its fast regrowth at small sizes, so the effect is an eradication hazard per "
        "focus. Prior 0.01-2 per year.",
    ),
    urec(
        "endocrine_resistant_fraction",
        "r_endo",
        "Fraction of ER+ patients whose disease is endocrine-resistant from diagnosis (de novo): no endocrine effect "
        "(ε_endo, h_endo, the switch under ER blockade, an aromatase or CDK4/6 inhibitor) acts on it "
        "(patients/endocrine_resistance.py)",
        0.0,
        "dimensionless",
        0.0,
        0.4,
        ["smith2020poetic", "dowsett2005", "assumption"],
        "Between-patient endocrine sensitivity reduced to two classes (resistant, sensitive). POETIC (Smith 2020): "
        "after 2 weeks of an aromatase inhibitor a minority of ER+ tumours keep a high Ki-67 (≥ 10 %), with the "
        "worst outcome; IMPACT (Dowsett 2005) likewise. The share (about a fifth to a third of ER+/HER2− tumours) "
        "is recalled, not read in the sources here: an assumption within the prior 0–0.4.",
    ),
    urec(
        "endocrine_acquired_resistance_per_year",
        "λ_R",
        "Hazard that an endocrine-sensitive ER+ patient's disease becomes endocrine-resistant (acquired "
        "resistance), years from diagnosis (therapy starts then)",
        0.0,
        "1 / year",
        0.0,
        0.3,
        ["assumption"],
        "Acquired resistance (ESR1 mutation, growth-factor escape) during years of adjuvant endocrine therapy; "
        "no direct adjuvant measurement: an assumption, prior 0–0.3 per year.",
    ),
    urec(
        "endocrine_response_sd_log",
        "σ_endo",
        "Between-patient SD of the log growth factor of ER+ foci on endocrine therapy (continuous endocrine "
        "response of the sensitive patients, patients/endocrine_resistance.py: endocrine_sensitivity); the "
        "eradication hazard is taken in proportion to the inhibition",
        0.0,
        "dimensionless",
        0.0,
        1.0,
        ["campone2023ameera4", "dowsett2005", "assumption"],
        "Seen (AMEERA-4, Campone 2023, table 2, letrozole arm, n = 29): Ki-67 after 14 days, geometric mean "
        "proportional change -77.7 % (ratio 0.223, analysed on the log scale), a fall of at least 50 % in 89.7 %. "
        "With a lognormal ratio, sigma = (ln 0.5 - ln 0.223) / z(0.897) = 0.808 / 1.265 = 0.64 (the 95 % CI of the "
        "geometric mean, 0.166-0.300, gives about 0.78). Derived before any check was run with it. Ki-67's change "
        "includes biopsy-to-surgery measurement noise and the non-responders that the de novo resistant fraction "
        "also carries, so the biological spread among the sensitive patients is likely smaller: an upper estimate. "
        "Ki-67 taken to scale with the growth rate (as for aromatase_inhibitor_extra_inhibition). Prior 0-1. "
        "SHIPPED AT 0 (the all-or-none response of calibration run 9; every cohort bit-identical to run 12) until "
        "the 43 calibration targets and the eight care checks have been rerun at the sourced 0.64 "
        "(docs/calibration-run-13/README.md: at 0.64 the EBCTCG 2011 periods hold at 10k and MA.17 moves up; the "
        "Pan 2017, Braun and the other care checks were not rerun for lack of CPU).",
    ),
    urec(
        "endocrine_independent_focus_fraction",
        "q_ind",
        "Probability that a colony founded by a DTC of an ER+ patient is endocrine-independent (an ER-negative or "
        "ER-independent subclone of her disseminated population): no endocrine effect, nor a regimen's growth factor "
        "or ER inhibition, acts on that focus or its founding (patients/natural_history.py, per-focus endocrine "
        "independence)",
        0.0,  # shipped at 0; the sourced value is 0.225 (note)
        "dimensionless",
        0.0,
        0.30,
        ["schrijver2018", "fehm2008er", "jaeger2015dtc", "assumption"],
        "Seen (Schrijver 2018, JNCI meta-analysis of 39 studies of paired primaries and distant metastases, "
        "abstract): ER positive-to-negative conversion pooled 22.5 % (95 % CI 16.4-30.0 %); bone metastases more "
        "discordant than liver (29.3 % vs 14.3 %). Taken as the share of an ER+ patient's foci that are "
        "endocrine-independent when they are founded. An upper estimate: the metastases measured were selected by "
        "the adjuvant endocrine therapy the patients had (which removes sensitive foci and enriches the "
        "independent ones) and the assays' discordance includes measurement error (negative-to-positive conversion "
        "21.5 %). The marrow DTCs themselves are far more often ER-negative by immunocytochemistry (Fehm 2008, "
        "abstract seen: ER+ DTCs in 12 % of 105 DTC-positive patients, in 11 of 83 with an ER+ primary; Jager 2015, "
        "abstract seen: 39 of 42 patients with an ER+ primary had at least one ER-negative DTC, 34 of 42 at least "
        "one ER+ DTC): dormant cells' ER staining is not taken as their lineage's endocrine dependence, since "
        "tamoxifen halves distant recurrence (EBCTCG 2011). Prior uniform 0 to the conversion's upper CI limit 0.30. "
        "The sourced value 0.225 was fixed before any check was run with it; MA.17, monarchE and the other trials "
        "checked are not used. SHIPPED AT 0 (every cohort bit-identical to the model without it): at 0.225 "
        "(docs/calibration-run-14/README.md) MA.17 moves inside its CI (0.76 at 10k) but monarchE moves out "
        "(0.87 vs 0.59-0.77) and the EBCTCG 2011 periods 0-4 / 5-9 leave their targets (0.60 / 0.82 at 5k).",
    ),
    urec(
        "endocrine_independence_per_year",
        "λ_ind",
        "Hazard at which a dormant DTC of an ER+ patient becomes endocrine-independent, from diagnosis (the "
        "independent share of her dormant pool at t years is 1 - (1 - q_ind) exp(-λ_ind t); a colony founded by an "
        "independent cell is an endocrine-independent focus as for q_ind; patients/natural_history.py)",
        0.0,  # shipped at 0; the derived upper value is 0.113 per year (note)
        "1/year",
        0.0,
        0.15,
        ["schrijver2018", "spataro1992", "fribbens2018", "assumption"],
        "No source gives a per-year rate at which dormant cells acquire endocrine independence. Derived upper "
        "value 0.113 per year: if all of Schrijver 2018's pooled ER positive-to-negative conversion of distant "
        "metastases (22.5 %) were acquired at a constant rate over Spataro 1992's median interval between the "
        "primary's and the relapse's ER assays (27 months), lambda = -ln(1 - 0.225) / 2.25 y = 0.113 / y. The "
        "timing data contradict a constant acquisition: in Spataro 1992 (IBCSG, 401 patients, abstract seen) ER+ "
        "to ER- conversion was more frequent when the interval was under one year (p = 0.004) and adjuvant "
        "treatment between the assays had only a slight influence; ESR1 mutations, the best known acquired "
        "ER-independence, are rare in primaries and arise under aromatase inhibition of advanced disease "
        "(Fribbens 2018, abstract seen: 22 of 39 progressing on first-line AI). Prior uniform 0-0.15. SHIPPED AT 0 "
        "(every cohort bit-identical to the model without it); calibration run 15 (docs/calibration-run-15) ran "
        "the checks at 0.113. MA.17, monarchE and the other trials checked are not used.",
    ),
]

# ---------------------------------------------------------------- recurrences not from DTCs (patients/locoregional.py)
LOCAL_SOURCES = ["ebctcg2014", "wang2020lrr", "lu2013lrr", "colleoni2016", "assumption"]
records += [
    rec(
        "locoregional_per_year_n0",
        "h_LR,N0",
        "Hazard of locoregional recurrence (chest wall, regional nodes) in years 0–5 after mastectomy without "
        "radiotherapy, node-negative ER+ patient, off endocrine therapy",
        0.008,
        "1 / year",
        0.002,
        0.03,
        LOCAL_SOURCES,
        "IBCSG I–V (1978–85; Colleoni 2016's cohort) treated by mastectomy, mostly without radiotherapy. Wang 2020: "
        "5-year locoregional recurrence 3.9 % after mastectomy without radiotherapy in pT1–2N0 (modern era); EBCTCG "
        "2014: radiotherapy did not change locoregional recurrence after axillary dissection in pN0 (so it is low). "
        "0.8 %/year gives ~4 % in 5 years. The IBCSG's own site-specific rates (Wallgren et al. 2003) were not "
        "read. Not fitted. Prior 0.2–3 %/year.",
    ),
    rec(
        "locoregional_per_year_n1_3",
        "h_LR,N1",
        "Hazard of locoregional recurrence in years 0–5 after mastectomy without radiotherapy, 1–3 positive nodes "
        "(ER+, off endocrine therapy)",
        0.02,
        "1 / year",
        0.007,
        0.06,
        LOCAL_SOURCES,
        "Lu 2013: 7.2 % at 5 years and 10.7 % at 8 years in T1–2N1 after mastectomy without radiotherapy, with "
        "modern systemic therapy (the 1978–85 era's is taken higher); EBCTCG 2014: radiotherapy strongly reduced "
        "locoregional recurrence with 1–3 positive nodes. 2 %/year gives ~10 % in 5 years (an assumption). Not "
        "fitted. Prior 0.7–6 %/year.",
    ),
    rec(
        "locoregional_per_year_n4_plus",
        "h_LR,N4",
        "Hazard of locoregional recurrence in years 0–5 after mastectomy without radiotherapy, 4 or more positive "
        "nodes (ER+, off endocrine therapy)",
        0.045,
        "1 / year",
        0.015,
        0.12,
        LOCAL_SOURCES,
        "Locoregional recurrence rises with the number of positive nodes (EBCTCG 2014: the largest absolute "
        "radiotherapy benefit with 4+ nodes). 4.5 %/year gives ~20 % in 5 years (an assumption). Not fitted. "
        "Prior 1.5–12 %/year.",
    ),
    rec(
        "locoregional_fold_er_negative",
        "f_LR,ER",
        "Fold change of the locoregional recurrence hazard for an ER- against an ER+ tumour",
        1.5,
        "dimensionless",
        1.0,
        3.0,
        ["wang2020lrr", "lu2013lrr", "assumption"],
        "Wang 2020: ER- and PR-negative tumours HR 1.485 for locoregional recurrence after mastectomy without "
        "radiotherapy (pT1–2N0); Lu 2013: ER negativity an independent risk factor in T1–2N1. Taken for every "
        "nodal stage and time (an assumption). Not fitted. Prior 1–3.",
    ),
    urec(
        "locoregional_ratio_years_5_10",
        "r_LR,5",
        "Locoregional recurrence hazard in years 5–10 relative to years 0–5",
        0.3,
        "dimensionless",
        0.1,
        0.6,
        ["geurts2017", "assumption"],
        "Geurts 2017: local, regional and distant first recurrences share one time pattern, highest in year 2 and "
        "falling after; most locoregional recurrences after mastectomy come in the first 5 years (widely quoted, "
        "not checked here). With 0.3 and 0.1 after year 10, ~74 % of the 15-year risk falls in years 0–5. Not "
        "fitted. Prior 0.1–0.6.",
    ),
    urec(
        "locoregional_ratio_after_10_years",
        "r_LR,10",
        "Locoregional recurrence hazard after year 10 relative to years 0–5",
        0.1,
        "dimensionless",
        0.02,
        0.4,
        ["geurts2017", "assumption"],
        "See the ratio for years 5–10; late locoregional recurrences are rare but occur. Not fitted. Prior 0.02–0.4.",
    ),
    rec(
        "contralateral_per_year_er_positive",
        "h_CBC+",
        "Hazard of a contralateral invasive breast cancer after an ER+ first cancer, off endocrine therapy "
        "(constant over time since diagnosis)",
        0.0045,
        "1 / year",
        0.002,
        0.008,
        ["giannakeas2021", "nichols2011", "sandberg2012"],
        "Giannakeas 2021 (SEER 1990–2015): annual risk ~0.37 %, persisting over 25 years; 25-year actuarial risk "
        "9.5 % after an ER+ first cancer, i.e. −ln(1 − 0.095)/25 = 0.40 %/year, in a population partly on "
        "endocrine therapy, which lowers it (Nichols 2011: the fall after 1985 is restricted to ER+ first cancers; "
        "Sandberg 2012: SIR 1.74 with hormone therapy against 2.30 for all ER+). Untreated (the IBCSG 1978–85 era, "
        "before the decline): 0.45 %/year. Not fitted. Prior 0.2–0.8 %/year.",
        evidence="derived",
    ),
    rec(
        "contralateral_per_year_er_negative",
        "h_CBC−",
        "Hazard of a contralateral invasive breast cancer after an ER- first cancer (constant over time)",
        0.0048,
        "1 / year",
        0.002,
        0.008,
        ["giannakeas2021", "nichols2011"],
        "Giannakeas 2021: 25-year actuarial risk 11.2 % after an ER- first cancer, −ln(1 − 0.112)/25 = 0.475 "
        "%/year; Nichols 2011: no clear decline over calendar time after ER- cancers. Not fitted. Prior 0.2–0.8 "
        "%/year.",
        evidence="derived",
    ),
    urec(
        "endocrine_local_reduction",
        "ε_LC",
        "Fractional reduction of the locoregional and contralateral hazards of an ER+ patient while on endocrine "
        "therapy",
        0.4,
        "dimensionless",
        0.0,
        0.7,
        ["sandberg2012", "nichols2011", "assumption"],
        "Endocrine therapy lowers contralateral breast cancer (Sandberg 2012: SIR 1.74 on hormone therapy against "
        "2.30 for all ER+ first cancers; Nichols 2011: the decline after 1985 restricted to ER+) and local "
        "recurrence (assumed to the same degree). Applied only while taken. Not fitted. Prior 0–0.7.",
    ),
]

# ---------------------------------------------------------------- metastatic course (patients/metastatic_course.py)
records += [
    urec(
        "bone_after_visceral_probability",
        "p_B|V",
        "Probability that a patient whose first distant metastasis is not in bone develops a bone metastasis during "
        "the metastatic course (beside the model's own later marrow foci)",
        0.46,
        "dimensionless",
        0.25,
        0.65,
        ["solomayer2000", "coleman1987"],
        "Solomayer 2000 (648 patients with metastatic breast cancer): bone the first metastatic site in 46 %, bone "
        "metastases at some time in 71 %, so (0.71 − 0.46)/(1 − 0.46) = 0.46 of those whose first site was not "
        "bone developed bone metastases later, before death for most. Coleman 1987: 69 % of patients dying of "
        "breast cancer had bone metastases. Independent of subtype (an assumption). Not fitted. Prior 0.25–0.65.",
        evidence="derived",
    ),
    rec(
        "bone_after_visceral_delay_years",
        "m_B|V",
        "Mean delay from a first distant metastasis elsewhere to a bone metastasis from the metastatic course "
        "(exponential)",
        0.75,
        "year",
        0.25,
        2.0,
        ["solomayer2000", "coleman1987", "assumption"],
        "Median survival after a first visceral metastasis 12 months (Solomayer 2000; 3 months after a first relapse "
        "in the liver, Coleman 1987): bone metastases found during that course come within about a year, and an "
        "exponential delay with mean 0.75 year puts 74 % of them within 1 year (median 0.52 year). The model has "
        "no deaths, so no death competes with the delay. An assumption. Not fitted. Prior 0.25–2 years.",
    ),
]

# ---------------------------------------------------------------- metastatic sites (patients/sites.py)
# Kaplan 2016 (Breast Care 11:248; 1,350 patients with a distant relapse after curative surgery, Turkey 1998-2012):
# percent of relapsed patients with each site at the distant relapse, by subtype (several sites per patient allowed).
_KAPLAN_SITES = {  # subtype key: (lung, liver, brain) percent; luminal A for ER+/HER2-, HER2-overexpressing for HER2+
    "er_pos_her2_neg": (30.2, 24.5, 10.1),
    "her2_pos": (35.2, 40.1, 25.3),
    "tn": (41.4, 27.5, 23.1),
}
_OTHER_VISCERAL_SHARE = 0.15
for _key, _pcts in _KAPLAN_SITES.items():
    _named = dict(zip(("lung", "liver", "brain"), _pcts, strict=True))
    _shares = {site: round((1.0 - _OTHER_VISCERAL_SHARE) * pct / sum(_pcts), 3) for site, pct in _named.items()}
    _shares["brain"] = round(1.0 - _OTHER_VISCERAL_SHARE - _shares["lung"] - _shares["liver"], 3)  # sum exactly 1
    for _site, _pct in _named.items():
        _share = _shares[_site]
        records.append(
            urec(
                f"visceral_share__{_key}__{_site}",
                f"w_{_site}",
                f"Share of the DTCs seeded outside the marrow that lodge in the {_site} ({_key})",
                _share,
                "dimensionless",
                0.0,
                1.0,
                ["kaplan2016", "assumption"],
                f"Kaplan 2016: {_pct} % of relapsed patients of this subtype had {_site} metastases at the distant "
                f"relapse (lung/liver/brain {_pcts[0]}/{_pcts[1]}/{_pcts[2]} %); the shares of lung, liver and brain "
                f"are in these proportions, scaled to 1 − {_OTHER_VISCERAL_SHARE} (the other visceral sites). Site "
                "tropism at seeding is the model's only site-specific quantity: dormancy and growth rates are the "
                "same in every visceral site (no source gives them by site). HER2+ uses the HER2-overexpressing "
                "(ER−) figures for both ER halves. Set from the source, not fitted; the first-site target then "
                "checks bone against visceral (patients/sites.py).",
                evidence="derived",
            )
        )
    records.append(
        urec(
            f"visceral_share__{_key}__other",
            "w_other",
            f"Share of the DTCs seeded outside the marrow that lodge in other visceral sites ({_key}: distant "
            "nodes, pleura, peritoneum, skin)",
            _OTHER_VISCERAL_SHARE,
            "dimensionless",
            0.0,
            0.5,
            ["assumption"],
            "Kaplan 2016 lists only bone, liver, lung and brain; in a smaller series the other organs were the "
            "first site in 7.6 % against 43.5 % for lung, liver and brain together (0.15 of visceral first sites). "
            "An assumption; prior 0–0.5.",
        )
    )
    records.append(
        rec(
            f"other_site_seeding_factor__{_key}",
            "f_oth",
            f"Multiplier of the other-organ seeding ratio ρ_oth for this subtype ({_key})",
            1.0,
            "dimensionless",
            0.2,
            5.0,
            ["kaplan2016", "assumption"],
            "Subtypes differ in how many of their disseminated cells lodge outside the marrow (bone 66 % of "
            "relapses in luminal A against 39-45 % in HER2-overexpressing and triple-negative disease, Kaplan "
            "2016). Calibrated to the first-site target (patients/sites.py). Prior 0.2–5.",
        )
    )
records.append(
    rec(
        "staging_detection_cells",
        "X_stage",
        "Smallest distant focus that the staging work-up at a first distant recurrence finds (CT, bone scan)",
        1.0e8,
        "dimensionless",
        1.0e7,
        1.0e9,
        ["eisenhauer2009", "assumption"],
        "RECIST 1.1 (Eisenhauer 2009): lesions ≥ 10 mm on CT are measurable and smaller ones are recorded as "
        "non-measurable disease; a focus of about 5-6 mm (≈ 1e8 cells at 1e9 cells/cm³) is taken as the smallest "
        "the staging after a first distant recurrence finds, so every site with such a focus counts as involved "
        "at the recurrence. An assumption; prior 1e7–1e9.",
    )
)

# ---------------------------------------------------------------- niche input levels for the switch
NICHES = {
    "endosteal": (
        "endosteal (osteoblastic) marrow niche",
        1.0,
        {"GAS6": 0.6, "WNT5A": 0.6, "O2": 0.3, "MIR222_223": 0.5, "NK_CYTOKINES": 0.1},
        "Osteoblasts and MSCs secrete TGF-β2, BMP7, GAS6, Wnt5a; hypoxic (review [61–69], Fig. 2); MSC exosomes "
        "(review [58, 59]).",
        ["review:61", "review:64", "review:66", "review:205", "review:59"],
    ),
    "perivascular_stable": (
        "perivascular niche of stable microvasculature",
        0.5,
        {"TSP1": 0.8, "O2": 0.8, "MIR222_223": 0.5, "NK_CYTOKINES": 0.1},
        "Stable microvasculature secretes thrombospondin-1 (review [55]); better oxygenated. Marrow MSCs are "
        "perivascular (NG2+/Nestin+ MSCs around arterioles, review [62]; CXCL12-rich reticular stroma around "
        "sinusoids, biology.md homing axes [19-25]), so their exosomal miR-222/223 reach this niche as the endosteal "
        "one (review [49, 58-60]).",
        ["review:55", "review:62", "review:58", "review:60"],
    ),
    "perivascular_sprouting": (
        "perivascular niche of sprouting neovascular tips",
        0.5,
        {"POSTN": 0.8, "TGFB1": 0.6, "O2": 0.6, "NK_CYTOKINES": 0.1},
        "Sprouting tips secrete periostin and TGF-β1, driving escape (review [55]). No MSC exosomal miR-222/223: "
        "nascent sprouts lack the mural (pericyte/MSC) coverage of mature vessels (an assumption).",
        ["review:55"],
    ),
    "other_marrow": (
        "other marrow (haematopoietic cords, away from bone and vessels)",
        0.5,
        {"O2": 0.5, "MIR222_223": 0.5, "NK_CYTOKINES": 0.1},
        "Neither osteoblastic nor perivascular; moderate hypoxia (Spencer 2014 in models.md §4). Marrow MSCs "
        "(reticular stromal cells) are spread through the marrow, as in the niche model (msc_fraction of marrow "
        "voxels), and their exosomes diffuse, so miR-222/223 reach every marrow niche (review [49, 58-60]).",
        ["review:66", "review:58", "review:60"],
    ),
    "other_site": (
        "other distant organs (lung, liver, brain), lumped",
        0.0,
        {"TGFB2": 0.25, "BMP7": 0.25, "TGFB1": 0.1, "O2": 0.5, "NK_CYTOKINES": 0.2},
        "No bone matrix: TGF-β2/BMP and TGF-β1 at the levels other marrow reads without osteoclast factors, so "
        "cells can fall dormant as DTCs do in lung and liver (review [55]); more NK surveillance than marrow, "
        "which is rich in Tregs and MDSCs (review [54, 84]). Arrival next to sprouting vessels uses the marrow's "
        "sprouting fraction.",
        ["review:54", "review:84", "review:55"],
    ),
}
COMMON = {"FIBRONECTIN": 0.6, "NUTRIENTS": 0.6}
#: Switch inputs every niche has a level record of (dormancy.coupling.vocabulary.NICHE_LEVEL_INPUTS; tested equal).
NICHE_LEVEL_INPUTS = (
    "TGFB2",
    "BMP7",
    "TGFB1",
    "OSTEOCLAST_FACTORS",
    "GAS6",
    "WNT5A",
    "O2",
    "TSP1",
    "POSTN",
    "FIBRONECTIN",
    "NK_CYTOKINES",
    "MIR222_223",
    "NUTRIENTS",
)
RESORPTION_REACH = {
    "endosteal": 1.0,
    "perivascular_stable": 0.3,
    "perivascular_sprouting": 0.3,
    "other_marrow": 0.3,
    "other_site": 0.0,
}
for niche, (where, weight, levels, why, sources) in NICHES.items():
    records.append(
        urec(
            f"niche_{niche}__bone_signal_weight",
            f"w_{niche}",
            f"Weight of the bone model's niche signals (TGF-β2, BMP7, TGF-β1, osteoclast factors) in the {where}",
            weight,
            "dimensionless",
            0.0,
            1.0,
            [*sources, "assumption"],
            f"{why} Bone-derived signals act fully at the bone surface and are diluted away from it. Prior 0–1.",
        )
    )
    records.append(
        urec(
            f"niche_{niche}__resorption_reach",
            f"ρ_{niche}",
            f"Exposure of a DTC in the {where} to the bone's resorbing fronts, relative to the endosteal surface",
            RESORPTION_REACH[niche],
            "dimensionless",
            0.0,
            1.0,
            ["assumption", "lawson2015"],
            "The fraction of the endosteal surface's resorption exposure (bone_lifetime.resorption_surface_fraction) "
            "that a DTC here sees: 1 on the bone surface by definition; away from it osteoclast-derived factors and "
            "released TGF-β reach the cells within diffusion range of a remodelling site, and in cancellous marrow "
            "much of the marrow lies within about 100 µm of a bone surface; none outside bone. An assumption; "
            "prior 0–1.",
        )
    )
    for node in NICHE_LEVEL_INPUTS:
        level = {**COMMON, **levels}.get(node, 0.0)
        made = (
            f"{why} Level an assumption (the tissue scale resolves it)."
            if node in {**COMMON, **levels}
            else (f"Not made in the {where}: level 0 (a record all the same, so that a forgotten one is an error).")
        )
        records.append(
            urec(
                f"niche_{niche}__{node}",
                f"{node}_{niche}",
                f"Level of the switch input {node} in the {where} (added to the weighted bone signal, clipped to 1)",
                level,
                "dimensionless",
                0.0,
                1.0,
                [*sources, "assumption"],
                f"{made} Prior 0–1.",
            )
        )

# ---------------------------------------------------------------- calibration (tools/fit_patients.py; run 4)
#: Values fitted by Nelder–Mead to every calibration target (docs/calibration-run-4/README.md); they replace the
#: values above, which stay in each record's note as the value before calibration.
CALIBRATED: dict[str, float] = {
    "seeding_mean_reference": 78290.0,
    "seeding_dispersion": 3.249,
    "niche_fraction_perivascular_sprouting": 0.002098,
    "other_site_seeding_ratio": 0.4625,
    "awakening_scale_er_negative": 1.1e-05,
    "awakening_scale_er_positive": 0.0005722,
    "dormant_death_scale": 0.04998,
    "clonogenic_fraction": 0.001009,
    "immune_kill_rate": 0.04374,
    "growth_rate_er_negative": 0.007167,
    "growth_rate_er_positive": 0.005513,
    "angiogenic_switch_per_year": 0.09041,
    "dormant_death_ratio_er_positive": 0.6679,
    "seeding_fold_n1_3": 1.524,
    "seeding_fold_n4_9": 2.853,
    "seeding_fold_n10": 9.819,
    "seeding_fold_t2": 1.388,
    "seeding_fold_er_negative": 1.066,
    "endocrine_growth_inhibition": 0.7408,
    "endocrine_eradication_per_year": 0.7797,
    "endocrine_resistant_fraction": 0.1814,
    "endocrine_acquired_resistance_per_year": 0.01342,
    "focus_immune_elimination_per_year": 0.1799,
    "dissemination_window_years": 1.423,
    "growth_rate_cv_er_negative": 0.5982,
    "growth_rate_cv_er_positive": 0.5683,
    "awakening_cv": 0.3675,
    "niche_fraction_endosteal": 0.1312,
    "niche_fraction_perivascular_stable": 0.3661,
    "other_site_seeding_factor__er_pos_her2_neg": 1.285,
    "other_site_seeding_factor__her2_pos": 4.865,
    "other_site_seeding_factor__tn": 3.641,
}
CALIBRATION_NOTE = (
    "Fitted (calibration runs 4, 6, 8 and 9, docs/calibration-run-6/README.md, docs/calibration-run-8/README.md, "
    "docs/calibration-run-9/README.md): "
    "Nelder–Mead with common random numbers "
    "on the tolerance-normalised distance to every target of src/dormancy/patients/data/calibration_targets.yaml "
    "(Colleoni 2016 hazards of any recurrence by ER status, Pan 2017 20-year distant recurrence after 5 years of "
    "endocrine therapy, Braun 2005 DTC prevalence and outcome ratio, Willis 2010 escape statistics, bone share and "
    "incidence, EBCTCG 2011 tamoxifen rate ratios by period; first distant site by subtype, Kaplan 2016); no trial "
    "outcome is a target. Value before "
    "calibration {before:.4g}."
)
for record in records:
    if record["symbol"] in CALIBRATED:
        before = record["value"]
        record["value"] = CALIBRATED[record["symbol"]]
        record["evidence"] = "derived"
        sources = record["source"] if isinstance(record["source"], list) else [record["source"]]
        record["source"] = list(dict.fromkeys([*sources, "colleoni2016", "pan2017", "braun2005", "willis2010"]))
        record["note"] = f"{CALIBRATION_NOTE.format(before=before)} {record['note']}"
        low, high = record["prior"]["low"], record["prior"]["high"]
        if not low <= record["value"] <= high:
            raise SystemExit(f"{record['symbol']}: fitted value {record['value']} outside its prior {low}–{high}")
unknown = set(CALIBRATED) - {record["symbol"] for record in records}
if unknown:
    raise SystemExit(f"CALIBRATED names unknown symbols: {sorted(unknown)}")

doc = dict(
    set=NAME,
    model="patients",
    description="Natural history of disseminated tumour cells in a virtual patient over decades: seeding, niches, "
    "awakening, micrometastasis growth, immune and angiogenic control, detection, standard care (documented "
    "assumptions with ranges; free parameters calibrated against Colleoni 2016, Pan 2017 and Braun 2005).",
    parameters=records,
)
header = "# Generated by tools/make_patient_parameters.py; edit that script, not this file.\n"
write_set(SETS / f"{NAME}.yaml", header, doc)
