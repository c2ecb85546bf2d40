r"""Normalised Hill kinetics for literature-curated signalling networks (Wittmann et al. 2009, "HillCube").

Every node value lies in [0, 1]. An edge from node :math:`x` acts through the normalised Hill function

.. math::

    \bar f(x) = \frac{x^n}{x^n + k^n} (1 + k^n),

which maps 0 to 0 and 1 to 1 and switches around the threshold :math:`k` with steepness :math:`n` (Wittmann DM et
al. 2009, BMC Syst Biol 3:98). A node's target activity combines its regulators as a continuous Boolean rule,
"any activator AND NOT any inhibitor", with the probabilistic OR and AND of the HillCube construction:

.. math::

    B = \Big[1 - \prod_{a} \big(1 - w_a \bar f(x_a)\big)\Big] \prod_{r} \big(1 - w_r \bar f(x_r)\big),

with edge weights :math:`w \in [0, 1]` (1: the regulator alone can fully switch the node). A node without
activators uses a constant basal activity in place of the bracket. The node relaxes towards its target,
:math:`dx/dt = (B - x)/\tau`, with time constant :math:`\tau` in hours.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def normalised_hill(x: ArrayLike, n: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    r"""Return :math:`\bar f(x) = x^n (1 + k^n) / (x^n + k^n)`, the Hill function normalised to :math:`\bar f(1) = 1`.

    Parameters
    ----------
    x : array_like
        Regulator activity, dimensionless in [0, 1] (values below 0 are treated as 0).
    n : array_like
        Hill coefficient (steepness), dimensionless, > 0.
    k : array_like
        Threshold, dimensionless in (0, 1): :math:`\bar f(k) = (1 + k^n)/2`.

    Returns
    -------
    numpy.ndarray
        Same broadcast shape; 0 at x = 0, 1 at x = 1, increasing.
    """
    x_n = np.power(np.maximum(np.asarray(x, dtype=np.float64), 0.0), n)
    k_n = np.power(np.asarray(k, dtype=np.float64), n)
    return x_n * (1.0 + k_n) / (x_n + k_n)


def target_activity(
    activation: NDArray[np.float64],
    inhibition: NDArray[np.float64],
    has_activators: NDArray[np.bool_],
    basal: ArrayLike,
) -> NDArray[np.float64]:
    r"""Combine weighted regulator effects into a node's target activity :math:`B`.

    Parameters
    ----------
    activation : numpy.ndarray
        Weighted activator effects :math:`w_a \bar f(x_a)`, shape ``(..., nodes, max_activators)``, padded with 0.
    inhibition : numpy.ndarray
        Weighted inhibitor effects :math:`w_r \bar f(x_r)`, shape ``(..., nodes, max_inhibitors)``, padded with 0.
    has_activators : numpy.ndarray of bool
        Shape ``(nodes,)``: whether the node has any activator (otherwise ``basal`` replaces the OR term).
    basal : array_like
        Basal activity of nodes without activators, shape broadcastable to ``(..., nodes)``.

    Returns
    -------
    numpy.ndarray
        :math:`B`, shape ``(..., nodes)``, in [0, 1].
    """
    any_activator = 1.0 - np.prod(1.0 - activation, axis=-1)
    all_clear = np.prod(1.0 - inhibition, axis=-1)
    return np.where(has_activators, any_activator, basal) * all_clear
