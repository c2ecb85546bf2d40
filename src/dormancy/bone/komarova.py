r"""Komarova et al. 2003 bone-remodelling model: osteoclasts, osteoblasts and bone mass at one remodelling site.

The model (Komarova SV et al. 2003, Bone 33:206–215; BioModels BIOMD0000000148) couples osteoclasts
:math:`x_1` and osteoblasts :math:`x_2` (cells) through power-law autocrine and paracrine terms, and tracks bone
mass :math:`z` (% of the initial value):

.. math::

    \frac{dx_1}{dt} &= \alpha_1 x_1^{g_{11}} x_2^{g_{21}} - \beta_1 x_1 \\
    \frac{dx_2}{dt} &= \alpha_2 x_1^{g_{12}} x_2^{g_{22}} - \beta_2 x_2 \\
    \frac{dz}{dt}   &= -k_1 \max(0, x_1 - \bar x_1) + k_2 \max(0, x_2 - \bar x_2)

with the non-trivial steady state (BioModels' correction of the paper's typo in :math:`\bar x_2`)

.. math::

    \Gamma = g_{12} g_{21} - (1 - g_{11})(1 - g_{22}), \quad
    \bar x_1 = (\beta_1/\alpha_1)^{(1 - g_{22})/\Gamma} (\beta_2/\alpha_2)^{g_{21}/\Gamma}, \quad
    \bar x_2 = (\beta_1/\alpha_1)^{g_{12}/\Gamma} (\beta_2/\alpha_2)^{(1 - g_{11})/\Gamma}.

Two parameter sets ship with the package: ``komarova2003`` (g11 = 0.5, a single damped remodelling cycle) and
``ayati2010`` (g11 = 1.1, Ayati et al. 2010 Biol Direct 5:28, periodic remodelling cycles). Time is in days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dormancy.params import ParameterSet
from dormancy.sbml import SbmlOdeModel, SbmlQuantity, write_sbml

MODEL_NAME = "komarova"

#: State variables in the order of the state vector, with unit and description.
STATES: tuple[tuple[str, str, str], ...] = (
    ("osteoclasts", "cell", "Osteoclasts at the remodelling site"),
    ("osteoblasts", "cell", "Osteoblasts at the remodelling site"),
    ("bone_mass", "percent", "Bone mass relative to its initial value"),
)

#: Symbols the model reads from its parameter set.
PARAMETER_SYMBOLS: tuple[str, ...] = (
    "osteoclast_production",
    "osteoblast_production",
    "osteoclast_removal",
    "osteoblast_removal",
    "osteoclast_autocrine_exponent",
    "osteoblast_to_osteoclast_exponent",
    "osteoclast_to_osteoblast_exponent",
    "osteoblast_autocrine_exponent",
    "resorption_rate",
    "formation_rate",
    "initial_osteoclasts",
    "initial_osteoblasts",
    "initial_bone_mass",
)


@dataclass(frozen=True)
class KomarovaParameters:
    """Values of the Komarova model in the notation of the paper (units as in the parameter registry).

    Parameters
    ----------
    alpha1, alpha2 : float
        Osteoclast and osteoblast production coefficients (cell^(1-g11-g21)/day, cell^(1-g12-g22)/day).
    beta1, beta2 : float
        Osteoclast and osteoblast removal rates, 1/day.
    g11, g21, g12, g22 : float
        Power-law exponents: osteoclast autocrine, osteoblast→osteoclast, osteoclast→osteoblast, osteoblast
        autocrine (dimensionless).
    k1, k2 : float
        Resorption and formation per cell above steady state, %/cell/day.
    """

    alpha1: float
    alpha2: float
    beta1: float
    beta2: float
    g11: float
    g21: float
    g12: float
    g22: float
    k1: float
    k2: float

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> KomarovaParameters:
        """Read the values from a registry parameter set of model ``komarova``."""
        v = parameters.values()
        return cls(
            alpha1=v["osteoclast_production"],
            alpha2=v["osteoblast_production"],
            beta1=v["osteoclast_removal"],
            beta2=v["osteoblast_removal"],
            g11=v["osteoclast_autocrine_exponent"],
            g21=v["osteoblast_to_osteoclast_exponent"],
            g12=v["osteoclast_to_osteoblast_exponent"],
            g22=v["osteoblast_autocrine_exponent"],
            k1=v["resorption_rate"],
            k2=v["formation_rate"],
        )

    @property
    def gamma(self) -> float:
        r"""Return :math:`\Gamma = g_{12} g_{21} - (1 - g_{11})(1 - g_{22})`; a steady state exists iff it is not 0."""
        return self.g12 * self.g21 - (1.0 - self.g11) * (1.0 - self.g22)


def initial_state(parameters: ParameterSet) -> np.ndarray:
    """Return the state at t = 0, ``[osteoclasts, osteoblasts, bone_mass]`` (cell, cell, %), from the set."""
    v = parameters.values()
    return np.array([v["initial_osteoclasts"], v["initial_osteoblasts"], v["initial_bone_mass"]], dtype=np.float64)


def steady_state(p: KomarovaParameters) -> tuple[float, float]:
    r"""Return the closed-form non-trivial steady state :math:`(\bar x_1, \bar x_2)` in cells.

    Parameters
    ----------
    p : KomarovaParameters
        Model values.

    Returns
    -------
    tuple of float
        Osteoclasts and osteoblasts at steady state (Komarova 2003, with BioModels' correction of
        :math:`\bar x_2`).

    Raises
    ------
    ValueError
        If :math:`\Gamma = 0` (no isolated steady state).
    """
    gamma = p.gamma
    if gamma == 0.0:
        raise ValueError("Γ = g12·g21 − (1 − g11)(1 − g22) is zero: the Komarova model has no isolated steady state")
    osteoclast_ratio = p.beta1 / p.alpha1
    osteoblast_ratio = p.beta2 / p.alpha2
    osteoclasts = osteoclast_ratio ** ((1.0 - p.g22) / gamma) * osteoblast_ratio ** (p.g21 / gamma)
    osteoblasts = osteoclast_ratio ** (p.g12 / gamma) * osteoblast_ratio ** ((1.0 - p.g11) / gamma)
    return osteoclasts, osteoblasts


def linear_frequency(p: KomarovaParameters) -> tuple[float, float]:
    r"""Return the real part and angular frequency of the eigenvalues at the steady state.

    The Jacobian at :math:`(\bar x_1, \bar x_2)` has trace :math:`\tau = \beta_1 (g_{11} - 1) + \beta_2 (g_{22} - 1)`
    and determinant :math:`\Delta = -\beta_1 \beta_2 \Gamma`, so the eigenvalues are
    :math:`\tau/2 \pm i \sqrt{\Delta - \tau^2/4}`. Small remodelling cycles have period :math:`2\pi/\omega`.

    Parameters
    ----------
    p : KomarovaParameters
        Model values.

    Returns
    -------
    tuple of float
        Real part (1/day; negative: damped, zero: closed cycles, positive: growing) and angular frequency
        (rad/day; zero when the steady state is a node, not a focus).
    """
    trace = p.beta1 * (p.g11 - 1.0) + p.beta2 * (p.g22 - 1.0)
    determinant = -p.beta1 * p.beta2 * p.gamma
    discriminant = determinant - trace**2 / 4.0
    return trace / 2.0, math.sqrt(discriminant) if discriminant > 0 else 0.0


def make_rhs(p: KomarovaParameters):
    """Return the right-hand side ``rhs(t, y) -> dy/dt`` (per day) for the state ``[x1, x2, z]``.

    Cell numbers enter the power laws clipped at zero: the exact solution stays positive (x = 0 is invariant), so
    the clip only stops a solver's overshoot below zero from producing NaN.

    Parameters
    ----------
    p : KomarovaParameters
        Model values.
    """
    osteoclasts_steady, osteoblasts_steady = steady_state(p)

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        osteoclasts = max(y[0], 0.0)
        osteoblasts = max(y[1], 0.0)
        d_osteoclasts = p.alpha1 * osteoclasts**p.g11 * osteoblasts**p.g21 - p.beta1 * osteoclasts
        d_osteoblasts = p.alpha2 * osteoclasts**p.g12 * osteoblasts**p.g22 - p.beta2 * osteoblasts
        resorbing = max(0.0, osteoclasts - osteoclasts_steady)
        forming = max(0.0, osteoblasts - osteoblasts_steady)
        d_bone = -p.k1 * resorbing + p.k2 * forming
        return np.array([d_osteoclasts, d_osteoblasts, d_bone])

    return rhs


def cycle_starts(time: np.ndarray, osteoblasts: np.ndarray, level: float) -> np.ndarray:
    """Return the times at which osteoblasts rise through ``level`` (the start of each formation phase), days.

    Crossings are located by linear interpolation between output points, so the accuracy is about the output
    spacing squared times the curvature; use a fine output grid for period estimates. With ``level`` equal to the
    steady state every oscillation counts, however small; a level a little above it (say 1 %) counts only
    remodelling cycles that form bone visibly.

    Parameters
    ----------
    time : numpy.ndarray
        Output times, days.
    osteoblasts : numpy.ndarray
        Osteoblasts on those times, cells.
    level : float
        Osteoblast level that marks the start of a cycle, cells.
    """
    offset = osteoblasts - level
    upward = np.flatnonzero((offset[:-1] < 0.0) & (offset[1:] >= 0.0))
    fraction = -offset[upward] / (offset[upward + 1] - offset[upward])
    return time[upward] + fraction * (time[upward + 1] - time[upward])


def sbml_model(parameters: ParameterSet) -> SbmlOdeModel:
    """Describe the Komarova model with the given parameter set for SBML export.

    The steady state enters as SBML initial assignments computed from the parameters, so an independent solver
    also checks the closed form; ``max(0, x − x̄)`` is written as ``piecewise``.

    Parameters
    ----------
    parameters : ParameterSet
        A set of model ``komarova``.
    """
    gamma = (
        "(osteoclast_to_osteoblast_exponent * osteoblast_to_osteoclast_exponent"
        " - (1 - osteoclast_autocrine_exponent) * (1 - osteoblast_autocrine_exponent))"
    )
    clast_ratio = "(osteoclast_removal / osteoclast_production)"
    blast_ratio = "(osteoblast_removal / osteoblast_production)"
    derived = (
        SbmlQuantity(
            "osteoclasts_steady",
            "Steady-state osteoclasts x̄1",
            "cell",
            f"{clast_ratio}^((1 - osteoblast_autocrine_exponent) / {gamma})"
            f" * {blast_ratio}^(osteoblast_to_osteoclast_exponent / {gamma})",
        ),
        SbmlQuantity(
            "osteoblasts_steady",
            "Steady-state osteoblasts x̄2",
            "cell",
            f"{clast_ratio}^(osteoclast_to_osteoblast_exponent / {gamma})"
            f" * {blast_ratio}^((1 - osteoclast_autocrine_exponent) / {gamma})",
        ),
    )
    states = (
        SbmlQuantity("osteoclasts", STATES[0][2], STATES[0][1], "initial_osteoclasts"),
        SbmlQuantity("osteoblasts", STATES[1][2], STATES[1][1], "initial_osteoblasts"),
        SbmlQuantity("bone_mass", STATES[2][2], STATES[2][1], "initial_bone_mass"),
    )
    rate_rules = {
        "osteoclasts": "osteoclast_production * osteoclasts^osteoclast_autocrine_exponent"
        " * osteoblasts^osteoblast_to_osteoclast_exponent - osteoclast_removal * osteoclasts",
        "osteoblasts": "osteoblast_production * osteoclasts^osteoclast_to_osteoblast_exponent"
        " * osteoblasts^osteoblast_autocrine_exponent - osteoblast_removal * osteoblasts",
        "bone_mass": "-resorption_rate * piecewise(osteoclasts - osteoclasts_steady,"
        " osteoclasts > osteoclasts_steady, 0)"
        " + formation_rate * piecewise(osteoblasts - osteoblasts_steady, osteoblasts > osteoblasts_steady, 0)",
    }
    return SbmlOdeModel(
        id=f"komarova_{parameters.name}",
        name=f"Komarova 2003 bone remodelling ({parameters.name})",
        description=f"{parameters.description} Time in days. Exported by the dormancy package.",
        parameters=tuple(parameters),
        derived=derived,
        states=states,
        rate_rules=rate_rules,
        model_sources=tuple(dict.fromkeys(key for record in parameters for key in record.source)),
    )


def to_sbml(parameters: ParameterSet) -> str:
    """Return the SBML L3V2 document of the Komarova model with the given parameter set."""
    return write_sbml(sbml_model(parameters))
