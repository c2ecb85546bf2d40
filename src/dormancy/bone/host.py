r"""Host state over a lifetime: oestrogen through menopause, inflammaging and obesity, as drives of the bone.

Oestrogen activity (1 = premenopausal mean) falls after the menopause age :math:`a_m` towards the postmenopausal
level :math:`E_{post}` with the transition time :math:`\tau_E`:

.. math::

    E(a) = 1 \ (a < a_m), \qquad E(a) = E_{post} + (1 - E_{post}) e^{-(a - a_m)/\tau_E} \ (a \ge a_m).

Chronic inflammation (IL-1β, IL-6), in [0, 1], rises with age after 40 (inflammaging) and with adiposity above
BMI 25, plus any extra chronic inflammation of the host:

.. math::

    I(a) = \min\big(1, \; s_{age} \max(0, a - 40)/10 + s_{BMI} \max(0, BMI - 25)/5 + I_{extra}\big).

Obesity also raises angiogenic factors (VEGF, LCN2, bFGF), which shorten latency [7]:
:math:`V = \min(1, s_V \max(0, BMI - 25)/5)`. Ageing, inflammation, menopause and obesity can all awaken dormant
cells (review [7]); how they act on the bone is in :mod:`dormancy.bone.lifetime`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet

MODEL_NAME = "host"
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class HostProfile:
    """One person's host state.

    Parameters
    ----------
    age_years : float
        Age at the start of a run, years.
    menopause_age_years : float or None
        Age at the final menstrual period, years; ``None`` for no menopause during the run (a premenopausal host
        who stays so, or a host without ovarian oestrogen to lose).
    bmi : float
        Body-mass index, kg/m².
    extra_inflammation : float
        Chronic inflammation beyond age and adiposity, in [0, 1].
    """

    age_years: float = 45.0
    menopause_age_years: float | None = 51.0
    bmi: float = 25.0
    extra_inflammation: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.age_years <= 120.0:
            problems.append(Problem("host.age_years", "an age in [0, 120] years", repr(self.age_years)))
        if self.menopause_age_years is not None and not 30.0 <= self.menopause_age_years <= 65.0:
            problems.append(
                Problem("host.menopause_age_years", "an age in [30, 65] years", repr(self.menopause_age_years))
            )
        if not 12.0 <= self.bmi <= 80.0:
            problems.append(Problem("host.bmi", "a BMI in [12, 80] kg/m²", repr(self.bmi)))
        if not 0.0 <= self.extra_inflammation <= 1.0:
            problems.append(Problem("host.extra_inflammation", "a value in [0, 1]", repr(self.extra_inflammation)))
        if problems:
            raise InputError(problems)


@dataclass(frozen=True)
class HostParameters:
    """Constants of the host model (the ``host_lifetime`` registry set)."""

    postmenopausal_oestrogen: float
    menopausal_transition_years: float
    inflammaging_per_decade: float
    inflammation_per_5_bmi: float
    angiogenic_per_5_bmi: float

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> HostParameters:
        """Read the constants from a registry set of model ``host``."""
        values = parameters.values()
        return cls(**{field.name: float(values[field.name]) for field in fields(cls)})


def age_at(host: HostProfile, days: ArrayLike) -> NDArray[np.float64]:
    """Return the host's age in years after ``days`` of a run."""
    return host.age_years + np.asarray(days, dtype=np.float64) / DAYS_PER_YEAR


def oestrogen(host: HostProfile, p: HostParameters, days: ArrayLike) -> NDArray[np.float64]:
    """Return oestrogen activity :math:`E` (1 = premenopausal) at ``days`` into the run (module formula)."""
    age = age_at(host, days)
    if host.menopause_age_years is None:
        return np.ones_like(age)
    since = np.maximum(age - host.menopause_age_years, 0.0)
    level = p.postmenopausal_oestrogen + (1.0 - p.postmenopausal_oestrogen) * np.exp(
        -since / p.menopausal_transition_years
    )
    return np.where(age < host.menopause_age_years, 1.0, level)


def inflammation(host: HostProfile, p: HostParameters, days: ArrayLike) -> NDArray[np.float64]:
    """Return chronic inflammation :math:`I` in [0, 1] at ``days`` into the run (module formula)."""
    age = age_at(host, days)
    level = (
        p.inflammaging_per_decade * np.maximum(age - 40.0, 0.0) / 10.0
        + p.inflammation_per_5_bmi * max(host.bmi - 25.0, 0.0) / 5.0
        + host.extra_inflammation
    )
    return np.minimum(level, 1.0)


def angiogenic_drive(host: HostProfile, p: HostParameters) -> float:
    """Return the obesity-driven angiogenic factor level :math:`V` (VEGF, LCN2, bFGF) in [0, 1]."""
    return float(min(1.0, p.angiogenic_per_5_bmi * max(host.bmi - 25.0, 0.0) / 5.0))
