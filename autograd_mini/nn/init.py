"""Parameter initialisation, with PyTorch's names, formulas and defaults.

Every function fills a tensor out of place (``tensor.data = new_array``, so arrays saved
by a graph are never mutated) and returns it. Random ones take ``generator``: a
``np.random.Generator``, an int seed, or None for fresh OS entropy.

For a weight of shape ``(fan_out, fan_in, *kernel)`` the fans are
``fan_in = shape[1]·prod(kernel)`` and ``fan_out = shape[0]·prod(kernel)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor

Generator = np.random.Generator | int | None


def as_generator(generator: Generator, who: str = "init") -> np.random.Generator:
    """A ``np.random.Generator`` from a Generator, an int seed or None (fresh entropy)."""
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is None or isinstance(generator, (int, np.integer)):
        return np.random.default_rng(generator)
    raise TypeError(
        f"{who}: generator must be a numpy.random.Generator, an int seed or None, got "
        f"{type(generator).__name__}"
    )


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table).

    1 for linear, identity, conv1d/2d/3d, conv_transpose1d/2d/3d and sigmoid; 5/3 for
    tanh; √2 for relu; √(2/(1 + slope²)) for leaky_relu (negative slope ``param``, default
    0.01); 3/4 for selu.

    >>> round(calculate_gain("leaky_relu", 0.2), 6), calculate_gain("conv_transpose2d")
    (1.38675, 1.0)
    """
    linear = {
        "linear", "identity", "conv1d", "conv2d", "conv3d",
        "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid",
    }
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, np.integer, np.floating)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
        f"{', '.join(sorted(linear))}, tanh, relu, leaky_relu, selu"
    )


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight with at least 2 axes (see the module docstring)."""
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor of shape {shape}: it needs "
            f"at least 2 axes (out_features, in_features); initialise biases with "
            f"uniform_/zeros_ instead"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: the lower bound a={a} exceeds the upper bound b={b}")
    rng = as_generator(generator, "uniform_")
    return _fill(tensor, rng.uniform(a, b, size=_shape(tensor)))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator = None
) -> Tensor:
    """Fill with draws from N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    rng = as_generator(generator, "normal_")
    return _fill(tensor, rng.normal(mean, std, size=_shape(tensor)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    return _fill(tensor, np.full(_shape(tensor), val))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot/Xavier uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot/Xavier normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He/Kaiming uniform: U(-b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``a`` is the negative slope of a leaky ReLU; ``mode`` picks fan_in (keeps the forward
    variance) or fan_out (keeps the backward variance). With the defaults and
    ``nonlinearity="relu"`` the gain is √2.
    """
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He/Kaiming normal: N(0, std²) with std = gain / √fan (see :func:`kaiming_uniform_`)."""
    fan = _fan(tensor, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def _fan(tensor: Tensor, mode: str, who: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{who}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{who}: the tensor of shape {_shape(tensor)} has a zero {mode}")
    return fan


def _shape(tensor: Any) -> tuple[int, ...]:
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"nn.init functions fill a Tensor (e.g. layer.weight), got {type(tensor).__name__}"
        )
    return tuple(tensor.shape)


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data = np.asarray(values, dtype=tensor.dtype)
    return tensor
