"""Generate ``src/dormancy/params/data/bibliography.yaml`` from the review's reference list.

The review is Price ML, Zhou J, Le Maitre CL, Quayle LA, Ottewell PD (2026) Mechanisms of breast cancer
dormancy in bone metastasis. Clin Exp Metastasis 43:31. Its full text (a plain-text/markdown rendering, as
kept in the project's shared seeds) is read from the path given on the command line; the reference list
starts at the line ``References``. Entries 1-8 are bullets without numbers (``- Chaffer CL ...``), the rest
are numbered (``9. Sosa MS ...``). Each becomes a ``review:N`` key; the script fails unless exactly the
references 1..205 are found, each once, in order.

The non-review sources (the models the package encodes, trials, tools, and the ``assumption`` key) are
curated by hand in :data:`MANUAL_ENTRIES` below, so that rerunning the script reproduces the whole file. To
add a source, add it there and rerun::

    python tools/make_bibliography.py /work/shared/seeds/003_049a33233b793b78.txt
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

REVIEW_SIZE = 205
"""Number of references in the review's list."""

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src" / "dormancy" / "params" / "data" / "bibliography.yaml"

FIELDS = ("authors", "year", "title", "journal", "citation", "doi", "url", "pmid", "note")
"""Fields every entry carries, in output order (``review_number`` and ``aliases`` follow when present)."""

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
    "tau": "τ",
    "omega": "ω",
}
GREEK_LETTERS = "".join(GREEK.values())

# Fixes of text-extraction artefacts in the printed list (not of the authors' own wording).
ARTEFACT_FIXES: Mapping[int, tuple[str, str]] = {
    64: ("Carcinomas1", "Carcinomas"),  # footnote marker glued to the last word of the title
}

# Remarks on entries whose printed text is incomplete or evidently garbled; kept as printed otherwise.
REVIEW_NOTES: Mapping[int, str] = {
    15: "Page range printed as 257–512, which is implausible for this article; check before relying on it.",
    16: "Page range printed as 477–640, which is implausible for this article; check before relying on it.",
    18: "Author printed as 'Ottewill PD'; the review's author is Ottewell PD.",
    32: "Second author printed as 'Bex G' (likely Berx G).",
    43: "Printed without volume or pages; only the DOI is given.",
    45: "Article number printed as 'eaa4157', a letter short of the Sci Adv form (ea + 2 letters + digits).",
    64: "The printed title ends in 'Carcinomas1' (a footnote marker); cleaned here.",
    66: "Second author printed as 'Lleona M' (likely Lleonart ME).",
    80: "Title printed with the typo 'immunoeediting' (immunoediting); kept as printed.",
    113: "Journal printed as 'Medicina (Mex)'; volume 61 (2025) fits the MDPI journal Medicina (Kaunas).",
    114: "Clinical-trial registration (ClinicalTrials.gov NCT01077154), not a journal article.",
    136: "'PIGF' as printed; the factor is PlGF (placental growth factor).",
    145: "Author printed as 'Ottewill P'; the review's author is Ottewell PD.",
    154: "Book chapter, in: Ahmad A (ed); the journal field holds the book's title.",
    170: "First author printed as 'Touny LHE' (El Touny LH).",
    174: "A footnote asterisk after the title's last word is removed.",
    193: "Printed with a volume but no pages; its topic (UK Biobank sequencing data) is far from dormancy.",
}

# Aliases: other keys under which a review reference is also cited.
ALIASES: Mapping[int, tuple[str, ...]] = {
    48: ("dai2024",),
}

