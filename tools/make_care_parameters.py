r"""Generate the registry set ``care_modern`` (the modern adjuvant therapies of :mod:`dormancy.patients.care`).

Edit this script, not the YAML file, then run ``python tools/make_care_parameters.py``. Every value comes from
pharmacology, neoadjuvant data (pathological complete response, Ki-67 suppression) or the clearance of disseminated
tumour cells under a drug (trastuzumab's dormant-cell hazard: Georgoulias 2012, Bozionellou 2004), never from the
adjuvant trials and meta-analyses the care is checked against (:mod:`dormancy.patients.care_checks`): EBCTCG 2012,
2015, 2021, monarchE and MA.17 are checks, not targets. Each record's note gives the numbers and says whether they
were seen in a source found with the project's search tool or are recalled or assumed.

Neoadjuvant pCR to log kill (used for the trastuzumab record). Across patients, the residual
cancer cells :math:`\log_{10} R = \log_{10} X - L` after a regimen of log kill :math:`L` vary between tumours
(size and sensitivity), taken as normal with SD :math:`\sigma` (``residual_log10_sd``); a pCR is :math:`R < 1`,
so :math:`\mathrm{pCR} = \Phi(-\mu/\sigma)` and adding a drug that raises pCR from :math:`p_0` to :math:`p_1`
adds :math:`\Delta L = \sigma(\Phi^{-1}(p_1) - \Phi^{-1}(p_0))` logs of kill.
"""

import math

from _records import SETS, record, write_set
from scipy.stats import norm

NAME = "care_modern"
SIGMA = 1.0


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="uniform"):
    """Return one parameter record as a mapping (prior uniform unless told)."""
    return record(
        symbol, label, desc, float(value), unit, low, high, source=source, evidence=evidence, note=note, dist=dist
    )


def pcr_log_kill(p0: float, p1: float, sigma: float = SIGMA) -> float:
    """Return the added log10 kill that raises the pCR rate from p0 to p1 (module docstring)."""
    return sigma * (norm.ppf(p1) - norm.ppf(p0))


PCR_AC, PCR_ACT = 0.137, 0.261  # NSABP B-27 (Bear 2003): pCR after preoperative AC, and AC then docetaxel
MONARCH2_MEDIAN_ABEMA, MONARCH2_MEDIAN_PLACEBO = 16.4, 9.3  # MONARCH 2 (Sledge 2017): median PFS, months
MONARCH2_HR = 0.553
NOAH_YEARS = 33 * 7 / 365.25  # NOAH's neoadjuvant phase: 3 AT + 4 T (3-weekly) + 3 CMF (4-weekly) cycles
TRASTUZUMAB_PER_YEAR = pcr_log_kill(0.19, 0.38) / NOAH_YEARS
# Georgoulias 2012 (randomised): CK19 mRNA+ CTCs persisting after trastuzumab vs observation, over its course
GEORGOULIAS_PERSIST_T, GEORGOULIAS_PERSIST_C = 9 / 36, 32 / 39
GEORGOULIAS_YEARS = 6 * 21 / 365.25  # six three-weekly infusions (recalled)
TRASTUZUMAB_DORMANT_DEATH = -math.log(GEORGOULIAS_PERSIST_T / GEORGOULIAS_PERSIST_C) / GEORGOULIAS_YEARS
BOZIONELLOU_YEARS = 8 * 7 / 365.25  # about 8 weeks of infusions (4-8 weekly or 2-3 three-weekly)
BOZIONELLOU_HAZARD = -math.log(10 / 30) / BOZIONELLOU_YEARS  # real-time RT-PCR; no control arm
KI67_TAMOXIFEN, KI67_AI = 0.62, 0.82  # IMPACT, 12-week geometric-mean Ki-67 suppression
KI67_AI_NEO, KI67_ABEMA_AI = 0.63, 0.93  # neoMONARCH, 2-week geometric-mean Ki-67 suppression
P024_LETROZOLE, P024_TAMOXIFEN = 0.60, 0.41  # P024, ER+ cases: clinical response after 4 months (Ellis 2001)
AI_SENSITIVE_OF_TAM_RESISTANT = 1.0 - (1.0 - P024_LETROZOLE) / (1.0 - P024_TAMOXIFEN)
ELECTRA_TTP_MONTHS = 3.3  # eLEcTRA, letrozole alone in HER2+/HR+ metastatic disease: median time to progression
AI_ESCAPE_PER_YEAR = math.log(2.0) / (ELECTRA_TTP_MONTHS / 12.0)

