"""Generate the parameter set ``niche_transport``: diffusion, decay, vessel and initial values of the niche's fields.

Edit this script, not the YAML file, then run ``python tools/make_niche_transport.py``. Per field ``X`` the set holds
``D_X`` (µm²/min), ``decay_X`` (1/min), ``initial_X`` and, for fields held fixed in vessels, ``vessel_X``. Sources are
../shared/models.md §4: PhysiCell/BioFVM defaults for oxygen (seen); the TGF-β and VEGF values of a public ABM
parameter file that models.md quotes without naming (so recorded as assumptions that take those values); the
other factors by analogy with a cytokine of similar size from the same file, or from a size estimate, each a
documented assumption with a prior range. O2 is in mmHg; every other field is a relative concentration (1 = its
reference level, see ``dormancy.niche.fields``).
"""

from _records import SETS, record, write_set

NAME = "niche_transport"
ABM_FILE = (
    "a public ABM parameter file quoted in models.md §4 (TGF-β 26 µm²/s and VEGF 29 µm²/s, decay 1.65e-4 /s; IL-2 "
    "100, CCL2 50 µm²/s; decays IL-2 2.78e-5, CCL2 1.67e-5 /s); the file is not identified, so the value is "
    "recorded as an assumption"
)


def rec(symbol, label, desc, value, unit, low, high, source, note, evidence="assumption", dist="loguniform"):
    """Return one parameter record as a mapping (prior log-uniform unless told)."""
    return record(symbol, label, desc, value, unit, low, high, source=source, evidence=evidence, note=note, dist=dist)


def diffusion(name, value, low, high, note, source=("assumption",), evidence="assumption"):
    """Return the diffusion-coefficient record of a field."""
    return rec(
        f"D_{name}",
        f"D_{name}",
        f"Diffusion coefficient of {name} in marrow",
        value,
        "micrometer ** 2 / minute",
        low,
        high,
        list(source),
        note,
        evidence,
    )


def decay(name, value, low, high, note, source=("assumption",), evidence="assumption"):
    """Return the first-order decay-rate record of a field."""
    return rec(
        f"decay_{name}",
        f"λ_{name}",
        f"First-order decay (degradation, binding, clearance) rate of {name} in marrow",
        value,
        "1 / minute",
        low,
        high,
        list(source),
        note,
        evidence,
    )


def initial_zero(name):
    """Return the record of a zero initial value (no factor before the agents secrete it)."""
    return rec(
        f"initial_{name}",
        f"{name}_0",
        f"Initial {name} in marrow (relative to its reference level)",
        0.0,
        "dimensionless",
        0.0,
        1.0,
        ["assumption"],
        "A run starts without the factor; the agents' secretion builds it up within a few decay times. Prior 0–1 "
        "(up to the reference level) for runs started from a pre-conditioned niche.",
        dist="uniform",
    )


PHYSICELL = ["ghaffarizadeh2018"]
TGF_D_NOTE = (
    f"Effective diffusivity in marrow matrix, 300 µm²/min (the bottom of the prior): TGF-β-family ligands are "
    "secreted as latent complexes that bind the matrix (LTBP, fibrillin, heparan sulfate) and act near where they "
    "are released, so their effective diffusivity is well below free diffusion (assumption). Free diffusion is "
    f"26 µm²/s = 1560 µm²/min in {ABM_FILE}; with it the decay length (~400 µm) spanned the whole section and TGF-β1 "
    "from sprouting tips, macrophages and osteoclasts sat near its reference level everywhere (measured; see "
    "docs/architecture.md, 'The niche: agents'). Prior 300–6000 µm²/min (matrix binding to free diffusion)."
)
TGF_DECAY_NOTE = f"1.65e-4 /s = 9.9e-3 /min (t½ ≈ 70 min), from {ABM_FILE}. Prior 1e-3–1e-1 /min."