MANUAL_ENTRIES: Mapping[str, Mapping[str, object]] = {
    "price2026": {
        "authors": "Price ML, Zhou J, Le Maitre CL, Quayle LA, Ottewell PD",
        "year": 2026,
        "title": "Mechanisms of breast cancer dormancy in bone metastasis",
        "journal": "Clin Exp Metastasis",
        "citation": "43:31",
        "url": "https://shura.shu.ac.uk/37519/",
        "note": "The review whose reference list is keyed review:N here (full text from the SHURA archive).",
    },
    "komarova2003": {
        "authors": "Komarova SV, Smith RJ, Dixon SJ, Sims SM, Wahl LM",
        "year": 2003,
        "title": (
            "Mathematical model predicts a critical role for osteoclast autocrine regulation in the control "
            "of bone remodeling"
        ),
        "journal": "Bone",
        "citation": "33:206–215",
        "doi": "10.1016/S8756-3282(03)00157-1",
        "pmid": "14499354",
    },
    "biomodels:BIOMD0000000148": {
        "authors": "Dharuri H",
        "year": 2007,
        "title": "BIOMD0000000148: Komarova2003_BoneRemodeling",
        "journal": "BioModels Database",
        "url": "https://www.ebi.ac.uk/biomodels/BIOMD0000000148",
        "note": (
            "SBML encoding of Komarova et al. 2003 (komarova2003); the year is that of the encoding. The "
            "curators' notes say it corrects a typo in the paper's steady-state formula for osteoblasts "
            "(x2_bar)."
        ),
    },
    "ayati2010": {
        "authors": "Ayati BP, Edwards CM, Webb GF, Wikswo JP",
        "year": 2010,
        "title": (
            "A mathematical model of bone remodeling dynamics for normal bone cell populations and myeloma bone disease"
        ),
        "journal": "Biol Direct",
        "citation": "5:28",
        "doi": "10.1186/1745-6150-5-28",
        "pmid": "20406449",
    },
    "biomodels:BIOMD0000000402": {
        "authors": "Chelliah V, Ayati BP",
        "year": 2011,
        "title": "BIOMD0000000402: Ayati2010_BoneRemodelingDynamics_WithTumour",
        "journal": "BioModels Database",
        "url": "https://www.ebi.ac.uk/biomodels/BIOMD0000000402",
        "note": (
            "SBML encoding of Ayati et al. 2010 (ayati2010), zero-dimensional bone model with tumour; the "
            "year is that of the encoding. Its README says the paper's typos in Eqs 4, 13 and 14 are "
            "corrected, with the authors' agreement."
        ),
    },
    "biomodels:BIOMD0000000403": {
        "authors": "Chelliah V, Ayati BP",
        "year": 2011,
        "title": "BIOMD0000000403: Ayati2010_BoneRemodelingDynamics_WithTumour+DrugTreatment",
        "journal": "BioModels Database",
        "url": "https://www.ebi.ac.uk/biomodels/BIOMD0000000403",
        "note": (
            "SBML encoding of Ayati et al. 2010 (ayati2010), zero-dimensional bone model with tumour and "
            "drug treatment; the year is that of the encoding. Carries the same corrections of Eqs 4, 13 "
            "and 14 as BIOMD0000000402."
        ),
    },
    "lemaire2004": {
        "authors": "Lemaire V, Tobin FL, Greller LD, Cho CR, Suva LJ",
        "year": 2004,
        "title": "Modeling the interactions between osteoblast and osteoclast activities in bone remodeling",
        "journal": "J Theor Biol",
        "citation": "229:293–309",
        "doi": "10.1016/j.jtbi.2004.03.023",
    },
    "pivonka2008": {
        "authors": "Pivonka P, Zimak J, Smith DW, Gardiner BS, Dunstan CR, Sims NA, Martin TJ, Mundy GR",
        "year": 2008,
        "title": "Model structure and control of bone remodeling: a theoretical study",
        "journal": "Bone",
        "citation": "43:249–263",
        "doi": "10.1016/j.bone.2008.03.025",
    },
    "wittmann2009": {
        "authors": "Wittmann DM, Krumsiek J, Saez-Rodriguez J, Lauffenburger DA, Klamt S, Theis FJ",
        "year": 2009,
        "title": (
            "Transforming Boolean models to continuous models: methodology and application to T-cell receptor signaling"
        ),
        "journal": "BMC Syst Biol",
        "citation": "3:98",
        "doi": "10.1186/1752-0509-3-98",
    },
    "peterson2010": {
        "authors": "Peterson MC, Riggs MM",
        "year": 2010,
        "title": ("A physiologically based mathematical model of integrated calcium homeostasis and bone remodeling"),
        "journal": "Bone",
        "citation": "46:49–63",
        "doi": "10.1016/j.bone.2009.08.053",
    },
    "salmon2011": {
        "authors": "Salmon JK, Moraes MA, Dror RO, Shaw DE",
        "year": 2011,
        "title": "Parallel random numbers: as easy as 1, 2, 3",
        "journal": (
            "Proceedings of SC'11, International Conference for High Performance Computing, Networking, "
            "Storage and Analysis"
        ),
        "doi": "10.1145/2063384.2063405",
    },
    "colleoni2016": {
        "authors": "Colleoni M et al",
        "year": 2016,
        "title": (
            "Annual hazard rates of recurrence for breast cancer during 24 years of follow-up: results from "
            "the International Breast Cancer Study Group trials I to V"
        ),
        "journal": "J Clin Oncol",
        "citation": "34:927–935",
        "pmid": "26786933",
    },
    "ebctcg2014": {
        "authors": "EBCTCG (Early Breast Cancer Trialists' Collaborative Group); McGale P et al",
        "year": 2014,
        "title": (
            "Effect of radiotherapy after mastectomy and axillary surgery on 10-year recurrence and 20-year breast "
            "cancer mortality: meta-analysis of individual patient data for 8135 women in 22 randomised trials"
        ),
        "journal": "Lancet",
        "citation": "383:2127–2135",
        "doi": "10.1016/S0140-6736(14)60488-8",
        "pmid": "24656685",
        "note": (
            "Women randomised 1964–86 to radiotherapy or not after mastectomy and axillary surgery: radiotherapy "
            "did not change locoregional recurrence after axillary dissection with no positive nodes, and reduced "
            "it strongly with 1–3 and 4+ positive nodes (abstract read; the 10-year percentages were not read here)."
        ),
    },
    "ebctcg2012": {
        "authors": "EBCTCG (Early Breast Cancer Trialists' Collaborative Group)",
        "year": 2012,
        "title": (
            "Comparisons between different polychemotherapy regimens for early breast cancer: meta-analyses of "
            "long-term outcome among 100 000 women in 123 randomised trials"
        ),
        "journal": "Lancet",
        "citation": "379:432–444",
        "doi": "10.1016/S0140-6736(11)61625-5",
        "pmid": "22152853",
        "note": (
            "Abstract read (PMC3273723): breast cancer mortality RR 0.86 (SE 0.04) adding four taxane cycles to a "
            "fixed anthracycline control; standard 4AC vs no chemotherapy RR 0.78 (SE 0.09), CAF 0.64 (SE 0.09). "
            "A check of the modern care (dormancy.patients.care_checks), not a target."
        ),
    },
    "ebctcg2015": {
        "authors": "EBCTCG (Early Breast Cancer Trialists' Collaborative Group)",
        "year": 2015,
        "title": (
            "Aromatase inhibitors versus tamoxifen in early breast cancer: patient-level meta-analysis of the "
            "randomised trials"
        ),
        "journal": "Lancet",
        "citation": "386:1341–1352",
        "doi": "10.1016/S0140-6736(15)61074-1",
        "note": (
            "Abstract read: 5 y AI vs 5 y tamoxifen, recurrence RR 0.64 (95 % CI 0.52–0.78) in years 0–1 and 0.80 "
            "(0.68–0.93) in years 2–4, non-significant after. A check, not a target."
        ),
    },
    "ebctcg2021": {
        "authors": "EBCTCG (Early Breast Cancer Trialists' Collaborative Group)",
        "year": 2021,
        "title": (
            "Trastuzumab for early-stage, HER2-positive breast cancer: a meta-analysis of 13 864 women in seven "
            "randomised trials"
        ),
        "journal": "Lancet Oncol",
        "citation": "22:1139–1150",
        "doi": "10.1016/S1470-2045(21)00288-6",
        "note": (
            "Abstract read (PMC8324484): recurrence RR 0.66 (95 % CI 0.62–0.71); mean scheduled treatment 14.4 "
            "months; median follow-up 10.7 years. A check, not a target."
        ),
    },
    "rastogi2024": {
        "authors": "Rastogi P, O'Shaughnessy J, Martin M, et al",
        "year": 2024,
        "title": (
            "Adjuvant abemaciclib plus endocrine therapy for hormone receptor-positive, HER2-negative, high-risk "
            "early breast cancer: results from a preplanned monarchE overall survival interim analysis, including "
            "5-year efficacy outcomes"
        ),
        "journal": "J Clin Oncol",
        "citation": "42:987–993",
        "doi": "10.1200/JCO.23.01994",
        "pmid": "38194616",
        "note": "Abstract read: IDFS HR 0.680 (95 % CI 0.599–0.772), DRFS HR 0.675 (0.588–0.774). A check.",
    },
    "johnston2020": {
        "authors": "Johnston SRD, Harbeck N, Hegg R, et al",
        "year": 2020,
        "title": (
            "Abemaciclib combined with endocrine therapy for the adjuvant treatment of HR+, HER2−, node-positive, "
            "high-risk, early breast cancer (monarchE)"
        ),
        "journal": "J Clin Oncol",
        "citation": "38:3987–3998",
        "doi": "10.1200/JCO.20.02514",
        "note": (
            "monarchE design: abemaciclib 150 mg twice daily for 2 years; eligibility 4+ nodes, or 1–3 with grade 3 "
            "or tumour ≥ 5 cm (or Ki-67 ≥ 20 %)."
        ),
    },
    "ellis2001": {
        "authors": "Ellis MJ, Coop A, Singh B, et al",
        "year": 2001,
        "title": (
            "Letrozole is more effective neoadjuvant endocrine therapy than tamoxifen for ErbB-1- and/or "
            "ErbB-2-positive, estrogen receptor-positive primary breast cancer: evidence from a phase III randomized "
            "trial"
        ),
        "journal": "J Clin Oncol",
        "citation": "19:3808–3816",
        "doi": "10.1200/JCO.2001.19.18.3808",
        "note": (
            "P024 biomarker analysis (abstract seen): 4 months of letrozole vs tamoxifen, postmenopausal; ER and/or "
            "PgR+ cases responded 60 % vs 41 %, ER+ with ErbB1 and/or ErbB2 88 % vs 21 %."
        ),
    },
    "eiermann2001": {
        "authors": "Eiermann W, Paepke S, Appfelstaedt J, et al",
        "year": 2001,
        "title": (
            "Preoperative treatment of postmenopausal breast cancer patients with letrozole: a randomized "
            "double-blind multicenter study"
        ),
        "journal": "Ann Oncol",
        "citation": "12:1527–1532",
        "note": (
            "P024 (n = 324 evaluable): objective response 55 % letrozole vs 36 % tamoxifen, breast-conserving surgery "
            "45 % vs 35 % (seen in a review's table, Breast Cancer Res 2020 22:77, and Ellis & Ma 2007)."
        ),
    },
    "huober2012": {
        "authors": "Huober J, Fasching PA, Barsoum M, et al",
        "year": 2012,
        "title": (
            "Higher efficacy of letrozole in combination with trastuzumab compared to letrozole monotherapy as "
            "first-line treatment in patients with HER2-positive, hormone-receptor-positive metastatic breast cancer "
            "- results of the eLEcTRA trial"
        ),
        "journal": "Breast",
        "citation": "21:27–33",
        "doi": "10.1016/j.breast.2011.07.006",
        "note": (
            "Abstract seen: median time to progression on letrozole alone 3.3 months in HER2+/HR+ (n = 31), 14.1 "
            "months with trastuzumab added, 15.2 months on letrozole in HER2−/HR+ (n = 35)."
        ),
    },
    "pagani2023": {
        "authors": "Pagani O, Walley BA, Fleming GF, et al",
        "year": 2023,
        "title": (
            "Adjuvant exemestane with ovarian suppression in premenopausal breast cancer: long-term follow-up of "
            "the combined TEXT and SOFT trials"
        ),
        "journal": "J Clin Oncol",
        "citation": "41:1376–1382",
        "doi": "10.1200/JCO.22.01064",
        "note": (
            "4,690 premenopausal women with ER/PgR+ early breast cancer, 5 years of exemestane + OFS vs tamoxifen + "
            "OFS, median follow-up 13 years (abstract seen): DFS HR 0.79 (95 % CI 0.70–0.90), distant "
            "recurrence-free interval HR 0.83 (0.70–0.98), OS HR 0.93 (0.78–1.11). A check, not a target."
        ),
    },
    "goss2005": {
        "authors": "Goss PE, Ingle JN, Martino S, et al",
        "year": 2005,
        "title": (
            "Randomized trial of letrozole following tamoxifen as extended adjuvant therapy in receptor-positive "
            "breast cancer: updated findings from NCIC CTG MA.17"
        ),
        "journal": "J Natl Cancer Inst",
        "citation": "97:1262–1271",
        "note": (
            "Median follow-up 30 months: DFS HR 0.58 (95 % CI 0.45–0.76), distant DFS HR 0.60 (0.43–0.84) (read in "
            "the eviQ summary and a citing abstract). A check, not a target."
        ),
    },
    "bear2003": {
        "authors": "Bear HD, Anderson S, Brown A, et al",
        "year": 2003,
        "title": (
            "The effect on tumor response of adding sequential preoperative docetaxel to preoperative doxorubicin "
            "and cyclophosphamide: preliminary results from NSABP Protocol B-27"
        ),
        "journal": "J Clin Oncol",
        "citation": "21:4165–4174",
        "doi": "10.1200/JCO.2003.12.005",
        "note": "Abstract read: pCR 13.7 % with AC vs 26.1 % with AC then docetaxel (n = 2411).",
    },
    "sledge2017": {
        "authors": "Sledge GW Jr, Toi M, Neven P, et al",
        "year": 2017,
        "title": (
            "MONARCH 2: abemaciclib in combination with fulvestrant in women with HR+/HER2- advanced breast cancer "
            "who had progressed while receiving endocrine therapy"
        ),
        "journal": "J Clin Oncol",
        "citation": "35:2875–2884",
        "doi": "10.1200/JCO.2017.73.7585",
        "note": (
            "Abstract read: 669 patients who progressed on (neo)adjuvant or first-line endocrine therapy, "
            "randomised 2:1; median PFS 16.4 vs 9.3 months, HR 0.553 (95 % CI 0.449–0.681)."
        ),
    },
    "ma2017": {
        "authors": "Ma CX, Gao F, Luo J, et al",
        "year": 2017,
        "title": (
            "NeoPalAna: neoadjuvant palbociclib, a cyclin-dependent kinase 4/6 inhibitor, and anastrozole for "
            "clinical stage 2 or 3 estrogen receptor-positive breast cancer"
        ),
        "journal": "Clin Cancer Res",
        "citation": "23:4055–4065",
        "doi": "10.1158/1078-0432.CCR-16-3206",
        "note": (
            "Abstract read: complete cell-cycle arrest 87 % after adding palbociclib vs 26 % on anastrozole alone "
            "(n = 50); 'an active antiproliferative agent for early-stage breast cancer resistant to anastrozole'."
        ),
    },
    "braun2000": {
        "authors": "Braun S, Kentenich C, Janni W, et al",
        "year": 2000,
        "title": (
            "Lack of effect of adjuvant chemotherapy on the elimination of single dormant tumor cells in bone "
            "marrow of high-risk breast cancer patients"
        ),
        "journal": "J Clin Oncol",
        "citation": "18:80–86",
        "doi": "10.1200/JCO.2000.18.1.80",
        "note": (
            "Title seen in a reference list; journal pages and the conclusion (adjuvant chemotherapy did not "
            "eliminate cytokeratin+ marrow cells) recalled."
        ),
    },
    "hartkopf2013": {
        "authors": "Hartkopf AD, Wallwiener M, Fehm TN, et al",
        "year": 2013,
        "title": (
            "The presence and prognostic impact of apoptotic and nonapoptotic disseminated tumor cells in the bone "
            "marrow of primary breast cancer patients after neoadjuvant chemotherapy"
        ),
        "journal": "Breast Cancer Res",
        "citation": "15:R94",
        "doi": "10.1186/bcr3496",
        "note": (
            "Abstract read: 167 of 400 patients (42 %) DTC+ after neoadjuvant chemotherapy; DTC status not "
            "correlated with the primary's response (pCR or clinical response, P = 0.557); DTC+ after it: relapse "
            "HR 1.87. Article number recalled."
        ),
    },
    "gianni2010": {
        "authors": "Gianni L, Eiermann W, Semiglazov V, et al",
        "year": 2010,
        "title": (
            "Neoadjuvant chemotherapy with trastuzumab followed by adjuvant trastuzumab versus neoadjuvant "
            "chemotherapy alone, in patients with HER2-positive locally advanced breast cancer (the NOAH trial)"
        ),
        "journal": "Lancet",
        "citation": "375:377–384",
        "doi": "10.1016/S0140-6736(09)61964-4",
        "note": "pCR 38 % vs 19 % (recalled; not read here: the 2014 follow-up abstract was).",
    },
    "georgoulias2012": {
        "authors": "Georgoulias V, Bozionelou V, Agelaki S, et al",
        "year": 2012,
        "title": (
            "Trastuzumab decreases the incidence of clinical relapses in patients with early breast cancer "
            "presenting chemotherapy-resistant CK-19mRNA-positive circulating tumor cells: results of a randomized "
            "phase II study"
        ),
        "journal": "Ann Oncol",
        "citation": "23:1744–1750",
        "doi": "10.1093/annonc/mds020",
        "pmid": "22377561",
        "url": "https://pubmed.ncbi.nlm.nih.gov/22377561/",
        "note": (
            "Abstract read: 75 women with HER2− primaries and CK19 mRNA+ CTCs before and after adjuvant "
            "chemotherapy; 89 % had HER2-expressing CTCs; CK19 mRNA-negative after trastuzumab in 27/36 (75 %) vs "
            "7/39 (17.9 %) on observation. The schedule (6 three-weekly infusions) is recalled, not seen. Its "
            "relapse outcome is not used."
        ),
    },
    "bozionellou2004": {
        "authors": "Bozionellou V, Mavroudis D, Perraki M, et al",
        "year": 2004,
        "title": (
            "Trastuzumab administration can effectively target chemotherapy-resistant cytokeratin-19 messenger "
            "RNA-positive tumor cells in the peripheral blood and bone marrow of patients with breast cancer"
        ),
        "journal": "Clin Cancer Res",
        "citation": "10:8185–8194",
        "doi": "10.1158/1078-0432.CCR-03-0094",
        "url": "https://aacrjournals.org/clincancerres/article/10/24/8185/168717/",
        "note": (
            "Abstract read: 30 chemotherapy-pretreated patients with CK19 mRNA+ cells in blood and/or marrow; 4-8 "
            "weekly or 2-3 three-weekly trastuzumab infusions; 28/30 negative by nested and 20/30 by real-time "
            "RT-PCR afterwards; HER2 mRNA in 25/30 pretreatment samples (not required). No control arm. DOI recalled."
        ),
    },
    "naume2014": {
        "authors": "Naume B, Synnestvedt M, Falk RS, et al",
        "year": 2014,
        "title": (
            "Clinical outcome with correlation to disseminated tumor cell (DTC) status after DTC-guided secondary "
            "adjuvant treatment with docetaxel in early breast cancer"
        ),
        "journal": "J Clin Oncol",
        "citation": "32:3848–3857",
        "doi": "10.1200/JCO.2014.56.9327",
        "pmid": "25366688",
        "url": "http://pubmed.gov/25366688",
        "note": (
            "Abstract read: after six cycles of FEC, patients still DTC+ at 8-9 months got six cycles of docetaxel "
            "100 mg/m2 three-weekly; 15 of 72 (20.8 %) had persistent DTCs 1 and/or 13 months after. No control arm."
        ),
    },
    "mohsin2005": {
        "authors": "Mohsin SK, Weiss HL, Gutierrez MC, et al",
        "year": 2005,
        "title": "Neoadjuvant trastuzumab induces apoptosis in primary breast cancers",
        "journal": "J Clin Oncol",
        "citation": "23:2460–2468",
        "doi": "10.1200/JCO.2005.00.661",
        "pmid": "15710948",
        "note": (
            "Abstract read: 3 weeks of single-agent trastuzumab, median tumour decrease 20 % (0–60 %), apoptosis up "
            "35 % within a week (n = 35, locally advanced HER2+)."
        ),
    },
    "dowsett2005": {
        "authors": "Dowsett M, Smith IE, Ebbs SR, et al",
        "year": 2005,
        "title": (
            "Short-term changes in Ki-67 during neoadjuvant treatment of primary breast cancer with anastrozole or "
            "tamoxifen alone or combined correlate with recurrence-free survival"
        ),
        "journal": "Clin Cancer Res",
        "citation": "11:951s–958s",
        "note": (
            "IMPACT. Abstract read: Ki-67 suppression greater with anastrozole than tamoxifen at 2 and 12 weeks; "
            "apoptosis not increased. The geometric-mean suppressions (about 76 % / 60 % at 2 weeks, 82 % / 62 % "
            "at 12 weeks) are recalled, not read here."
        ),
    },
    "schrijver2018": {
        "authors": "Schrijver WAME, Suijkerbuijk KPM, van Gils CH, van der Wall E, Moelans CB, van Diest PJ",
        "year": 2018,
        "title": "Receptor conversion in distant breast cancer metastases: a systematic review and meta-analysis",
        "journal": "J Natl Cancer Inst",
        "doi": "10.1093/jnci/djx273",
        "url": "https://researchinformation.umcutrecht.nl/en/publications/receptor-conversion-in-distant-breast-cancer-metastases-a-systema",
        "note": (
            "Abstract seen: 39 studies of paired primaries and distant metastases; random-effects pooled ER "
            "positive-to-negative conversion 22.5 % (95 % CI 16.4-30.0 %), negative-to-positive 21.5 % (18.1-25.5 %); "
            "ER discordance higher in bone (29.3 %) and CNS (20.8 %) than in liver metastases (14.3 %)."
        ),
    },
    "goss2003": {
        "authors": "Goss PE, Ingle JN, Martino S, et al",
        "year": 2003,
        "title": "A randomized trial of letrozole in postmenopausal women after five years of tamoxifen therapy for "
        "early-stage breast cancer",
        "journal": "N Engl J Med",
        "citation": "349:1793-1802",
        "doi": None,
        "url": None,
        "note": (
            "MA.17's design (read in its abstract and a review of the trial, Breast Cancer Res Treat 2008): 5,187 "
            "postmenopausal women with HR+ early breast cancer, randomised within 3 months of completing about 5 "
            "years (4.5-6) of tamoxifen, disease-free. A design source for the MA.17 replica, not a target."
        ),
    },
    "ingle2006": {
        "authors": "Ingle JN, Tu D, Pater JL, et al",
        "year": 2006,
        "title": "Duration of letrozole treatment and outcomes in the placebo-controlled NCIC CTG MA.17 extended "
        "adjuvant therapy trial",
        "journal": "Breast Cancer Res Treat",
        "doi": None,
        "url": "https://read.qxmd.com/read/16541302",
        "note": (
            "Abstract seen: of MA.17's 5,187 women 2,360 were node-positive and 2,568 node-negative (design fact "
            "used by the replica's population); the hazard ratios of DFS and distant DFS fell with time on "
            "letrozole (an outcome, not used)."
        ),
    },
    "muss2008": {
        "authors": "Muss HB, Tu D, Ingle JN, et al",
        "year": 2008,
        "title": "Efficacy, toxicity, and quality of life in older women with early-stage breast cancer treated with "
        "letrozole or placebo after 5 years of tamoxifen: NCIC CTG intergroup trial MA.17",
        "journal": "J Clin Oncol",
        "doi": "10.1200/JCO.2007.12.6334",
        "url": "https://pubmed.ncbi.nlm.nih.gov/18332474/",
        "note": (
            "Abstract seen: of 5,169 randomised women 2,152 were younger than 60, 1,694 aged 60-69 and 1,323 aged "
            "70 or older (design fact used by the MA.17 replica's ages)."
        ),
    },
    "spataro1992": {
        "authors": "Spataro V, Price K, Goldhirsch A, et al",
        "year": 1992,
        "title": "Sequential estrogen receptor determinations from primary breast cancer and at relapse: prognostic "
        "and therapeutic relevance",
        "journal": "Ann Oncol",
        "doi": None,
        "url": "https://moh-it.elsevierpure.com/en/publications/sequential-estrogen-receptor-determinations-from-primary-breast-c",
        "note": (
            "Abstract seen: 401 IBCSG patients with ER assays at primary surgery and at relapse, median 27 months "
            "apart (2-122); 29 % (76/261) of ER+ primaries ER- at relapse; ER+ to ER- conversions more frequent when "
            "the interval was under one year (p = 0.004); treatments between the assays had only a slight influence."
        ),
    },
    "fribbens2018": {
        "authors": "Fribbens C, Garcia Murillas I, Beaney M, et al",
        "year": 2018,
        "title": "Tracking evolution of aromatase inhibitor resistance with circulating tumour DNA analysis in "
        "metastatic breast cancer",
        "journal": "Ann Oncol",
        "citation": "29:145-153",
        "doi": "10.1093/annonc/mdx483",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC6264798",
        "note": (
            "Abstract seen: ESR1 mutations rare in primary breast cancer, highly prevalent after aromatase inhibitors "
            "for advanced disease; 22 of 39 patients progressing on first-line AI had ESR1 mutations at progression."
        ),
    },
    "fehm2008er": {
        "authors": "Fehm T, Krawczyk N, Solomayer EF, Becker-Pergola G, Durr-Storzer S, Neubauer H, Seeger H, "
        "Staebler A, Wallwiener D, Becker S",
        "year": 2008,
        "title": "ERalpha-status of disseminated tumour cells in bone marrow of primary breast cancer patients",
        "journal": "Breast Cancer Res 10:R76",
        "doi": "10.1186/bcr2143",
        "url": "https://discovery.researcher.life/article/estrogen-receptor-er-status-of-disseminated-tumor-cells-in-the-bone-marrow-of-breast-cancer-patients/bdd73f05e7693694b5b4e2119395e84a",
        "note": (
            "Abstract (congress version) seen: DTCs in 105 of 251 patients; ER+ DTCs in 13 (12 %) of them, ER "
            "expression heterogeneous among the DTCs in 10 of 13; 11 of 83 patients with an ER+ primary had ER+ DTCs."
        ),
    },
    "jaeger2015dtc": {
        "authors": "Jager BAS, Finkenzeller C, Bock C, et al",
        "year": 2015,
        "title": (
            "Estrogen receptor and HER2 status on disseminated tumor cells and primary tumor in patients with early "
            "breast cancer"
        ),
        "journal": "Transl Oncol 8(6):509-516",
        "doi": "10.1016/j.tranon.2015.11.009",
        "url": "https://doaj.org/article/b76ad74c8490456398f6deb59267e44b",
        "note": (
            "Abstract seen: 54 patients, median 13 DTCs (1-95); of 42 with an ER+ primary, 34 had at least one ER+ "
            "DTC and 39 (93 %) at least one ER-negative DTC: ER status varies between the DTCs of one patient."
        ),
    },
    "campone2023ameera4": {
        "authors": "Campone M, Bidard FC, Neven P, et al",
        "year": 2023,
        "title": (
            "AMEERA-4: a randomized, preoperative window-of-opportunity study of amcenestrant versus letrozole in "
            "early breast cancer"
        ),
        "journal": "Breast Cancer Res",
        "doi": "10.1186/s13058-023-01740-2",
        "pmid": "37950338",
        "url": "https://breast-cancer-research.biomedcentral.com/articles/10.1186/s13058-023-01740-2/tables/2",
        "note": (
            "Table 2 seen (mITT): letrozole 2.5 mg for 14 days before surgery, n = 29, postmenopausal ER+/HER2-: Ki-67 "
            "geometric least-squares mean relative change -77.7 % (95 % CI -83.4 to -70.0; ANCOVA of the log "
            "proportional change), a reduction of at least 50 % in 89.7 % (72.6-97.8)."
        ),
    },
    "smith2020poetic": {
        "authors": "Smith I, Robertson J, Kilburn L, et al",
        "year": 2020,
        "title": (
            "Long-term outcome and prognostic value of Ki67 after perioperative endocrine therapy in postmenopausal "
            "women with hormone-sensitive early breast cancer (POETIC): an open-label, multicentre, parallel-group, "
            "randomised, phase 3 trial"
        ),
        "journal": "Lancet Oncol",
        "citation": "21:1443–1454",
        "pmid": "33152284",
        "note": (
            "Abstract read (methods): 4,480 postmenopausal women, 2 weeks of perioperative letrozole or anastrozole; "
            "Ki-67 after 2 weeks dichotomised at 10 % predicts recurrence. The share of tumours with a high Ki-67 "
            "after 2 weeks (resistant) is recalled, not read here."
        ),
    },
    "hurvitz2020": {
        "authors": "Hurvitz SA, Martin M, Press MF, et al",
        "year": 2020,
        "title": (
            "Potent cell-cycle inhibition and upregulation of immune response with abemaciclib and anastrozole in "
            "neoMONARCH, phase II neoadjuvant study in HR+/HER2− breast cancer"
        ),
        "journal": "Clin Cancer Res",
        "citation": "26:566–580",
        "doi": "10.1158/1078-0432.CCR-19-1425",
        "pmid": "31615937",
        "note": (
            "Abstract read: complete cell-cycle arrest after 2 weeks in 58 % / 68 % (abemaciclib / with "
            "anastrozole) vs 14 % (anastrozole). The Ki-67 geometric-mean changes (about −91 % / −93 % vs −63 %) "
            "are recalled, not read here."
        ),
    },
    "wang2020lrr": {
        "authors": "Wang J, Tang Y, Jing H, et al",
        "year": 2020,
        "title": (
            "Risk stratification for prediction of locoregional recurrence in patients with pathologic T1–2N0 "
            "breast cancer after mastectomy"
        ),
        "journal": "BMC Cancer",
        "citation": "20:1132",
        "doi": "10.1186/s12885-020-07594-7",
        "pmid": "33228588",
        "note": (
            "4,841 pT1–2N0 patients, mastectomy without radiotherapy (1999–2014): 5-year locoregional recurrence "
            "3.9 %; ER- and PR-negative tumours HR 1.485 (abstract read)."
        ),
    },
    "lu2013lrr": {
        "authors": "Lu C, Xu H, Chen X, Tong Z, Liu X, Jia Y",
        "year": 2013,
        "title": (
            "Irradiation after surgery for breast cancer patients with primary tumours and one to three positive "
            "axillary lymph nodes: yes or no?"
        ),
        "journal": "Curr Oncol",
        "citation": "20:e585–e592",
        "doi": "10.3747/co.20.1540",
        "pmid": "24311960",
        "note": (
            "368 T1–2N1 patients, modified radical mastectomy without radiotherapy (2001–05): locoregional "
            "recurrence 7.2 % at 5 years and 10.7 % at 8 years; ER negativity an independent risk factor "
            "(abstract read)."
        ),
    },
    "geurts2017": {
        "authors": "Geurts YM, Witteveen A, Bretveld R, et al",
        "year": 2017,
        "title": "Patterns and predictors of first and subsequent recurrence in women with early breast cancer",
        "journal": "Breast Cancer Res Treat",
        "doi": "10.1007/s10549-017-4340-3",
        "note": (
            "Netherlands Cancer Registry, 9,342 women with stage I–III disease: 362 local, 148 regional and 1,343 "
            "distant first recurrences; the hazard of first recurrence peaked in year 2 with similar time patterns "
            "for local, regional and distant recurrence (abstract read; authors after the first as recalled)."
        ),
    },
    "giannakeas2021": {
        "authors": "Giannakeas V, Lim DW, Narod SA",
        "year": 2021,
        "title": "The risk of contralateral breast cancer: a SEER-based analysis",
        "journal": "Br J Cancer",
        "citation": "125:601–610",
        "doi": "10.1038/s41416-021-01417-7",
        "pmid": "34040177",
        "note": (
            "812,851 women with unilateral stage 0–III breast cancer (SEER 1990–2015): annual risk of "
            "contralateral invasive breast cancer ~0.37 %, persisting over 25 years of follow-up; 25-year "
            "actuarial risk 9.5 % after an ER+ and 11.2 % after an ER- first cancer (abstract read)."
        ),
    },
    "nichols2011": {
        "authors": "Nichols HB, Berrington de González A, Lacey JV Jr, Rosenberg PS, Anderson WF",
        "year": 2011,
        "title": "Declining incidence of contralateral breast cancer in the United States from 1975 to 2006",
        "journal": "J Clin Oncol",
        "citation": "29:1564–1569",
        "doi": "10.1200/JCO.2010.32.7395",
        "pmid": "21402610",
        "note": (
            "SEER 1975–2006: contralateral breast cancer incidence stable before 1985, then falling ~3 % a year; "
            "from 1990 the fall is restricted to contralateral cancers after an ER+ first cancer (abstract read; "
            "authors after the first as recalled)."
        ),
    },
    "sandberg2012": {
        "authors": "Sandberg MEC et al",
        "year": 2012,
        "title": (
            "Estrogen receptor status in relation to risk of contralateral breast cancer - a population-based "
            "cohort study"
        ),
        "journal": "PLoS One",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3466301",
        "note": (
            "Stockholm 1976–2005, 25,715 patients, 940 contralateral cancers: SIR 2.30 after an ER+ and 2.17 after "
            "an ER- first cancer; 1.74 after an ER+ cancer treated with hormone therapy (abstract read at PMC; "
            "authors, year and journal as recalled)."
        ),
    },
    "ssa2020lifetables": {
        "authors": "US Social Security Administration, Office of the Chief Actuary",
        "year": 2020,
        "title": "Period life tables, 2020 Trustees Report (historical 1900-2017 and Alternative 2 projections)",
        "journal": "Social Security Administration",
        "citation": "PerLifeTables_F_Hist_TR2020.csv and PerLifeTables_F_Alt2_TR2020.csv",
        "url": "https://www.ssa.gov/oact/HistEst/PerLifeTables/2020/PerLifeTables2020.html",
        "note": (
            "Female q(x) by single year of age and calendar year; method of Bell FC, Miller ML, Life Tables for "
            "the United States Social Security Area 1900-2100, Actuarial Study No. 120 (2005). Shipped as "
            "dormancy/patients/data/life_table_female.csv (ages 25-119, years 1970-2075)."
        ),
    },
    "kennecke2010": {
        "authors": "Kennecke H, Yerushalmi R, Woods R, Cheang MCU, Voduc D, Speers CH, Nielsen TO, Gelmon K",
        "year": 2010,
        "title": "Metastatic behavior of breast cancer subtypes",
        "journal": "J Clin Oncol",
        "citation": "28:3271–3277",
        "doi": "10.1200/JCO.2009.25.9820",
        "pmid": "20498394",
        "note": (
            "3,726 patients with early breast cancer diagnosed 1986-1992: median survival with distant metastasis "
            "2.2 (luminal A), 1.6 (luminal B), 1.3 (luminal/HER2), 0.7 (HER2 enriched), 0.5 years (basal-like); "
            "first sites by subtype (abstract read)."
        ),
    },
    "hudis2007": {
        "authors": "Hudis CA, Barlow WE, Costantino JP, et al.",
        "year": 2007,
        "title": (
            "Proposal for standardized definitions for efficacy end points in adjuvant breast cancer trials: "
            "the STEEP system"
        ),
        "journal": "J Clin Oncol",
        "citation": "25:2127–2132",
        "doi": "10.1200/JCO.2006.10.3523",
        "pmid": "17513820",
        "note": (
            "STEEP: invasive disease-free survival counts ipsilateral and regional invasive recurrence, distant "
            "recurrence, contralateral invasive breast cancer, second primary invasive non-breast cancer and death "
            "from any cause; OS counts death from any cause; breast-cancer-specific survival deaths from breast "
            "cancer."
        ),
    },
    "tolaney2021": {
        "authors": "Tolaney SM, Garrett-Mayer E, White J, et al.",
        "year": 2021,
        "title": (
            "Updated Standardized Definitions for Efficacy End Points (STEEP) in Adjuvant Breast Cancer Clinical "
            "Trials: STEEP Version 2.0"
        ),
        "journal": "J Clin Oncol",
        "citation": "39:2720–2731",
        "doi": "10.1200/JCO.20.03613",
        "pmid": "34003702",
        "note": "STEEP 2.0 keeps the IDFS, DRFS and OS event lists of STEEP 2007 and defines new endpoints.",
    },
    "putter2007": {
        "authors": "Putter H, Fiocco M, Geskus RB",
        "year": 2007,
        "title": "Tutorial in biostatistics: competing risks and multi-state models",
        "journal": "Stat Med",
        "citation": "26:2389–2430",
        "doi": "10.1002/sim.2712",
        "pmid": "17031868",
        "note": (
            "The Aalen-Johansen cumulative incidence with competing risks; one minus a Kaplan-Meier that censors "
            "the competing events overstates the probability of the event of interest."
        ),
    },
    "solomayer2000": {
        "authors": "Solomayer EF, Diel IJ, Meyberg GC, Gollan C, Bastert G",
        "year": 2000,
        "title": (
            "Metastatic breast cancer: clinical course, prognosis and therapy related to the first site of metastasis"
        ),
        "journal": "Breast Cancer Res Treat",
        "citation": "59:271–278",
        "doi": "10.1023/A:1006308619659",
        "pmid": "10832597",
        "note": (
            "648 patients with metastatic breast cancer: bone the site of first metastasis in 46 %, and 71 % "
            "developed bone metastases; median survival after first metastasis 24 months with bone and 12 months "
            "with visceral metastases at first relapse (abstract read)."
        ),
    },
    "coleman1987": {
        "authors": "Coleman RE, Rubens RD",
        "year": 1987,
        "title": "The clinical course of bone metastases from breast cancer",
        "journal": "Br J Cancer",
        "citation": "55:61–66",
        "doi": "10.1038/bjc.1987.13",
        "pmid": "3814476",
        "note": (
            "Guy's Hospital Breast Unit, all patients since 1970: 69 % of patients dying with breast cancer had bone "
            "metastases, bone the commonest site of first distant relapse; median survival 24 months with disease "
            "confined to the skeleton against 3 months after first relapse in the liver (abstract read)."
        ),
    },
    "pan2017": {
        "authors": "Pan H et al (EBCTCG)",
        "year": 2017,
        "title": "20-year risks of breast-cancer recurrence after stopping endocrine therapy at 5 years",
        "journal": "N Engl J Med",
        "citation": "377:1836–1846",
        "doi": "10.1056/NEJMoa1701830",
    },
    "braun2005": {
        "authors": "Braun S et al",
        "year": 2005,
        "title": "A pooled analysis of bone marrow micrometastasis in breast cancer",
        "journal": "N Engl J Med",
        "citation": "353:793–802",
        "doi": "10.1056/NEJMoa050434",
    },
    "synnestvedt2012": {
        "authors": "Synnestvedt M, Borgen E, Wist E, Wiedswang G, Weyde K, Risberg T, Kersten C, Mjaaland I, Vindi L, "
        "Schirmer C, Nesland JM, Naume B",
        "year": 2012,
        "title": (
            "Disseminated tumor cells as selection marker and monitoring tool for secondary adjuvant treatment in "
            "early breast cancer. Descriptive results from an intervention study"
        ),
        "journal": "BMC Cancer",
        "citation": "12:616",
        "doi": "10.1186/1471-2407-12-616",
        "note": (
            "1,121 patients (pN1-3, or pT1c/T2 G2-3 pN0) after 6 cycles of anthracycline chemotherapy; bone-marrow "
            "aspiration 8-12 weeks after chemotherapy (BM1) and 6 months later (BM2), DTCs by morphological "
            "evaluation of cytokeratin immunocytochemistry. Of 1,085 with both results, 94 (8.7 %) BM1-positive, 83 "
            "(7.6 %) BM2-positive, concordance 86.5 %; among positives >= 2 / >= 3 DTCs in 28.8 % / 12.8 % (BM1) and "
            "47.0 % / 25.3 % (BM2) (abstract read)."
        ),
    },
    "fehm2006": {
        "authors": "Fehm T, Braun S, Muller V, Janni W, Gebauer G, Marth C, Schindlbeck C, Wallwiener D, Borgen E, "
        "Naume B, Pantel K, Solomayer E",
        "year": 2006,
        "title": (
            "A concept for the standardized detection of disseminated tumor cells in bone marrow from patients with "
            "primary breast cancer and its clinical implementation"
        ),
        "journal": "Cancer",
        "citation": "107:885–892",
        "doi": "10.1002/cncr.22076",
        "note": (
            "Consensus of the German, Austrian and Swiss senology societies on standardised DTC detection "
            "(abstract read; the protocol's numbers, e.g. the cells screened, were not read in the full text here)."
        ),
    },
    "sola2011": {
        "authors": "Solá M, Margelí M, Castellá E, Julian JF, Rull M, Gubern JM, Mariscal A, Barnadas A, Fraile M",
        "year": 2011,
        "title": (
            "Prognostic value of hematogenous dissemination and biological profile of the tumor in early breast "
            "cancer patients: a prospective observational study"
        ),
        "journal": "BMC Cancer",
        "citation": "11:252",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3141772",
        "note": (
            "Bone-marrow aspirates from both iliac crests before surgery, mononuclear cells by density centrifugation, "
            "cytokeratin immunocytochemistry (A45-B/B3); DTCs in 22 % of 104 patients (abstract read)."
        ),
    },
    "naume2004": {
        "authors": "Naume B, Wiedswang G, Borgen E, Kvalheim G, Kåresen R, Qvist H, Sauer T, Kumar NT, Nesland JM",
        "year": 2004,
        "title": (
            "The prognostic value of isolated tumor cells in bone marrow in breast cancer patients: evaluation of "
            "morphological categories and the number of clinically significant cells"
        ),
        "journal": "Clin Cancer Res",
        "citation": "10:3091–3097",
        "pmid": "15131048",
        "note": (
            "817 early-stage patients: haematopoietic cells are occasionally stained by the cytokeratin "
            "immunocytochemistry and morphological evaluation separates them; systemic relapse in 12.4 %, 21.3 %, "
            "19.4 % and 42.5 % of patients with 0, 1, 2 and >= 3 tumour cells (abstract read)."
        ),
    },
    "willis2010": {
        "authors": "Willis L, Alarcón T, Elia G, Jones JL, Wright NA, Tomlinson IPM, Graham TA, Page KM",
        "year": 2010,
        "title": "Breast cancer dormancy can be maintained by small numbers of micrometastases",
        "journal": "Cancer Res",
        "citation": "70:4310–4317",
    },
    "kuznetsov1994": {
        "authors": "Kuznetsov VA, Makalkin IA, Taylor MA, Perelson AS",
        "year": 1994,
        "title": "Nonlinear dynamics of immunogenic tumors: parameter estimation and global bifurcation analysis",
        "journal": "Bull Math Biol",
        "citation": "56:295–321",
    },
    "wilkie2013": {
        "authors": "Wilkie KP, Hahnfeldt P",
        "year": 2013,
        "title": "Mathematical models of immune-induced cancer dormancy and the emergence of immune evasion",
        "journal": "Interface Focus",
        "citation": "3:20130010",
    },
    "hahnfeldt1999": {
        "authors": "Hahnfeldt P, Panigrahy D, Folkman J, Hlatky L",
        "year": 1999,
        "title": (
            "Tumor development under angiogenic signaling: a dynamical theory of tumor growth, treatment "
            "response, and postvascular dormancy"
        ),
        "journal": "Cancer Res",
        "citation": "59:4770–4775",
    },
    "kaplan2016": {
        "authors": "Kaplan MA, Arslan UY, Isikdogan A, et al.",
        "year": 2016,
        "title": (
            "Biological subtypes and distant relapse pattern in breast cancer patients after curative surgery "
            "(Study of Anatolian Society of Medical Oncology)"
        ),
        "journal": "Breast Care",
        "citation": "11(4):248–252, doi:10.1159/000448186",
        "note": (
            "1,350 patients with a distant relapse after curative surgery (1998-2012): bone 66.2 / 53.9 / 38.9 / "
            "45.1 %, liver 24.5 / 33.5 / 40.1 / 27.5 %, lung 30.2 / 30.6 / 35.2 / 41.4 %, brain 10.1 / 15.1 / 25.3 "
            "/ 23.1 % in luminal A (n = 444) / luminal B (471) / HER2-overexpressing (162) / triple negative (273)."
        ),
    },
    "eisenhauer2009": {
        "authors": "Eisenhauer EA, Therasse P, Bogaerts J, et al.",
        "year": 2009,
        "title": "New response evaluation criteria in solid tumours: revised RECIST guideline (version 1.1)",
        "journal": "Eur J Cancer",
        "citation": "45(2):228–247, doi:10.1016/j.ejca.2008.10.026",
    },
    "d_care2017": {
        "authors": "D-CARE investigators",
        "year": 2017,
        "title": "D-CARE: denosumab as adjuvant treatment for women with high-risk early breast cancer (design)",
        "journal": "J Clin Oncol (ASCO abstract)",
        "citation": "35 suppl:TPS662",
        "note": (
            "Design abstract (as quoted in the calibration targets; author list not checked): bone accounts for "
            "about 40% of first recurrences in early breast cancer."
        ),
    },
    "zometa_label": {
        "authors": "Novartis Pharmaceuticals Corporation",
        "year": 2016,
        "title": "Zometa (zoledronic acid) injection, for intravenous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "url": "http://www.120ty.net/bencandy.php?aid=2331&fid=134&page=16",
        "note": (
            "Read in a copy of the US label whose revision date is not shown (the year is approximate): triphasic "
            "plasma decline after 2-16 mg, t½α 0.24 h, t½β 1.87 h, terminal t½γ 146 h, less than 1% of Cmax 24 h "
            "after the infusion, AUC(0-24 h) dose proportional, plasma protein binding 28-53%."
        ),
    },
    "chen2002": {
        "authors": "Chen T et al",
        "year": 2002,
        "title": "Pharmacokinetics and pharmacodynamics of zoledronic acid in cancer patients with bone metastases",
        "journal": "J Clin Pharmacol",
        "citation": "42:1228–1236",
        "doi": "10.1177/009127002762491316",
        "pmid": "12412821",
        "note": (
            "Abstract read: half-lives 0.2, 1.4, 39 and 4526 h; 37-41% of the dose in urine by 24 h; renal "
            "clearance 69, 81 and 54 mL/min after 4, 8 and 16 mg."
        ),
    },
    "vallerand2022": {
        "authors": "Vallerand AH, Sanoski CA",
        "year": 2022,
        "title": "Davis's Drug Guide for Nurses, 18th edition: zoledronic acid",
        "journal": "F.A. Davis",
        "url": (
            "https://download.skyscape.com/download/ota/lonestar/F31E6463-B697-47C5-8589-F78B5C964691/"
            "drugguide.ed18_2022/content/HTML/u/tl3.htm"
        ),
        "note": (
            "Drug monograph: about 50% of a dose is retained by bone and slowly released, 50% is excreted "
            "unchanged in urine; elimination half-life from bone 300 days."
        ),
    },
    "prolia_label": {
        "authors": "Amgen Inc",
        "year": 2024,
        "title": "Prolia (denosumab) injection, for subcutaneous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "sections 12.2 Pharmacodynamics and 12.3 Pharmacokinetics",
        "url": "https://www.drugs.com/pro/prolia.html",
        "note": (
            "After 60 mg SC: median Tmax 10 days, mean half-life 25.4 days, serum levels declining over 4-5 "
            "months (read in a summary quoting the label); serum CTX about 85% lower by day 3, with the reduction "
            "attenuated to at least 45% (45-80%) at the end of the 6-month interval. Molecular weight about 147 kDa."
        ),
    },
    "chen2018": {
        "authors": "Chen Q, Hu C, Liu Y, Song R, Zhu W, Zhao H, Nino A, Zhang F, Liu Y",
        "year": 2018,
        "title": (
            "Pharmacokinetics, pharmacodynamics, safety, and tolerability of single-dose denosumab in healthy "
            "Chinese volunteers: a randomized, single-blind, placebo-controlled study"
        ),
        "journal": "PLoS One",
        "citation": "13:e0197984",
        "doi": "10.1371/journal.pone.0197984",
        "pmid": "29933364",
        "note": (
            "Abstract read: serum concentrations peaked around day 10; mean terminal half-life 15 days (60 mg) and "
            "26 days (120 mg)."
        ),
    },
    "gibiansky2012": {
        "authors": "Gibiansky L et al",
        "year": 2012,
        "title": "Population pharmacokinetic analysis of denosumab in patients with bone metastases from solid tumours",
        "journal": "Clin Pharmacokinet",
        "citation": "51:247–260",
        "doi": "10.2165/11598090-000000000-00000",
        "pmid": "22420579",
        "note": (
            "Two-compartment model with first-order absorption and quasi-steady-state target-mediated disposition; "
            "bioavailability 61%, absorption half-life 2.7 days, central volume 2.62 L and linear clearance "
            "3.25 mL/h per 66 kg (abstract read)."
        ),
    },
    "peterson2004": {
        "authors": "Peterson M, Stouch B, Chen D, Baughman S, Holloway D, Bekker P, Martin S",
        "year": 2004,
        "title": (
            "A population PK/PD model describes the rapid, profound and sustained suppression of urinary "
            "N-telopeptide following administration of AMG 162, a fully human monoclonal antibody against RANKL, "
            "to healthy postmenopausal women"
        ),
        "journal": "AAPS J",
        "citation": "6(S1): abstract W4340",
        "note": (
            "Conference abstract, cited by OpenBoneMin (metrumresearchgroup/OpenBoneMin, inst/OpenBoneMin.cpp) as "
            "the source of its denosumab PK parameters; the values were read in that code."
        ),
    },
    "bekker2001": {
        "authors": "Bekker PJ, Holloway D, Nakanishi A, Arrighi M, Leese PT, Dunstan CR",
        "year": 2001,
        "title": "The effect of a single dose of osteoprotegerin in postmenopausal women",
        "journal": "J Bone Miner Res",
        "citation": "16:348–360",
        "doi": "10.1359/jbmr.2001.16.2.348",
        "pmid": "11204435",
        "note": (
            "Single SC doses of AMGN-0007 (OPG-Fc) up to 3 mg/kg: urinary NTX fell within 12 h, by about 80% at "
            "day 4 and by 14% at six weeks after 3 mg/kg (abstract read; no PK parameters in the abstract)."
        ),
    },
    "ghaffarizadeh2016": {
        "authors": "Ghaffarizadeh A, Friedman SH, Macklin P",
        "year": 2016,
        "title": "BioFVM: an efficient, parallelized diffusive transport solver for 3-D biological simulations",
        "journal": "Bioinformatics",
        "citation": "32:1256–1258",
        "doi": "10.1093/bioinformatics/btv730",
        "note": "The locally one-dimensional implicit scheme (Thomas algorithm per line) of dormancy.niche.fields.",
    },
    "ghaffarizadeh2018": {
        "authors": "Ghaffarizadeh A, Heiland R, Friedman SH, Mumenthaler SM, Macklin P",
        "year": 2018,
        "title": "PhysiCell: an open source physics-based cell simulator for 3-D multicellular systems",
        "journal": "PLoS Comput Biol",
        "citation": "14:e1005991",
        "doi": "10.1371/journal.pcbi.1005991",
        "note": (
            "PhysiCell's default oxygen transport (D = 1e5 µm²/min, decay 0.1/min, 38 mmHg boundary) as seen in "
            "its settings files (models.md §4)."
        ),
    },
    "spencer2014": {
        "authors": "Spencer JA, Ferraro F, Roussakis E, Klein A, Wu J, Runnels JM, et al",
        "year": 2014,
        "title": "Direct measurement of local oxygen concentration in the bone marrow of live animals",
        "journal": "Nature",
        "citation": "508:269–273",
        "doi": "10.1038/nature13034",
        "note": "Mouse marrow pO2 by two-photon phosphorescence lifetime: below 32 mmHg overall, ~10 mmHg lowest.",
    },
    "assumption": {
        "authors": "dormancy developers",
        "year": 2026,
        "title": "Documented modelling assumption of the dormancy project",
        "note": ("Each parameter citing this key carries its reasoning in the parameter's note and a prior range."),
    },
    "ibrance_label": {
        "authors": "Pfizer",
        "year": 2019,
        "title": "Ibrance (palbociclib) capsules and tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "verzenio_label": {
        "authors": "Eli Lilly and Company",
        "year": 2021,
        "title": "Verzenio (abemaciclib) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "kisqali_label": {
        "authors": "Novartis Pharmaceuticals Corporation",
        "year": 2022,
        "title": "Kisqali (ribociclib) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "afinitor_label": {
        "authors": "Novartis Pharmaceuticals Corporation",
        "year": 2020,
        "title": "Afinitor (everolimus) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "plaquenil_label": {
        "authors": "Concordia Pharmaceuticals",
        "year": 2021,
        "title": "Plaquenil (hydroxychloroquine sulfate) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "mozobil_label": {
        "authors": "Genzyme Corporation",
        "year": 2020,
        "title": "Mozobil (plerixafor) injection, for subcutaneous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "ilaris_label": {
        "authors": "Novartis Pharmaceuticals Corporation",
        "year": 2020,
        "title": "Ilaris (canakinumab) injection, for subcutaneous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "kineret_label": {
        "authors": "Swedish Orphan Biovitrum",
        "year": 2020,
        "title": "Kineret (anakinra) injection, for subcutaneous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "taxotere_label": {
        "authors": "Sanofi-Aventis",
        "year": 2020,
        "title": "Taxotere (docetaxel) injection, for intravenous use: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "nolvadex_label": {
        "authors": "AstraZeneca",
        "year": 2006,
        "title": "Nolvadex (tamoxifen citrate) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "Clinical Pharmacology",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "femara_label": {
        "authors": "Novartis Pharmaceuticals Corporation",
        "year": 2020,
        "title": "Femara (letrozole) tablets: full prescribing information",
        "journal": "US prescribing information",
        "citation": "section 12.3 Pharmacokinetics",
        "note": (
            "Pharmacokinetic values recalled from the label by the therapy module's author and not re-read in this "
            "session: every record citing it is an assumption with a prior wide enough to cover the label's range."
        ),
    },
    "tanaka2008": {
        "authors": "Tanaka C et al",
        "year": 2008,
        "title": (
            "Identifying optimal biologic doses of everolimus (RAD001) in patients with cancer based on the "
            "modeling of preclinical and clinical pharmacokinetic and pharmacodynamic data"
        ),
        "journal": "J Clin Oncol",
        "citation": "26:1596–1602",
        "url": "https://pubmed.ncbi.nlm.nih.gov/18332470/",
        "pmid": "18332470",
        "note": (
            "Seen (abstract, via the project's models notes): everolimus terminal half-life about 30 h; S6K1 "
            "inhibition in PBMC for at least 7 days at 20 mg/week or more."
        ),
    },
    "white2020": {
        "authors": "White NJ et al",
        "year": 2020,
        "title": (
            "COVID-19 prevention and treatment: a critical analysis of chloroquine and hydroxychloroquine "
            "clinical pharmacology"
        ),
        "journal": "PLoS Med",
        "citation": "17:e1003252",
        "note": (
            "Seen in part (via the project's models notes): hydroxychloroquine has a very large volume of "
            "distribution and a terminal elimination half-life of about 40-50 days."
        ),
    },
    "tett1988": {
        "authors": "Tett SE, Cutler DJ, Day RO, Brown KF",
        "year": 1988,
        "title": (
            "A dose-ranging study of the pharmacokinetics of hydroxy-chloroquine following intravenous administration"
            " to healthy volunteers"
        ),
        "journal": "Br J Clin Pharmacol",
        "citation": "26:303–313",
        "doi": "10.1111/j.1365-2125.1988.tb05281.x",
        "note": (
            "Abstract: half-life and mean residence time around 40 days; volumes of distribution 5,522 L from blood and"
            " 44,257 L from plasma; clearance 667 ml/min (plasma), 96 ml/min (blood); blood:plasma 7.2 +/- 4.2;"
            " five healthy volunteers, 155 mg (2.47 +/- 0.25 mg/kg) IV, i.e. about 63 kg; plasma data more variable"
            " than blood data."
        ),
    },
    "tett1989": {
        "authors": "Tett SE, Cutler DJ, Day RO, Brown KF",
        "year": 1989,
        "title": "Bioavailability of hydroxychloroquine tablets in healthy volunteers",
        "journal": "Br J Clin Pharmacol",
        "citation": "27:771–779",
        "doi": "10.1111/j.1365-2125.1989.tb03439.x",
        "note": "Abstract: fraction of the oral dose absorbed 0.74 +/- 0.13 (blood and urine data).",
    },
    "finkelman1992": {
        "authors": "Finkelman RD, Bell NH, Strong DD, Demers LM, Baylink DJ",
        "year": 1992,
        "title": (
            "Ovariectomy selectively reduces the concentration of transforming growth factor beta in rat bone:"
            " implications for estrogen deficiency-associated bone loss"
        ),
        "journal": "Proc Natl Acad Sci USA",
        "citation": "89:12190–12193",
        "doi": "10.1073/pnas.89.24.12190",
        "note": (
            "Ovariectomy lowered bone TGF-β at 6 weeks (not at 3), oestrogen restored it; 1 nM 17β-oestradiol raised"
            " TGF-β production by normal mouse osteoblasts almost 2-fold (abstract, PMC50724)."
        ),
    },
    "plant2002": {
        "authors": "Plant A, Tobias JH",
        "year": 2002,
        "title": "Increased bone morphogenetic protein-6 expression in mouse long bones after estrogen administration",
        "journal": "J Bone Miner Res",
        "citation": "17:782–790",
        "doi": "10.1359/jbmr.2002.17.5.782",
        "note": "Oestradiol induces BMP-6 in marrow stromal cells (lead from shared/evidence.md; direction only).",
    },
    "lawson2015": {
        "authors": (
            "Lawson MA, McDonald MM, Kovacic N, Khoo WH, Terry RL, Down J, Kaplan W, Paton-Hough J, Fellows C,"
            " Pettitt JA, Dear TN, Van Valckenborgh E, Baldock PA, Rogers MJ, Eaton CL, Vanderkerken K, Pettit AR,"
            " Quinn JMW, Zannettino ACW, Phan TG, Croucher PI"
        ),
        "year": 2015,
        "title": "Osteoclasts control reactivation of dormant myeloma cells by remodelling the endosteal niche",
        "journal": "Nat Commun",
        "citation": "6:8983",
        "doi": "10.1038/ncomms9983",
        "note": (
            "Intravital imaging: dormancy is switched on by engagement with bone-lining cells or osteoblasts and"
            " switched off by osteoclasts remodelling the endosteal niche (abstract)."
        ),
    },
    "canuaslandero2021": {
        "authors": "Canuas-Landero VG, George CN, Lefley DV, Corness H, Muthana M, Wilson C, Ottewell PD",
        "year": 2021,
        "title": (
            "Oestradiol contributes to differential antitumour effects of adjuvant zoledronic acid observed between"
            " pre- and post-menopausal women"
        ),
        "journal": "Front Endocrinol",
        "citation": "12:749428",
        "doi": "10.3389/fendo.2021.749428",
        "note": (
            "Abstract read: ovariectomy plus goserelin with 0, 1.38 or 12.5 mg/ml oestradiol supplement gave serum"
            " oestradiol 1.00 +/- 0.27, 48.64 +/- 18.44 and 153.16 +/- 18.10 pg/ml (post-, peri-, premenopausal);"
            " MDA-MB-231, 4T1 or E0771 cells; saline or 100 ug/kg zoledronic acid weekly. Osteoclast and bone-volume"
            " fold changes were not read here."
        ),
    },
    "demichele2025": {
        "authors": "DeMichele A et al",
        "year": 2025,
        "title": (
            "Targeting dormant tumor cells to prevent recurrent breast cancer: a randomized phase 2 trial (CLEVER)"
        ),
        "journal": "Nat Med",
        "citation": "31:3464",
        "note": (
            "Design read in the project's trial_designs.yaml (NCT03032406): hydroxychloroquine 600 mg twice daily"
            " and/or everolimus 10 mg daily, six 28-day cycles, in DTC-positive survivors. Title and DOI seen in the"
            " abstract (issue 17). Its preclinical part (abstract, seen): in mice harbouring dormant residual tumour"
            " cells (RTCs), transient versus chronic inhibition of autophagy (chloroquine or hydroxychloroquine) and"
            " of mTOR (rapamycin or everolimus); mTOR inhibition alone or with autophagy inhibition decreased RTC"
            " burden and improved recurrence-free survival in a duration-dependent manner; RTC number strongly and"
            " inversely correlated with recurrence-free survival. Only this preclinical part is used; the trial's"
            " outcomes are deliberately not used."
        ),
        "doi": "10.1038/s41591-025-03877-3",
    },
    "dwyer2024": {
        "authors": "Dwyer S, Ruth J, Seidel HE, Raz AA, Chodosh LA",
        "year": 2024,
        "title": (
            "Autophagy is required for mammary tumor recurrence by promoting dormant tumor cell survival following"
            " therapy"
        ),
        "journal": "Breast Cancer Res",
        "doi": "10.1186/s13058-024-01878-7",
        "note": (
            "Title and abstract opening seen (issue 17): the Chodosh lab's residual-tumour-cell model; autophagy"
            " promotes the survival of dormant residual tumour cells after therapy. Figures not read."
        ),
    },
    "biocentury2018": {
        "authors": "BioCentury",
        "year": 2018,
        "title": "Distillery Therapeutics: Cancer (summary of Vera-Ramirez et al. 2018, Nat Commun 9:1944)",
        "journal": "BioCentury BC Innovations",
        "url": "https://www.biocentury.com/bc-innovations/distillery-therapeutics/2018-05-30/cancer-1",
        "note": (
            "Secondary summary, seen (issue 17): in a mouse lung-metastasis model, hydroxychloroquine or shRNA"
            " against ATG7 given during cell seeding decreased lung tumour burden vs vehicle or scrambled shRNA;"
            " hydroxychloroquine started one week after seeding did not. No numbers, doses or group sizes."
        ),
    },
    "collins2018": {
        "authors": "Collins KP, Jackson KM, Gustafson DL",
        "year": 2018,
        "title": (
            "Hydroxychloroquine: a physiologically-based pharmacokinetic model in the context of cancer-related"
            " autophagy modulation"
        ),
        "journal": "J Pharmacol Exp Ther",
        "citation": "365(3):447-459",
        "note": (
            "Title, journal and authors seen (issue 17); lead (../shared/evidence.md): the effect tracks lysosomal,"
            " not blood, exposure and outlasts PK. Numbers not read."
        ),
    },
    "rangwala2014": {
        "authors": "Rangwala R et al",
        "year": 2014,
        "title": (
            "Combined MTOR and autophagy inhibition: phase I trial of hydroxychloroquine and temsirolimus in patients"
            " with advanced solid tumors and melanoma"
        ),
        "journal": "Autophagy",
        "citation": "10(8):1391-1402",
        "doi": "10.4161/auto.29119",
        "note": (
            "Abstract seen (issue 17): HCQ dose escalation with temsirolimus 25 mg weekly; no MTD for HCQ, recommended"
            " phase II dose HCQ 600 mg twice daily; pharmacodynamic evidence of autophagy inhibition was evident in"
            " serial PBMC and tumour biopsies only in patients treated with 1,200 mg daily HCQ. A review table"
            " (PMC6585651, seen) adds: significant autophagic-vacuole accumulation at 6 weeks with 1,200 mg/d, and"
            " none at day 49 with HCQ up to 600 mg/d plus vorinostat (Mahalingam 2014)."
        ),
    },
}
"""Sources other than the review's reference list, curated by hand (DOIs only where reliably known)."""

