"""Likelihood-free Bayesian calibration of expensive stochastic simulators.

History matching with Gaussian-process emulators (Vernon 2010; Andrianakis 2015) rules out implausible parameter
regions in waves of design runs; MCMC (emcee's affine-invariant ensemble; Goodman & Weare 2010,
Foreman-Mackey 2013) then samples the posterior of the emulated likelihood, and the posterior is checked by posterior
predictive runs of the simulator itself and, on synthetic data, by coverage of its credible intervals
(simulation-based calibration; Talts 2018). Nothing here knows about the patient model: it is wired to it in
:mod:`dormancy.patients.posterior_fit`.
"""

from dormancy.inference.likelihood import Observation, implausibility, log_likelihood
from dormancy.inference.space import ParameterSpace

__all__ = ["Observation", "ParameterSpace", "implausibility", "log_likelihood"]
