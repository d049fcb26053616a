"""Multi-head attention, as PyTorch's ``nn.MultiheadAttention``.

Each head h projects the inputs, Qₕ = X_q W_qₕᵀ + b_qₕ (likewise K, V), attends with
:func:`~autograd_mini.nn.functional.scaled_dot_product_attention`
(softmax(Qₕ Kₕᵀ/√d) Vₕ, d = embed_dim / num_heads), and the heads' outputs, side by
side, go through ``out_proj``. The parameters are PyTorch's: ``in_proj_weight``
(3·embed_dim, embed_dim) stacking W_q, W_k, W_v, ``in_proj_bias`` (3·embed_dim,) and the
Linear ``out_proj`` (``out_proj.weight``, ``out_proj.bias``); with ``kdim``/``vdim``
different from ``embed_dim``, ``q_proj_weight``, ``k_proj_weight`` and ``v_proj_weight``
replace ``in_proj_weight``; with ``add_bias_kv``, ``bias_k`` and ``bias_v`` (1, 1,
embed_dim) are appended to the projected keys and values, and with ``add_zero_attn`` an
all-zeros key and value, as extra source positions every query can attend to.
Everything is composed of library ops (``linear``, ``reshape``, ``transpose``,
``concatenate``, ``matmul``, ``softmax``), so gradients of every order come from the
engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..ops import api as ops
from ..ops import linalg
from ..tensor import Tensor, apply_op, traced_values
from . import functional, init
from .layers import Linear
from .module import Module, Parameter


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    return apply_op(linalg.linear, (x, weight, bias), None)


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads over ``embed_dim`` features (PyTorch's layer).

    ``forward(query, key, value)`` takes (L, N, E) queries and (S, N, E) keys and values
    ((N, L, E) with ``batch_first``; (L, E) unbatched) and returns
    ``(output, weights)``: the output (L, N, E) and the attention weights averaged over
    the heads (N, L, S), or per head (N, num_heads, L, S) with
    ``average_attn_weights=False``, or None with ``need_weights=False``.

    Masks follow PyTorch's conventions for this layer: ``attn_mask`` (L, S) or
    (N·num_heads, L, S) and ``key_padding_mask`` (N, S) are either boolean, where
    **True means the position is left out** (the opposite of
    ``scaled_dot_product_attention``'s boolean mask), or float, added to the scores.
    ``is_causal=True`` without ``attn_mask`` builds the causal mask (PyTorch asks for the
    mask itself with this hint). ``dropout`` drops attention weights in training mode.

    ``add_bias_kv=True`` adds the parameters ``bias_k`` and ``bias_v`` of shape
    (1, 1, embed_dim), appended after the projections as one more key and value position
    for every sample; ``add_zero_attn=True`` then appends one all-zeros key and value
    position (zero in every head). Each adds a source column to the scores, so the weights
    are (N, L, S + extra) with extra = add_bias_kv + add_zero_attn. Masks are still given
    for the S key positions passed in; the layer pads them with a column that leaves the
    extra positions in (PyTorch's ``F.pad(mask, (0, 1))``), so even a query whose every
    given key is masked attends to them.

    Weights start as PyTorch's: Xavier-uniform projections, zero biases, ``out_proj``'s
    weight as a Linear's, Xavier-normal ``bias_k`` and ``bias_v``. ``dtype``, ``seed`` and
    ``generator`` are keyword-only.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> mha = nn.MultiheadAttention(8, 2, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(5, 3, 8))  # (L, N, E)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((5, 3, 8), (3, 5, 5))
    >>> list(mha.state_dict())
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    >>> extra = nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True, seed=0)
    >>> extra(x, x, x)[1].shape  # two more source positions: bias_k/bias_v, then zeros
    (3, 5, 7)
    >>> list(extra.state_dict())
    ['in_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "MultiheadAttention"
        for what, n in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"{who}: {what} must be a positive int, got {n!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"{who}: embed_dim={embed_dim} must be divisible by num_heads={num_heads} "
                f"(each head gets embed_dim // num_heads features)"
            )
        if not isinstance(dropout, (int, float)) or not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{who}: dropout must be a probability in [0, 1], got {dropout!r}")
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(f"{who}: dtype must be floating point, got {dt}")
        self.embed_dim = int(embed_dim)
        self.num_heads = int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim = self.embed_dim if kdim is None else int(kdim)
        self.vdim = self.embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * e, e), dtype=dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.zeros((e, e), dtype=dt))
            self.k_proj_weight = Parameter(np.zeros((e, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.zeros((e, self.vdim), dtype=dt))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        # registered before out_proj, so the state_dict keys come in PyTorch's order
        if add_bias_kv:
            self.bias_k = Parameter(np.zeros((1, 1, e), dtype=dt))
            self.bias_v = Parameter(np.zeros((1, 1, e), dtype=dt))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = bool(add_zero_attn)
        self._rng = init.as_generator(generator if generator is not None else seed, who)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt, generator=self._rng)
        self.reset_parameters(self._rng)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """PyTorch's initialisation: Xavier-uniform projections, zero biases; ``out_proj``
        keeps a Linear's weight, its bias is zeroed; ``bias_k`` and ``bias_v`` (with
        ``add_bias_kv``) are Xavier-normal, std = √(2 / (E + E)) for their (1, 1, E) shape."""
        rng = init.as_generator(generator, "MultiheadAttention")
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=rng)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w, generator=rng)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
        if self.out_proj.bias is not None:
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k, generator=rng)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v, generator=rng)

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """``(output, weights)``; see the class docstring for shapes and masks."""
        who = "MultiheadAttention"
        self_attention = query is key and key is value
        q, k, v = (t if isinstance(t, Tensor) else ops.as_tensor(t, who) for t in (query, key, value))
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise ValueError(
                f"{who}: query, key and value must all be 3-D (batched) or all 2-D "
                f"(unbatched), got shapes {q.shape}, {k.shape}, {v.shape}"
            )
        batched = q.ndim == 3
        if not batched:
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
        elif self.batch_first:
            q, k, v = q.swapaxes(0, 1), k.swapaxes(0, 1), v.swapaxes(0, 1)
        length, n, e = q.shape
        source = k.shape[0]
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        if e != self.embed_dim or k.shape[-1] != self.kdim or v.shape[-1] != self.vdim:
            raise ValueError(
                f"{who}: query, key and value must end in embed_dim={self.embed_dim}, "
                f"kdim={self.kdim} and vdim={self.vdim} features, got shapes {tuple(_shape(query))}, "
                f"{tuple(_shape(key))}, {tuple(_shape(value))} (layout {layout})"
            )
        if k.shape[:2] != v.shape[:2] or k.shape[1] != n:
            raise ValueError(
                f"{who}: key and value must have the same length S and the query's batch size; "
                f"got shapes {tuple(_shape(key))} and {tuple(_shape(value))} for a "
                f"query of shape {tuple(_shape(query))} (layout {layout})"
            )
        q, k, v = self._project(q, k, v, self_attention)
        k, v = self._extra_positions(k, v)
        extra = k.shape[0] - source
        heads, d = self.num_heads, self.head_dim
        # (L, N, E) -> (N, heads, L, d): one batch of attention per sample and head
        q = ops.transpose(q.reshape(length, n, heads, d), (1, 2, 0, 3))
        k = ops.transpose(k.reshape(source + extra, n, heads, d), (1, 2, 0, 3))
        v = ops.transpose(v.reshape(source + extra, n, heads, d), (1, 2, 0, 3))
        mask = self._mask(attn_mask, key_padding_mask, is_causal, n, length, source, batched, q.dtype)
        if mask is not None and extra:
            mask = _pad_columns(mask, extra)
        p = self.dropout if self.training else 0.0
        out, weights = functional._attention(q, k, v, mask, p, False, None, self._rng, who)
        out = ops.transpose(out, (2, 0, 1, 3)).reshape(length, n, self.embed_dim)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        return out, (weights if batched else weights.squeeze(0))

    def _project(
        self, q: Tensor, k: Tensor, v: Tensor, self_attention: bool
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Q, K, V from the inputs (one matmul for self-attention with packed weights)."""
        e = self.embed_dim
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if self_attention:
                qkv = _linear(q, w, b)
                return qkv[..., :e], qkv[..., e : 2 * e], qkv[..., 2 * e :]
            weights = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return (
            _linear(q, weights[0], biases[0]),
            _linear(k, weights[1], biases[1]),
            _linear(v, weights[2], biases[2]),
        )

    def _extra_positions(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Projected (S, N, E) keys and values with PyTorch's extra source positions
        appended: ``bias_k``/``bias_v`` for every sample (``add_bias_kv``), then zeros
        (``add_zero_attn``; a row of zeros is zeros in every head)."""
        n, e = k.shape[1], self.embed_dim
        if self.bias_k is not None and self.bias_v is not None:
            k = ops.concatenate([k, ops.broadcast_to(self.bias_k, (1, n, e))], axis=0)
            v = ops.concatenate([v, ops.broadcast_to(self.bias_v, (1, n, e))], axis=0)
        if self.add_zero_attn:
            k = ops.concatenate([k, np.zeros((1, n, e), dtype=k.dtype)], axis=0)
            v = ops.concatenate([v, np.zeros((1, n, e), dtype=v.dtype)], axis=0)
        return k, v

    def _mask(
        self,
        attn_mask: Any,
        key_padding_mask: Any,
        is_causal: bool,
        n: int,
        length: int,
        source: int,
        batched: bool,
        dtype: np.dtype[Any],
    ) -> Any:
        """One additive mask broadcasting to (N, heads, L, S), or None (S: the key
        positions given, before the extra ones of ``add_bias_kv``/``add_zero_attn``)."""
        who = "MultiheadAttention"
        note = ""
        if self.bias_k is not None or self.add_zero_attn:
            note = (
                "; masks cover only the S key positions passed in, the layer adds the "
                "columns for the add_bias_kv/add_zero_attn positions itself"
            )
        parts: list[Any] = []
        if attn_mask is None and is_causal:
            attn_mask = ~np.tril(np.ones((length, source), dtype=bool))
        if attn_mask is not None:
            m = _additive(attn_mask, dtype, who, "attn_mask")
            if m.shape == (length, source):
                parts.append(m)
            elif m.shape == (n * self.num_heads, length, source):
                parts.append(m.reshape(n, self.num_heads, length, source))
            else:
                raise ValueError(
                    f"{who}: attn_mask has shape {tuple(m.shape)}, expected (L, S) = "
                    f"{(length, source)} or (N·num_heads, L, S) = "
                    f"{(n * self.num_heads, length, source)}{note}"
                )
        if key_padding_mask is not None:
            m = _additive(key_padding_mask, dtype, who, "key_padding_mask")
            expected = (n, source) if batched else (source,)
            if tuple(m.shape) != expected:
                form = "(N, S)" if batched else "(S,) for unbatched inputs"
                raise ValueError(
                    f"{who}: key_padding_mask has shape {tuple(m.shape)}, expected {form}: {expected}{note}"
                )
            parts.append(m.reshape(n, 1, 1, source))
        if not parts:
            return None
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    def extra_repr(self) -> str:
        """The sizes and the options that differ from their defaults."""
        parts = [f"embed_dim={self.embed_dim}", f"num_heads={self.num_heads}"]
        if self.dropout:
            parts.append(f"dropout={self.dropout}")
        if self.batch_first:
            parts.append("batch_first=True")
        if self.bias_k is not None:
            parts.append("add_bias_kv=True")
        if self.add_zero_attn:
            parts.append("add_zero_attn=True")
        return ", ".join(parts)


def _shape(x: Any) -> tuple[int, ...]:
    """The shape of a user's input, for messages."""
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def _pad_columns(mask: Any, extra: int) -> Any:
    """An additive mask (..., S) with ``extra`` zero columns appended: the extra key
    positions are not masked. A float Tensor mask stays differentiable (its gradient
    is the first S columns of the padded mask's)."""
    zeros = np.zeros((*mask.shape[:-1], extra), dtype=mask.dtype)
    if isinstance(mask, Tensor):
        return ops.concatenate([mask, zeros], axis=-1)
    return np.concatenate([mask, zeros], axis=-1)


def _additive(mask: Any, dtype: np.dtype[Any], who: str, what: str) -> Any:
    """A MultiheadAttention mask as a float to add: bool True (left out) -> -inf, False -> 0."""
    m = mask if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:  # made from the mask's values: a compiled step makes it per call
        return Tensor._wrap(traced_values(_bool_to_additive, (m,), {"dtype": dtype}))
    if m.dtype.kind != "f":
        raise TypeError(f"{who}: {what} must be bool or floating point, got {m.dtype}")
    return m if isinstance(m, Tensor) else m.astype(dtype, copy=False)


def _bool_to_additive(values: np.ndarray, dtype: Any) -> np.ndarray:
    """A boolean mask as the float to add to the scores: True (left out) -> -inf, False -> 0."""
    return np.asarray(np.where(values, -np.inf, 0.0).astype(dtype))