_NUMBERED = re.compile(r"^(\d+)\.\s+(.+)$")
_BULLET = re.compile(r"^-\s+(.+)$")
_AUTHORS_YEAR = re.compile(r"^(?P<authors>.+?)\s*\((?P<year>\d{4})\)\s+(?P<rest>.+)$")
_REGISTRATION = re.compile(r"^(?P<authors>[^.]+)\.\s+(?P<title>.+?)\.?\s*<(?P<url>[^>]+)>\s*\((?P<year>\d{4})\)$")
_TITLE_JOURNAL = re.compile(r"^(?P<title>.*)\*(?P<journal>[^*]+)\*(?P<citation>[^*]*)$")
_LINK = re.compile(r"<(https?://[^>]+)>")
_LATEX = re.compile(r"\$([^$]+)\$")


class BibliographyError(ValueError):
    """The review's reference list is not as expected (missing, duplicated or unparsable entries)."""


def reference_lines(text: str) -> list[tuple[int, str]]:
    """Return the review's references as ``(number, printed text)`` pairs.

    Parameters
    ----------
    text : str
        The review's full text; the list starts after the line ``References`` and ends at the first
        non-blank line that is neither a bullet nor a numbered entry (or at the end of the text).

    Returns
    -------
    list of tuple of (int, str)
        One pair per reference, numbered as in the review.

    Raises
    ------
    BibliographyError
        When there is no ``References`` line, or the entries found are not exactly 1..``REVIEW_SIZE`` in
        order (a garbled line inside the list ends it early and so fails this check).
    """
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "References")
    except StopIteration:
        raise BibliographyError("no line 'References' in the review text") from None
    entries: list[tuple[int, str]] = []
    ended_at = "the end of the text"
    for line_number, raw in enumerate(lines[start + 1 :], start=start + 2):
        line = raw.strip()
        if not line:
            continue
        expected = len(entries) + 1
        if numbered := _NUMBERED.match(line):
            number = int(numbered.group(1))
            if number != expected:
                raise BibliographyError(f"line {line_number}: reference {number} where {expected} was expected")
            entries.append((number, numbered.group(2)))
        elif bullet := _BULLET.match(line):
            entries.append((expected, bullet.group(1)))
        elif entries:
            ended_at = f"line {line_number} ({line[:60]!r})"
            break  # the list ends at the first other line (the publisher's note follows it)
        else:
            raise BibliographyError(f"line {line_number}: not a reference: {line[:60]!r}")
    # Numbers are consecutive from 1 by construction, so only the count remains to be checked.
    if len(entries) != REVIEW_SIZE:
        raise BibliographyError(
            f"expected references 1..{REVIEW_SIZE}, found 1..{len(entries)}; the list ended at {ended_at}"
        )
    return entries


