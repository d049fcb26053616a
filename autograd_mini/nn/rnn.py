"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, as in PyTorch.

Constructor signatures, defaults, gate order, parameter names and shapes are PyTorch's,
so a ``state_dict`` exchanged through ``.npz`` gives the same outputs. With ``H`` the
hidden size, ``G`` the number of gates (1 for RNN, 4 for LSTM, 3 for GRU) and ``k`` the
layer, the parameters are ``weight_ih_l{k}`` (G·H, input size of layer k),
``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G·H,), with
``_reverse`` appended for the backward direction of a bidirectional layer. All start as
U(-1/√H, 1/√H).

Every layer is composed of library ops (``linear``, ``sigmoid``, ``tanh``, slicing,
``stack``), so the backward pass through time is the engine's ordinary backward over
the unrolled graph: one group of nodes per time step. Inside, a sequence is a list of
per-step tensors (N, features) from the input's L slices to the final ``stack``. When
the input requires grad, backward sums the L slices' gradients into one array in place
(the engine's lazy slice gradients, ``core/slices.py``), so a long sequence costs O(L),
not L full-size gradient arrays.

The step equations (σ the logistic sigmoid, ⊙ the elementwise product):

- RNN: h' = tanh(Wᵢₕ x + bᵢₕ + Wₕₕ h + bₕₕ) (or relu).
- LSTM, gates in the order i, f, g, o:
  i = σ(Wᵢᵢ x + bᵢᵢ + Wₕᵢ h + bₕᵢ), f = σ(…), g = tanh(…), o = σ(…);
  c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c') (then h' ← Wₕᵣ h' with ``proj_size``).
- GRU, gates in the order r, z, n:
  r = σ(Wᵢᵣ x + bᵢᵣ + Wₕᵣ h + bₕᵣ), z = σ(Wᵢz x + bᵢz + Wₕz h + bₕz),
  n = tanh(Wᵢₙ x + bᵢₙ + r ⊙ (Wₕₙ h + bₕₙ)); h' = (1 - z) ⊙ n + z ⊙ h.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..ops import api as ops
from ..ops import linalg
from ..tensor import Tensor, apply_op
from . import functional, init
from .module import Module, Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _linear(x: Any, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x Wᵀ + b on the last axis (one fused op)."""
    return apply_op(linalg.linear, (x, weight, bias), None)


# ---------------------------------------------------------------- one time step
# ``xw`` is the step's input projection x Wᵢₕᵀ + bᵢₕ.


def _rnn_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    """h' = tanh(xw + h Wₕₕᵀ + bₕₕ) (or relu)."""
    pre = xw + _linear(h, w_hh, b_hh)
    return ops.relu(pre) if relu else ops.tanh(pre)


def _lstm_step(
    xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None
) -> tuple[Tensor, Tensor]:
    """(h', c') of one LSTM step; gates i, f, g, o in PyTorch's order."""
    gates = xw + _linear(h, w_hh, b_hh)
    n = c.shape[-1]
    i = ops.sigmoid(gates[..., :n])
    f = ops.sigmoid(gates[..., n : 2 * n])
    g = ops.tanh(gates[..., 2 * n : 3 * n])
    o = ops.sigmoid(gates[..., 3 * n :])
    c_new = f * c + i * g
    h_new = o * ops.tanh(c_new)
    if w_hr is not None:
        h_new = _linear(h_new, w_hr, None)
    return h_new, c_new


def _gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' of one GRU step; gates r, z, n in PyTorch's order (bₕₙ stays inside r ⊙ (…))."""
    hw = _linear(h, w_hh, b_hh)
    n = h.shape[-1]
    rz = ops.sigmoid(xw[..., : 2 * n] + hw[..., : 2 * n])  # r and z share one sigmoid
    r, z = rz[..., :n], rz[..., n:]
    candidate = ops.tanh(xw[..., 2 * n :] + r * hw[..., 2 * n :])
    return (1.0 - z) * candidate + z * h


# ---------------------------------------------------------------- shared checks


def _positive_int(value: Any, what: str, who: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{who}: {what} must be a positive int, got {value!r}")
    return int(value)


def _float_dtype(dtype: Any, who: str) -> np.dtype[Any]:
    dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{who}: dtype must be floating point, got {dt}")
    return dt


def _rng(seed: int | None, generator: np.random.Generator | None, who: str) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError(f"{who}: give seed or generator, not both")
    return init.as_generator(generator if generator is not None else seed, who)


def _state(value: Any, shape: tuple[int, ...], what: str, who: str, fix: str) -> Tensor:
    """A given initial state as a Tensor of exactly ``shape``."""
    state = value if isinstance(value, Tensor) else ops.as_tensor(value, who)
    if tuple(state.shape) != shape:
        raise ValueError(f"{who}: {what} has shape {tuple(state.shape)}, expected {shape} ({fix})")
    return state


# ---------------------------------------------------------------- full sequences


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters per layer and direction, and
    the loop over layers, directions and time steps."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        self.mode = mode
        self.input_size = _positive_int(input_size, "input_size", who)
        self.hidden_size = _positive_int(hidden_size, "hidden_size", who)
        self.num_layers = _positive_int(num_layers, "num_layers", who)
        if not isinstance(dropout, (int, float, np.floating)) or not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{who}: dropout must be a probability in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{who}: dropout={dropout} is applied after every recurrent layer except the "
                f"last, so with num_layers=1 it does nothing; use num_layers > 1 or an "
                f"nn.Dropout after the layer",
                UserWarning,
                stacklevel=2,
            )
        if not isinstance(proj_size, (int, np.integer)) or proj_size < 0:
            raise ValueError(f"{who}: proj_size must be a non-negative int, got {proj_size!r}")
        if proj_size >= self.hidden_size:
            raise ValueError(f"{who}: proj_size={proj_size} must be smaller than hidden_size={hidden_size}")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = int(proj_size)
        dt = _float_dtype(dtype, who)
        gate_size = _GATES[mode] * self.hidden_size
        out_size = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._weight_names: list[list[str]] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih" + suffix, (gate_size, layer_input)),
                    ("weight_hh" + suffix, (gate_size, out_size)),
                ]
                if self.bias:
                    shapes += [("bias_ih" + suffix, (gate_size,)), ("bias_hh" + suffix, (gate_size,))]
                if self.proj_size:
                    shapes.append(("weight_hr" + suffix, (self.proj_size, self.hidden_size)))
                for name, shape in shapes:
                    setattr(self, name, Parameter(np.zeros(shape, dtype=dt)))
                self._weight_names.append([name for name, _ in shapes])
        self._rng = _rng(seed, generator, who)
        self.reset_parameters(self._rng)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """Draw every parameter from U(-1/√hidden_size, 1/√hidden_size) (PyTorch's scheme)."""
        rng = init.as_generator(generator, type(self).__name__)
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, generator=rng)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction, in PyTorch's order
        (weight_ih, weight_hh, bias_ih, bias_hh[, weight_hr])."""
        return [[getattr(self, name) for name in names] for names in self._weight_names]

    # ------------------------------------------------------------ forward

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Any]:
        """Run the whole sequence; returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``).

        ``input`` is (L, N, input_size), (N, L, input_size) with ``batch_first``, or
        (L, input_size) unbatched. ``output`` holds the last layer's hidden state at every
        step, (L, N, D·H_out) (D = 2 if bidirectional); ``h_n`` (and ``c_n``) the final
        state of every layer and direction, (D·num_layers, N, H_out), ordered layer 0
        forward, layer 0 reverse, layer 1 forward, ... ``hx`` gives the initial states in
        that shape (LSTM: a tuple ``(h_0, c_0)``); zeros when omitted.
        """
        who = type(self).__name__
        x = input if isinstance(input, Tensor) else ops.as_tensor(input, who)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, L, input_size)" if self.batch_first else "(L, N, input_size)"
            raise ValueError(
                f"{who}: the input has shape {x.shape}, expected {layout} or "
                f"(L, input_size) unbatched, with input_size={self.input_size}"
            )
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time first inside
        h0, c0 = self._initial_states(hx, x, batched)
        directions = 2 if self.bidirectional else 1
        h_final: list[Tensor] = []
        c_final: list[Tensor] = []
        steps = [x[t] for t in range(x.shape[0])]  # the sequence as L tensors (N, features)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                out, h, c = self._run(
                    steps,
                    h0[index],
                    c0[index] if c0 is not None else None,
                    index,
                    reverse=direction == 1,
                )
                outputs.append(out)
                h_final.append(h)
                if c is not None:
                    c_final.append(c)
            if directions == 1:
                steps = outputs[0]
            else:  # both directions' states side by side at each step
                steps = [ops.concatenate(pair, axis=-1) for pair in zip(*outputs, strict=True)]
            if self.dropout > 0.0 and self.training and layer < self.num_layers - 1:
                steps = [functional.dropout(step, self.dropout, True, self._rng) for step in steps]
        output = ops.stack(steps, axis=0)
        h_n = ops.stack(h_final, axis=0)
        c_n = ops.stack(c_final, axis=0) if c_final else None
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return output, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def _initial_states(self, hx: Any, x: Tensor, batched: bool) -> tuple[list[Any], list[Any] | None]:
        """The initial h (and c) of every layer and direction, each (N, H_out) / (N, H)."""
        who = type(self).__name__
        n = x.shape[1]
        count = (2 if self.bidirectional else 1) * self.num_layers
        out_size = self.proj_size or self.hidden_size
        h_shape = (count, n, out_size) if batched else (count, out_size)
        c_shape = (count, n, self.hidden_size) if batched else (count, self.hidden_size)
        lstm = self.mode == "LSTM"
        fix = "(num_layers · num_directions, N, hidden_size); omit it for zeros"
        if hx is None:
            zeros_h = Tensor(np.zeros((n, out_size), dtype=x.dtype))
            zeros_c = Tensor(np.zeros((n, self.hidden_size), dtype=x.dtype))
            return [zeros_h] * count, ([zeros_c] * count if lstm else None)
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{who}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            h = _state(hx[0], h_shape, "h_0", who, fix)
            c = _state(hx[1], c_shape, "c_0", who, fix)
        else:
            if isinstance(hx, (tuple, list)) and len(hx) == 2 and isinstance(hx[0], Tensor):
                raise TypeError(f"{who}: hx is one tensor h_0 (only LSTM takes (h_0, c_0))")
            h, c = _state(hx, h_shape, "h_0", who, fix), None
        if not batched:
            h = h.unsqueeze(1)
            c = c.unsqueeze(1) if c is not None else None
        return [h[i] for i in range(count)], ([c[i] for i in range(count)] if c is not None else None)

    def _run(
        self, steps: list[Tensor], h: Tensor, c: Tensor | None, index: int, reverse: bool
    ) -> tuple[list[Tensor], Tensor, Tensor | None]:
        """One layer in one direction over the sequence ``steps``; returns its hidden
        state at every step (in time order) and the final h and c."""
        params = [getattr(self, name) for name in self._weight_names[index]]
        w_ih, w_hh = params[0], params[1]
        b_ih, b_hh = (params[2], params[3]) if self.bias else (None, None)
        w_hr = params[-1] if self.proj_size else None
        length = len(steps)
        order = range(length - 1, -1, -1) if reverse else range(length)
        outputs: list[Tensor] = [h] * length
        for t in order:
            xw = _linear(steps[t], w_ih, b_ih)
            if self.mode == "LSTM":
                assert c is not None
                h, c = _lstm_step(xw, h, c, w_hh, b_hh, w_hr)
            elif self.mode == "GRU":
                h = _gru_step(xw, h, w_hh, b_hh)
            else:
                h = _rnn_step(xw, h, w_hh, b_hh, relu=self.mode == "RNN_RELU")
            outputs[t] = h
        return outputs, h, c

    def extra_repr(self) -> str:
        """The sizes and the options that differ from their defaults."""
        parts = [f"{self.input_size}, {self.hidden_size}"]
        if self.proj_size:
            parts.append(f"proj_size={self.proj_size}")
        if self.num_layers != 1:
            parts.append(f"num_layers={self.num_layers}")
        if self.mode == "RNN_RELU":
            parts.append("nonlinearity='relu'")
        if not self.bias:
            parts.append("bias=False")
        if self.batch_first:
            parts.append("batch_first=True")
        if self.dropout:
            parts.append(f"dropout={self.dropout}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        return ", ".join(parts)


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(Wᵢₕ x_t + bᵢₕ + Wₕₕ h_{t-1} + bₕₕ) (``nonlinearity="relu"``:
    relu), stacked ``num_layers`` deep; PyTorch's signature, parameter names and shapes.

    Returns ``(output, h_n)``; see :meth:`RNNBase.forward` for the shapes. ``dtype``,
    ``seed`` and ``generator`` (keyword-only) choose the parameters' dtype and make the
    initial weights and the dropout masks reproducible.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> rnn = nn.RNN(3, 5, num_layers=2, seed=0)
    >>> output, h_n = rnn(np.zeros((7, 4, 3)))  # (L, N, input_size)
    >>> output.shape, h_n.shape
    ((7, 4, 5), (2, 4, 5))
    >>> list(rnn.state_dict())[:4]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            seed=seed,
            generator=generator,
        )


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order i, f, g, o:
    c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t) (see the module docstring).

    Returns ``(output, (h_n, c_n))``; ``hx`` is ``(h_0, c_0)``. ``proj_size`` > 0 projects
    each h_t with ``weight_hr_l{k}`` (proj_size, hidden_size), as PyTorch does.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> lstm = nn.LSTM(3, 5, batch_first=True, bidirectional=True, seed=0)
    >>> output, (h_n, c_n) = lstm(np.zeros((4, 7, 3)))  # (N, L, input_size)
    >>> output.shape, h_n.shape, c_n.shape
    ((4, 7, 10), (2, 4, 5), (2, 4, 5))
    >>> lstm.weight_ih_l0.shape, lstm.weight_hh_l0_reverse.shape
    ((20, 3), (20, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            dtype=dtype,
            seed=seed,
            generator=generator,
        )


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gate order r, z, n:
    n = tanh(Wᵢₙ x + bᵢₙ + r ⊙ (Wₕₙ h + bₕₙ)), h' = (1 - z) ⊙ n + z ⊙ h.

    Returns ``(output, h_n)``; see :meth:`RNNBase.forward` for the shapes.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> gru = nn.GRU(3, 5, seed=0)
    >>> gru.weight_ih_l0.shape, gru(np.zeros((7, 3)))[0].shape  # unbatched (L, input_size)
    ((15, 3), (7, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            seed=seed,
            generator=generator,
        )


# ---------------------------------------------------------------- one-step cells


class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` (G·H, input_size), ``weight_hh`` (G·H, H),
    ``bias_ih`` and ``bias_hh`` (G·H,), all U(-1/√H, 1/√H)."""

    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        self.input_size = _positive_int(input_size, "input_size", who)
        self.hidden_size = _positive_int(hidden_size, "hidden_size", who)
        self.bias = bool(bias)
        dt = _float_dtype(dtype, who)
        gate_size = self._gates * self.hidden_size
        self.weight_ih = Parameter(np.zeros((gate_size, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.zeros((gate_size, self.hidden_size), dtype=dt))
        if self.bias:
            self.bias_ih = Parameter(np.zeros(gate_size, dtype=dt))
            self.bias_hh = Parameter(np.zeros(gate_size, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(_rng(seed, generator, who))

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """Draw every parameter from U(-1/√hidden_size, 1/√hidden_size) (PyTorch's scheme)."""
        rng = init.as_generator(generator, type(self).__name__)
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, generator=rng)

    def _input(self, input: Any) -> tuple[Tensor, bool]:
        """The input as (N, input_size), and whether it came batched."""
        who = type(self).__name__
        x = input if isinstance(input, Tensor) else ops.as_tensor(input, who)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{who}: the input has shape {x.shape}, expected (N, {self.input_size}) or "
                f"({self.input_size},) unbatched"
            )
        return (x, True) if x.ndim == 2 else (x.unsqueeze(0), False)

    def _hidden(self, value: Any, x: Tensor, batched: bool, what: str) -> Tensor:
        """A given state as (N, hidden_size), or zeros when ``value`` is None."""
        n = x.shape[0]
        if value is None:
            return Tensor(np.zeros((n, self.hidden_size), dtype=x.dtype))
        shape = (n, self.hidden_size) if batched else (self.hidden_size,)
        fix = "the input's batch size by hidden_size; omit it for zeros"
        state = _state(value, shape, what, type(self).__name__, fix)
        return state if batched else state.unsqueeze(0)

    def extra_repr(self) -> str:
        """The sizes and the options that differ from their defaults."""
        extra = ", bias=False" if not self.bias else ""
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        act = f", nonlinearity={nonlinearity!r}" if nonlinearity != "tanh" else ""
        return f"{self.input_size}, {self.hidden_size}{extra}{act}"


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(Wᵢₕ x + bᵢₕ + Wₕₕ h + bₕₕ) (or relu).

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> cell = nn.RNNCell(3, 5, seed=0)
    >>> cell(np.zeros((4, 3))).shape
    (4, 5)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, dtype=dtype, seed=seed, generator=generator)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        """h' from the input (N, input_size) or (input_size,) and h (zeros if omitted)."""
        x, batched = self._input(input)
        h = self._hidden(hx, x, batched, "hx")
        out = _rnn_step(
            _linear(x, self.weight_ih, self.bias_ih),
            h,
            self.weight_hh,
            self.bias_hh,
            relu=self.nonlinearity == "relu",
        )
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o); returns ``(h', c')``, ``hx`` is ``(h, c)``.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> h, c = nn.LSTMCell(3, 5, seed=0)(np.zeros((4, 3)))
    >>> h.shape, c.shape
    ((4, 5), (4, 5))
    """

    _gates = 4

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        """(h', c') from the input and ``hx = (h, c)`` (zeros if omitted)."""
        x, batched = self._input(input)
        if hx is None:
            hx = (None, None)
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        h = self._hidden(hx[0], x, batched, "h")
        c = self._hidden(hx[1], x, batched, "c")
        h, c = _lstm_step(_linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): h' = (1 - z) ⊙ n + z ⊙ h.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> nn.GRUCell(3, 5, seed=0)(np.zeros(3)).shape  # unbatched
    (5,)
    """

    _gates = 3

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        """h' from the input and h (zeros if omitted)."""
        x, batched = self._input(input)
        h = self._hidden(hx, x, batched, "hx")
        out = _gru_step(_linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