R = [
    diffusion(
        "O2",
        1.0e5,
        5.0e4,
        2.0e5,
        "PhysiCell/BioFVM default oxygen diffusion coefficient (models.md §4). Prior 0.5–2× (tissue O2 diffusivity "
        "~1–3e-5 cm²/s = 0.6–1.8e5 µm²/min).",
        PHYSICELL,
        "seen",
    ),
    decay(
        "O2",
        0.1,
        0.01,
        1.0,
        "PhysiCell/BioFVM default bulk oxygen decay (models.md §4); the cells' own uptake (10 /min per cell in "
        "PhysiCell) is added by the agents. Prior tenfold either side.",
        PHYSICELL,
        "seen",
    ),
    rec(
        "vessel_O2",
        "pO2_v",
        "Oxygen partial pressure held in sinusoid lumen voxels",
        38.0,
        "mmHg",
        10.0,
        60.0,
        ["ghaffarizadeh2018", "spencer2014"],
        "PhysiCell's default Dirichlet value 38 mmHg (≈5% O2; models.md §4). Marrow measurements: below 32 mmHg in "
        "mouse marrow with ~10 mmHg lowest (Spencer 2014); human aspirates 41 ± 6 mmHg (hyperplastic 56 ± 8): "
        "prior uniform 10–60 mmHg.",
        evidence="seen",
        dist="uniform",
    ),
    rec(
        "initial_O2",
        "pO2_0",
        "Initial oxygen partial pressure in marrow",
        38.0,
        "mmHg",
        10.0,
        60.0,
        ["ghaffarizadeh2018", "spencer2014"],
        "Equal to the vessel value (PhysiCell's default initial condition); cell uptake lowers it within minutes.",
        evidence="derived",
        dist="uniform",
    ),
    diffusion("TGFB1", 300.0, 300.0, 6000.0, TGF_D_NOTE),
    decay("TGFB1", 9.9e-3, 1.0e-3, 1.0e-1, TGF_DECAY_NOTE),
    diffusion("TGFB2", 300.0, 300.0, 6000.0, "As TGF-β1 (same size, same family). " + TGF_D_NOTE),
    decay("TGFB2", 9.9e-3, 1.0e-3, 1.0e-1, "As TGF-β1. " + TGF_DECAY_NOTE),
    diffusion(
        "BMP7",
        300.0,
        300.0,
        6000.0,
        "As TGF-β (BMP7 is a TGF-β-superfamily dimer of similar size, ~35 kDa). " + TGF_D_NOTE,
    ),
    decay("BMP7", 9.9e-3, 1.0e-3, 1.0e-1, "As TGF-β. " + TGF_DECAY_NOTE),
    diffusion(
        "CXCL12",
        3000.0,
        300.0,
        6000.0,
        f"As CCL2 (50 µm²/s = 3000 µm²/min), a chemokine of similar size (~8–10 kDa), from {ABM_FILE}. CXCL12 binds "
        "heparan sulfate, which lowers its effective diffusivity: prior 300–6000 µm²/min.",
    ),
    decay(
        "CXCL12",
        1.0e-3,
        1.0e-4,
        1.0e-2,
        f"As CCL2 (1.67e-5 /s = 1.0e-3 /min), from {ABM_FILE}. Prior tenfold either side.",
    ),
    diffusion(
        "IL1B",
        6000.0,
        600.0,
        12000.0,
        f"As IL-2 (100 µm²/s = 6000 µm²/min), a cytokine of similar size (IL-1β 17 kDa, IL-2 15 kDa), from {ABM_FILE}. "
        "Prior 600–12000 µm²/min.",
    ),
    decay(
        "IL1B",
        1.67e-3,
        1.67e-4,
        1.67e-2,
        f"As IL-2 (2.78e-5 /s = 1.67e-3 /min), from {ABM_FILE}. Prior tenfold either side.",
    ),
    diffusion(
        "VEGF",
        1740.0,
        300.0,
        6000.0,
        f"29 µm²/s = 1740 µm²/min, from {ABM_FILE}. Free VEGF in water ~100 µm²/s (6000 µm²/min) is the top of the "
        "prior; matrix-bound isoforms diffuse slower.",
    ),
    decay("VEGF", 9.9e-3, 1.0e-3, 1.0e-1, f"1.65e-4 /s = 9.9e-3 /min, from {ABM_FILE}. Prior tenfold either side."),
    diffusion(
        "TSP1",
        30.0,
        30.0,
        3000.0,
        "No source. Thrombospondin-1 is a ~450 kDa matricellular trimer deposited in the perivascular basement "
        "membrane, where it holds DTCs quiescent [55]: it stays near the vessel that makes it. 30 µm²/min (the bottom "
        "of the prior) with decay 0.01 /min gives a decay length of ~55 µm, a few cell diameters (assumption; with "
        "300 µm²/min and 1e-3 /min, ~550 µm, it covered the whole section). Prior 30–3000 µm²/min.",
    ),
    decay(
        "TSP1",
        1.0e-2,
        1.0e-3,
        1.0e-1,
        "No source. Matrix-bound; turnover, receptor uptake and capture by the matrix together t½ ≈ 70 min, as the "
        "TGF-β family here (assumption). Prior 1e-3–1e-1 /min.",
    ),
    diffusion(
        "POSTN",
        30.0,
        30.0,
        3000.0,
        "No source. Periostin (~90 kDa) is a matricellular protein deposited in the matrix at sprouting tips [55]; "
        "as TSP1: 30 µm²/min (bottom of the prior), decay length ~55 µm with decay 0.01 /min (assumption). "
        "Prior 30–3000 µm²/min.",
    ),
    decay(
        "POSTN",
        1.0e-2,
        1.0e-3,
        1.0e-1,
        "No source. Matrix-bound; turnover, receptor uptake and capture by the matrix together t½ ≈ 70 min, as the "
        "TGF-β family here (assumption). Prior 1e-3–1e-1 /min.",
    ),
    diffusion(
        "MIR222_223",
        60.0,
        6.0,
        600.0,
        "No source. The miRNA travels in exosomes (~100 nm): Stokes–Einstein in water gives ≈ 4.4 µm²/s "
        "(260 µm²/min); hindrance by marrow matrix and cells lowers it (assumed fourfold). Prior tenfold either side.",
    ),
    decay(
        "MIR222_223",
        2.8e-3,
        2.8e-4,
        2.8e-2,
        "No source. Exosome uptake and clearance with t½ ≈ 4 h assumed; prior tenfold either side.",
    ),
    diffusion(
        "PTHRP",
        6000.0,
        600.0,
        12000.0,
        "No source. PTHrP(1–141) is ~16 kDa, close to IL-2 (100 µm²/s in the ABM file of models.md §4); prior "
        "600–12000 µm²/min.",
    ),
    decay(
        "PTHRP",
        1.0e-2,
        1.0e-3,
        1.0e-1,
        "No source. Local proteolysis and receptor binding with t½ ≈ 70 min, as TGF-β (plasma PTH/PTHrP clear in "
        "minutes, mostly renally, which does not apply within the marrow); prior tenfold either side.",
    ),
    diffusion(
        "DRUG",
        1.2e4,
        1.2e3,
        6.0e4,
        "No source. A small-molecule drug (~0.5 kDa) diffuses at ~100–300 µm²/s in tissue; 200 µm²/s assumed. "
        "Antibodies (150 kDa) diffuse ~tenfold slower: the bottom of the prior.",
    ),
    decay(
        "DRUG",
        1.0e-3,
        1.0e-4,
        1.0e-1,
        "No source. Local metabolism and binding in marrow; systemic elimination acts through the vessel value, "
        "which a scenario sets from the plasma PK. Prior 1e-4–1e-1 /min.",
    ),
    rec(
        "vessel_DRUG",
        "DRUG_v",
        "Drug concentration held in sinusoid lumen voxels, relative to the plasma reference level",
        0.0,
        "dimensionless",
        0.0,
        10.0,
        ["assumption"],
        "0 = no drug. A scenario sets it (1 = the plasma reference level of the drug's PK, e.g. its Cmax) through "
        "load_field_specs(overrides={'vessel_DRUG': ...}). Prior uniform 0–10.",
        dist="uniform",
    ),
    *[initial_zero(name) for name in ("TGFB1", "TGFB2", "BMP7", "CXCL12", "IL1B", "VEGF", "TSP1", "POSTN")],
    initial_zero("MIR222_223"),
    initial_zero("PTHRP"),
    initial_zero("DRUG"),
]


def main() -> None:
    """Write the set's YAML file."""
    data = dict(
        set=NAME,
        model="niche_transport",
        description="Transport of the niche's fields: diffusion coefficients, decay rates, vessel (Dirichlet) and "
        "initial values for O2 (mmHg) and the signalling factors, exosomal miR-222/223, PTHrP and drug (relative "
        "concentrations, 1 = reference level).",
        parameters=R,
    )
    text = "# Generated by tools/make_niche_transport.py; edit that script, not this file.\n"
    write_set(SETS / f"{NAME}.yaml", text, data)


if __name__ == "__main__":
    main()