def _latex_to_text(match: re.Match[str]) -> str:
    body = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), m.group(1)), match.group(1))
    return re.sub(r"\s+", "", body)


def clean(text: str) -> str:
    r"""Return printed text without markdown emphasis, LaTeX fragments or extraction spacing.

    Parameters
    ----------
    text : str
        A title or other field as printed.

    Returns
    -------
    str
        ``*in vivo*`` becomes ``in vivo``, ``$\alpha v \beta 3$`` becomes ``αvβ3``, stray spaces around
        Greek letters inside symbols (``TGF β``, ``NF- κ B``, ``β 1``) are removed.
    """
    text = _LATEX.sub(_latex_to_text, text)
    text = text.replace("*", "")
    text = re.sub(rf"(?<=[A-Z0-9-]) (?=[{GREEK_LETTERS}])", "", text)
    text = re.sub(rf"(?<=[{GREEK_LETTERS}]) (?=[A-Z0-9])", "", text)
    return " ".join(text.split())


def parse_reference(number: int, printed: str) -> dict[str, object]:
    """Parse one printed reference of the review into a bibliography entry.

    Parameters
    ----------
    number : int
        The reference's number in the review.
    printed : str
        The reference as printed (markdown italics for the journal).

    Returns
    -------
    dict
        The entry's fields (see :data:`FIELDS`) plus ``review_number`` and, where defined, ``aliases``.

    Raises
    ------
    BibliographyError
        When authors, year, title or journal cannot be found.
    """
    if number in ARTEFACT_FIXES:
        old, new = ARTEFACT_FIXES[number]
        printed = printed.replace(old, new)
    entry: dict[str, object] = dict.fromkeys(FIELDS)
    if registration := _REGISTRATION.match(printed):
        entry.update(
            authors=registration.group("authors").strip(),
            year=int(registration.group("year")),
            title=clean(registration.group("title")),
            url=registration.group("url"),
        )
    else:
        head = _AUTHORS_YEAR.match(printed)
        if head is None:
            raise BibliographyError(f"reference {number}: no 'Authors (year)' at the start: {printed[:60]!r}")
        body = _TITLE_JOURNAL.match(head.group("rest"))
        if body is None:
            raise BibliographyError(f"reference {number}: no italic journal: {printed[:60]!r}")
        title = body.group("title").strip()
        title, _, _editors = title.partition(" In: ")  # book chapter: the italic part is the book
        citation = body.group("citation").strip().lstrip(".,").strip()
        if link := _LINK.search(citation):
            url = link.group(1)
            doi = re.match(r"https?://(?:dx\.)?doi\.org/(.+)$", url)
            entry["doi" if doi else "url"] = doi.group(1) if doi else url
            citation = _LINK.sub("", citation).strip()
        entry.update(
            authors=re.sub(r"\bet al\.", "et al", head.group("authors").strip()),
            year=int(head.group("year")),
            title=clean(title).rstrip(".").strip(),
            journal=clean(body.group("journal")).rstrip(".").strip(),
            citation=citation or None,
        )
    if not entry["title"] or not entry["authors"]:
        raise BibliographyError(f"reference {number}: empty authors or title")
    entry["note"] = REVIEW_NOTES.get(number)
    entry["review_number"] = number
    if number in ALIASES:
        entry["aliases"] = list(ALIASES[number])
    return entry


