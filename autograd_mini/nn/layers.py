"""Layers with parameters (``Linear``), the ``MLP`` builder, ``Dropout`` and ``Identity``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..ops import api as ops
from ..ops import linalg
from ..tensor import Tensor, apply_op
from . import functional, init
from .activation import ACTIVATIONS
from .module import Module, Parameter, Sequential

Activation = str | Callable[[], Module] | None


class Linear(Module):
    """An affine map y = x Wᵀ + b (PyTorch's layout and initialisation).

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,). Both
    start as U(-1/√in_features, 1/√in_features): PyTorch's default, which is
    ``kaiming_uniform_(weight, a=√5)`` for the weight. Give ``seed`` (an int) or
    ``generator`` (a ``np.random.Generator``) for reproducible weights, ``dtype`` for
    float32 (default: ``am.get_default_dtype()``).

    Derivative: x̄ = ȳ W, W̄ = ȳᵀ x, b̄ = Σ over the batch of ȳ.

    >>> import autograd_mini as am
    >>> from autograd_mini import nn
    >>> layer = nn.Linear(3, 2, seed=0)
    >>> layer(am.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"Linear: {what} must be a positive int, got {n!r}")
        if seed is not None and generator is not None:
            raise ValueError("Linear: give seed or generator, not both")
        dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(f"Linear: dtype must be floating point, got {dt}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=dt))
        self.bias = Parameter(np.zeros(self.out_features, dtype=dt)) if bias else None
        self.reset_parameters(generator if generator is not None else seed)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """Draw fresh weights with PyTorch's default scheme (see the class docstring)."""
        rng = init.as_generator(generator, "Linear")
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), generator=rng)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: Any) -> Tensor:
        """x Wᵀ + b on the last axis of ``input``."""
        x = input if isinstance(input, Tensor) else ops.as_tensor(input, "Linear")
        shape = x._data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: the input has shape {x.shape}, but its last axis must have size "
                f"in_features={self.in_features}"
            )
        # validated here, so straight to the fused op (functional.linear checks the same);
        # the parameters from their registry directly (attribute lookup of a parameter
        # first misses the instance and then falls back to Module.__getattr__)
        params = self._parameters
        weight = params.get("weight")
        if weight is None:  # replaced by a plain attribute (or None): the normal lookup
            weight = self.weight
        bias = params.get("bias")
        if bias is None:
            bias = self.bias
        return apply_op(linalg.linear, (x, weight, bias), None)

    def extra_repr(self) -> str:
        """The sizes and whether there is a bias."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, input: Any) -> Any:
        """Return ``input``."""
        return input


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1 - p);
    in evaluation (``model.eval()``), the identity.

    The expected output equals the input, so nothing changes between training and
    evaluation. Give ``seed`` or ``generator`` for reproducible masks.
    """

    def __init__(
        self, p: float = 0.5, seed: int | None = None, generator: np.random.Generator | None = None
    ) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        if seed is not None and generator is not None:
            raise ValueError("Dropout: give seed or generator, not both")
        self.p = float(p)
        self._rng = init.as_generator(generator if generator is not None else seed, "Dropout")

    def forward(self, input: Any) -> Tensor:
        """Apply the random mask (training) or nothing (evaluation)."""
        return functional.dropout(input, self.p, self.training, self._rng)

    def extra_repr(self) -> str:
        """The drop probability."""
        return f"p={self.p}"


class MLP(Module):
    """A multilayer perceptron: Linear layers with an activation between them.

    ``sizes`` = [n_in, h1, ..., n_out]. ``activation`` (after each hidden layer) and
    ``output_activation`` (after the last, default none) are names ("relu", "sigmoid",
    "tanh", "leaky_relu", "elu", "softmax", "identity") or zero-argument callables making a
    module (e.g. ``nn.Tanh`` or ``lambda: nn.LeakyReLU(0.2)``). ``dropout`` > 0 adds
    ``Dropout`` after each hidden activation. The layers live in ``self.layers``, an
    ``nn.Sequential``, so parameters are named ``layers.0.weight``, ``layers.0.bias``,
    ``layers.2.weight``, ...

    >>> from autograd_mini import nn
    >>> nn.MLP([2, 4, 1], activation="tanh", seed=0)
    MLP(
      (layers): Sequential(
        (0): Linear(in_features=2, out_features=4, bias=True)
        (1): Tanh()
        (2): Linear(in_features=4, out_features=1, bias=True)
      )
    )
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: Activation = "relu",
        output_activation: Activation = None,
        dropout: float = 0.0,
        bias: bool = True,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in sizes
        ):
            raise ValueError(
                f"MLP: sizes must list at least 2 positive ints [n_in, ..., n_out], got {sizes!r}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout!r}")
        if seed is not None and generator is not None:
            raise ValueError("MLP: give seed or generator, not both")
        rng = init.as_generator(generator if generator is not None else seed, "MLP")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype, generator=rng))
            last = i == len(sizes) - 2
            act = _make_activation(output_activation if last else activation, "MLP")
            if act is not None:
                layers.append(act)
            if dropout > 0.0 and not last:
                layers.append(Dropout(dropout, generator=rng))
        self.sizes = sizes
        self.layers = Sequential(*layers)

    def forward(self, input: Any) -> Tensor:
        """Run the layers in order."""
        layers: Any = self._modules["layers"]  # the registry directly (see Linear.forward)
        out: Tensor = layers(input)
        return out


def _make_activation(spec: Activation, who: str) -> Module | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("identity", "linear", "none"):
            return None
        if key not in ACTIVATIONS:
            raise ValueError(
                f"{who}: unknown activation {spec!r}; use one of "
                f"{', '.join(sorted(ACTIVATIONS))}, 'identity', or a callable returning a Module"
            )
        return ACTIVATIONS[key]()
    if isinstance(spec, Module):
        raise TypeError(
            f"{who}: pass the activation's class or a factory (e.g. nn.Tanh, not nn.Tanh()) "
            f"so that each layer gets its own module"
        )
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise TypeError(f"{who}: the activation factory returned {type(module).__name__}, not a Module")
        return module
    raise TypeError(f"{who}: activation must be a name or a callable, got {type(spec).__name__}")