records = [
    rec(
        "residual_log10_sd",
        "σ_R",
        "Between-tumour standard deviation of log10 residual cancer cells after neoadjuvant therapy (log10 units)",
        SIGMA,
        "dimensionless",
        0.5,
        3.0,
        ["assumption"],
        "Converts a neoadjuvant pCR difference into added log kill (module docstring of "
        "tools/make_care_parameters.py). Tumour size alone (T1-T3, 1-5+ cm) spreads log10 cell numbers by about "
        "0.6; differences in sensitivity add to it: 1 log10 assumed, prior 0.5-3 (the derived kills scale with it).",
    ),
    rec(
        "taxane_pcr_gain",
        "p_T",
        "Share of patients whose growing foci four cycles of a taxane added to an anthracycline eradicate",
        round(PCR_ACT - PCR_AC, 4),
        "dimensionless",
        0.05,
        0.25,
        ["bear2003", "braun2000", "hartkopf2013", "naume2014", "assumption"],
        f"NSABP B-27 (Bear 2003, seen): preoperative AC then docetaxel raised the pathological complete response "
        f"(pCR) rate from {PCR_AC:.1%} to {PCR_ACT:.1%} (n = 2411, mean tumour size 4.5 cm). A pCR eradicates every "
        "invasive cell of the primary and nodes (10^9-10^10 cells); micrometastatic foci with the primary's "
        "sensitivity are smaller, so the taxane eradicates the cycling disease of a further "
        f"p_T = {PCR_ACT:.3f} - {PCR_AC:.3f} = {PCR_ACT - PCR_AC:.3f} of the patients (which ones: no covariate, a "
        "random share; assumption). Non-cycling dormant DTCs are spared: adjuvant chemotherapy did not eliminate "
        "marrow DTCs (Braun 2000; Naume 2014: 15 of 72 still DTC+ after docetaxel, no clearance beyond an "
        "untreated repeat aspirate's), and after neoadjuvant chemotherapy 42 % of 400 patients were DTC+ whether or "
        "not the primary reached a pCR (Hartkopf 2013, seen). Applied at the end of the chemotherapy course as a "
        "kill of every growing focus (care.ERADICATION_LOG10_KILL); replaces the earlier reading of the same pCR "
        "gain as a 0.45-log shift of every tumour (taxane_extra_log_kill), which cures only foci just above the "
        "anthracycline's kill. B-27's own DFS and OS (part of the EBCTCG 2012 taxane comparison, the check) are not "
        "used. Prior: the absolute pCR gains of taxane additions, about 0.05-0.25.",
        evidence="derived",
    ),
    rec(
        "anthracycline_extra_log_kill",
        "ΔL_A",
        "Log10 kill of cycling cells that an anthracycline regimen (4AC-like) adds to CMF-like chemotherapy",
        0.0,
        "dimensionless",
        0.0,
        1.0,
        ["assumption"],
        "No neoadjuvant head-to-head of 4AC and CMF found here; the calibrated 1980s kill "
        "(patients_natural_history.chemotherapy_log_kill) stands for both. Prior 0-1.",
    ),
    rec(
        "trastuzumab_log_kill_per_year",
        "k_H",
        "Log10 kill per year of cycling HER2+ cells by trastuzumab (with or after chemotherapy)",
        round(TRASTUZUMAB_PER_YEAR, 4),
        "1 / year",
        0.1,
        5.0,
        ["gianni2010", "mohsin2005", "assumption"],
        f"NOAH (Gianni 2010; recalled, not seen here: pCR 38 % with vs 19 % without trastuzumab in HER2+ locally "
        f"advanced disease): ΔL = σ (Φ⁻¹(0.38) − Φ⁻¹(0.19)) = {pcr_log_kill(0.19, 0.38):.3f} over the "
        f"{NOAH_YEARS:.2f}-year neoadjuvant phase, i.e. {TRASTUZUMAB_PER_YEAR:.3f} log10 per year of exposure, "
        "applied to every growing focus of HER2+ patients, each month of the trastuzumab year. Single-agent "
        "trastuzumab shrank tumours by a median 20 % in 3 weeks with more apoptosis (Mohsin 2005, seen): of the "
        "order of 1.5-2.5 log10 a year, the same order.",
        evidence="derived",
    ),
    rec(
        "trastuzumab_dormant_death_per_year",
        "h_H",
        "Extra death hazard of dormant (non-cycling) DTCs of a HER2+ patient while on trastuzumab",
        round(TRASTUZUMAB_DORMANT_DEATH, 4),
        "1 / year",
        1.0,
        10.0,
        ["georgoulias2012", "bozionellou2004", "assumption"],
        "Trastuzumab's antibody-dependent cellular cytotoxicity and HER2 blockade need no proliferation: it "
        "eliminated chemotherapy-resistant (so largely non-cycling) CK19 mRNA+ cells from blood and bone marrow. "
        f"Georgoulias 2012 (randomised, abstract seen): CK19 mRNA+ CTCs persisted after trastuzumab in 9/36 vs "
        f"32/39 on observation; with few cells per sample the chance that a sample holds one is proportional to "
        f"their number (assumption), so the surviving fraction over the course is "
        f"{GEORGOULIAS_PERSIST_T / GEORGOULIAS_PERSIST_C:.3f} (the control arm's spontaneous clearance divided out); "
        f"over six three-weekly infusions ({GEORGOULIAS_YEARS:.3f} y; schedule recalled, not seen) "
        f"h_H = −ln({GEORGOULIAS_PERSIST_T / GEORGOULIAS_PERSIST_C:.3f}) / {GEORGOULIAS_YEARS:.3f} = "
        f"{TRASTUZUMAB_DORMANT_DEATH:.2f} per year. Cross-check: Bozionellou 2004 (abstract seen; blood and marrow, "
        f"no control arm): 20/30 negative by real-time RT-PCR after about 8 weeks of infusions, "
        f"{BOZIONELLOU_HAZARD:.1f} per year, the same order. A bulk hazard of all of a patient's detectable cells "
        "(a share of DTCs of any tumour is HER2− and escapes it; Georgoulias's tumours were HER2− with HER2+ CTCs "
        "in 89 %); applied to every dormant pool of HER2+ patients on trastuzumab (assumption: the DTCs of "
        "HER2+ tumours are at least as often HER2+). Prior 1-10 per year. Not fitted to any adjuvant trastuzumab "
        "outcome (EBCTCG 2021 is the check); Georgoulias's relapse outcome is not used.",
        evidence="derived",
    ),
    rec(
        "trastuzumab_years",
        "T_H",
        "Duration of adjuvant trastuzumab",
        1.0,
        "year",
        0.5,
        2.0,
        ["ebctcg2021", "assumption"],
        "One year (17-18 three-weekly doses), the standard of the adjuvant trials (mean scheduled 14.4 months in "
        "the EBCTCG 2021 overview, seen).",
    ),
    rec(
        "aromatase_inhibitor_extra_inhibition",
        "ε_AI",
        "Extra fractional growth inhibition of ER+ foci by an aromatase inhibitor over tamoxifen",
        round(1.0 - (1.0 - KI67_AI) / (1.0 - KI67_TAMOXIFEN), 4),
        "dimensionless",
        0.0,
        0.9,
        ["dowsett2005", "assumption"],
        f"IMPACT (Dowsett 2005; greater Ki-67 suppression with anastrozole than tamoxifen at 2 and 12 weeks seen; "
        f"the 12-week geometric-mean suppressions {KI67_AI:.0%} vs {KI67_TAMOXIFEN:.0%} recalled, not seen here): "
        f"residual proliferation on an AI is (1 − {KI67_AI}) / (1 − {KI67_TAMOXIFEN}) of that on tamoxifen, so the "
        "Gompertz rate of every focus on tamoxifen (1 − ε_endo) is multiplied by that ratio (Ki-67 measures growing "
        "tumours; colony founding by awakened cells stays as on tamoxifen). Apoptosis rose "
        "with neither drug in IMPACT, so the eradication hazard h_endo is unchanged. Postmenopausal women, or "
        "premenopausal women on ovarian suppression.",
        evidence="derived",
    ),
    rec(
        "ai_sensitive_fraction_of_tamoxifen_resistant",
        "φ_AI",
        "Fraction of the de novo tamoxifen-resistant ER+ patients whose disease is sensitive to oestrogen deprivation "
        "(an aromatase inhibitor)",
        round(AI_SENSITIVE_OF_TAM_RESISTANT, 4),
        "dimensionless",
        0.0,
        0.8,
        ["ellis2001", "eiermann2001", "assumption"],
        f"Tamoxifen is a partial agonist; where ER signalling is driven by ErbB1/ErbB2 it fails while oestrogen "
        f"deprivation still works. P024 (Ellis 2001, abstract seen: 4 months of neoadjuvant letrozole vs tamoxifen, "
        f"postmenopausal, ER+ cases): responses {P024_LETROZOLE:.0%} vs {P024_TAMOXIFEN:.0%}; ErbB1/2+ 88 % vs 21 %; "
        "all cases 55 % vs 36 % (Eiermann 2001, seen in a review's table). Assumption: de novo resistance (no "
        "benefit, patients_natural_history.endocrine_resistant_fraction, calibrated under tamoxifen) is in the same "
        "proportion as non-response, so the AI's resistant fraction is the tamoxifen one times "
        f"(1 − {P024_LETROZOLE}) / (1 − {P024_TAMOXIFEN}) = {(1 - P024_LETROZOLE) / (1 - P024_TAMOXIFEN):.3f}, i.e. "
        f"φ = {AI_SENSITIVE_OF_TAM_RESISTANT:.3f} of the tamoxifen-resistant are AI-sensitive "
        "(patients/endocrine_resistance.py). Applies to an aromatase inhibitor from diagnosis. Prior 0-0.8.",
        evidence="derived",
    ),
    rec(
        "ai_escape_per_year_of_tamoxifen_resistant",
        "λ_AI",
        "Hazard with which the disease of a tamoxifen-resistant, AI-sensitive patient escapes oestrogen deprivation",
        round(AI_ESCAPE_PER_YEAR, 4),
        "1 / year",
        0.0,
        6.0,
        ["huober2012", "ellis2001", "assumption"],
        f"The tumours that resist tamoxifen but respond to an AI are those whose ER is driven by growth-factor "
        f"(ErbB1/ErbB2) signalling (P024, Ellis 2001); under oestrogen deprivation that signalling escapes by "
        f"adaptation (ligand-independent ER activation), not by a rare mutation, so its time scale need not depend "
        f"on tumour size. eLEcTRA (Huober 2012, abstract seen): letrozole alone, first line, HER2+/HR+ metastatic "
        f"disease, median time to progression {ELECTRA_TTP_MONTHS} months (15.2 months in HER2−/HR+ disease on "
        f"letrozole). Taken as exponential: λ = ln 2 / ({ELECTRA_TTP_MONTHS} / 12 y) = {AI_ESCAPE_PER_YEAR:.2f} "
        "per year, the patient's AI-sensitivity ending at T = −ln(1 − u₁)/λ_AI (patients/endocrine_resistance.py). "
        "Assumption: the metastatic time to progression measures the micrometastatic escape (it also holds regrowth "
        "to a detectable progression, so the escape may be faster; the sensitive majority's acquired resistance, "
        "patients_natural_history.endocrine_acquired_resistance_per_year, is mutational and far slower in "
        "micrometastases). Scaling the majority's fitted 0.013 per year by the eLEcTRA ratio 15.2/3.3 instead "
        "(0.06 per year) was also run (docs/calibration-run-10). Prior 0-6 per year.",
        evidence="derived",
    ),
    rec(
        "cdk46_growth_factor",
        "g_CDK",
        "Factor on the growth rate of every focus of an ER+ patient on abemaciclib with endocrine therapy",
        round((1.0 - KI67_ABEMA_AI) / (1.0 - KI67_AI_NEO), 4),
        "dimensionless",
        0.02,
        1.0,
        ["hurvitz2020", "assumption"],
        f"neoMONARCH (Hurvitz 2020; complete cell-cycle arrest after 2 weeks in 68 % with abemaciclib + anastrozole "
        f"vs 14 % with anastrozole seen; the geometric-mean Ki-67 suppressions {KI67_ABEMA_AI:.0%} vs "
        f"{KI67_AI_NEO:.0%} recalled, not seen here): residual proliferation with abemaciclib is "
        f"(1 − {KI67_ABEMA_AI}) / (1 − {KI67_AI_NEO}) of that on the aromatase inhibitor alone; cytostatic (no "
        "kill): foci grow at this fraction of their endocrine-treated rate while it is taken.",
        evidence="derived",
    ),
    rec(
        "cdk46_resistant_growth_factor",
        "g_CDK,R",
        "Factor on the growth rate of every focus of an ER+ patient on abemaciclib once her disease is "
        "endocrine-resistant",
        round(MONARCH2_MEDIAN_PLACEBO / MONARCH2_MEDIAN_ABEMA, 4),
        "dimensionless",
        0.3,
        1.0,
        ["sledge2017", "ma2017", "hurvitz2020", "assumption"],
        f"CDK4/6 inhibition arrests cells in G1 without ER signalling: abemaciclib alone gave complete cell-cycle "
        f"arrest in 58 % after 2 weeks (neoMONARCH, Hurvitz 2020, seen), and palbociclib was antiproliferative in "
        f"tumours resistant to anastrozole (NeoPalAna, Ma 2017, seen). Size in endocrine-resistant disease: MONARCH 2 "
        f"(Sledge 2017, seen; advanced disease that progressed on endocrine therapy): abemaciclib + fulvestrant vs "
        f"fulvestrant, median PFS {MONARCH2_MEDIAN_ABEMA} vs {MONARCH2_MEDIAN_PLACEBO} months, HR {MONARCH2_HR}. "
        f"Under the model's growth law a focus's size depends on alpha t only, so a growth factor g stretches every "
        f"time to progression by 1/g: g = {MONARCH2_MEDIAN_PLACEBO} / {MONARCH2_MEDIAN_ABEMA} = "
        f"{MONARCH2_MEDIAN_PLACEBO / MONARCH2_MEDIAN_ABEMA:.3f} (the HR, {MONARCH2_HR}, the same under an "
        f"exponential time to progression). Applied, while abemaciclib is taken, to the foci of monarchE-eligible "
        f"patients from their time of endocrine resistance T_R (endocrine_resistance), on whom cdk46_growth_factor "
        f"(measured on endocrine-sensitive tumours with an AI) does not act. Assumptions: fulvestrant's residual "
        "effect in MONARCH 2's control arm is ignored (the model's resistant disease has none), and advanced-disease "
        f"progression stands for the growth of micrometastases. monarchE's own outcome is not used.",
        evidence="derived",
    ),
    rec(
        "cdk46_years",
        "T_CDK",
        "Duration of adjuvant abemaciclib",
        2.0,
        "year",
        1.0,
        3.0,
        ["johnston2020", "assumption"],
        "Two years of abemaciclib 150 mg twice daily (monarchE design, seen).",
    ),
]

doc = dict(
    set=NAME,
    model="patients",
    description="Modern adjuvant care (aromatase inhibitors, ovarian suppression, extended endocrine therapy, "
    "taxanes, trastuzumab, adjuvant CDK4/6 inhibition) on the patient model's mechanisms, from neoadjuvant "
    "pharmacology (pCR, Ki-67); checked, not calibrated, against the adjuvant meta-analyses and trials.",
    parameters=records,
)
header = "# Generated by tools/make_care_parameters.py; edit that script, not this file.\n"
write_set(SETS / f"{NAME}.yaml", header, doc)