def build(review_text: str) -> dict[str, dict[str, object]]:
    """Return every bibliography entry by key: ``review:1`` .. ``review:205``, then the manual entries.

    Parameters
    ----------
    review_text : str
        The review's full text.

    Returns
    -------
    dict of str to dict
        Entries by citation key.

    Raises
    ------
    BibliographyError
        When the reference list is incomplete, or a key or alias is defined twice.
    """
    references = {f"review:{n}": parse_reference(n, printed) for n, printed in reference_lines(review_text)}
    for key, manual in MANUAL_ENTRIES.items():
        if key in references:
            raise BibliographyError(f"key {key!r} is defined twice")
        references[key] = {field: manual.get(field) for field in FIELDS} | {
            k: v for k, v in manual.items() if k not in FIELDS
        }
    aliases = [alias for entry in references.values() for alias in entry.get("aliases") or ()]
    clashes = sorted({a for a in aliases if aliases.count(a) > 1 or a in references})
    if clashes:
        raise BibliographyError(f"aliases clash with keys or with each other: {clashes}")
    return references


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def render(references: Mapping[str, Mapping[str, object]], source: str) -> str:
    """Return the YAML text of the bibliography file (every string quoted, UTF-8).

    Parameters
    ----------
    references : mapping of str to mapping
        Entries by key, as returned by :func:`build`.
    source : str
        Name of the review text the ``review:N`` entries were read from (recorded in the header).

    Returns
    -------
    str
        The file's content.
    """
    out = [
        "# Bibliography of the dormancy package: citation keys used by parameter records and documentation.",
        "# GENERATED by tools/make_bibliography.py from the reference list of Price et al. 2026",
        f"# (review:N keys, read from {source}) plus the hand-curated entries in its MANUAL_ENTRIES.",
        "# Edit the script and regenerate rather than editing this file by hand.",
        "format: dormancy.bibliography",
        "version: 1",
        "references:",
    ]
    for key, entry in references.items():
        out.append(f"  {_scalar(key)}:")
        out.extend(f"    {field}: {_scalar(value)}" for field, value in entry.items())
    return "\n".join(out) + "\n"


def check(text: str, expected: Mapping[str, Mapping[str, object]]) -> None:
    """Check that the rendered YAML loads back to the entries it was made from.

    Parameters
    ----------
    text : str
        The rendered file.
    expected : mapping of str to mapping
        The entries that were rendered.

    Raises
    ------
    BibliographyError
        When the YAML does not load back to the same data or an entry lacks authors, year or title.
    """
    loaded = yaml.safe_load(text)
    if loaded.get("format") != "dormancy.bibliography" or loaded["references"] != expected:
        raise BibliographyError("the rendered YAML does not load back to the same entries")
    for key, entry in loaded["references"].items():
        if not (entry["authors"] and entry["title"] and isinstance(entry["year"], int)):
            raise BibliographyError(f"{key}: authors, title and an integer year are required")


def main(argv: Iterable[str] | None = None) -> int:
    """Write the bibliography file from the review text named on the command line.

    Parameters
    ----------
    argv : iterable of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 when the reference list is incomplete or unparsable.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("review", type=Path, help="text file of the review (reference list after 'References')")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="YAML file to write")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        references = build(args.review.read_text(encoding="utf-8"))
        text = render(references, args.review.name)
        check(text, references)
    except BibliographyError as error:
        print(f"make_bibliography: {error}", file=sys.stderr)
        return 1
    args.output.write_text(text, encoding="utf-8")
    review = sum(1 for key in references if key.startswith("review:"))
    print(f"wrote {args.output}: {review} review references + {len(references) - review} other entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
