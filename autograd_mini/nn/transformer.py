"""``TransformerEncoderLayer``: self-attention and a feed-forward block, each with a
residual connection and layer normalisation, as PyTorch's layer.

Post-norm (the default, "Attention Is All You Need"):
x ← norm1(x + SA(x)); x ← norm2(x + FF(x)). Pre-norm (``norm_first=True``):
x ← x + SA(norm1(x)); x ← x + FF(norm2(x)). SA is multi-head self-attention followed by
dropout, FF(x) = dropout(linear2(dropout(activation(linear1(x))))). The submodules carry
PyTorch's names (``self_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``,
``norm2``, ``dropout1``, ``dropout2``), so a ``state_dict`` has PyTorch's keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional, init
from .attention import MultiheadAttention
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {"relu": functional.relu, "gelu": functional.gelu}


class TransformerEncoderLayer(Module):
    """One transformer encoder layer (PyTorch's signature, submodule names and order).

    ``src`` is (S, N, d_model), (N, S, d_model) with ``batch_first``, or (S, d_model)
    unbatched; the output has its shape. ``forward(src, src_mask=None,
    src_key_padding_mask=None, is_causal=False)`` passes the masks to ``self_attn``
    (:class:`MultiheadAttention`'s conventions: a boolean True leaves a position out).
    ``activation`` is ``"relu"``, ``"gelu"`` or a callable. ``dtype``, ``seed`` and
    ``generator`` (keyword-only) choose the dtype and make weights and dropout masks
    reproducible.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, seed=0)
    >>> layer(np.zeros((3, 5, 8))).shape
    (3, 5, 8)
    >>> [name for name, _ in layer.named_children()]
    ['self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Any], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "TransformerEncoderLayer"
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        rng = init.as_generator(generator if generator is not None else seed, who)
        if isinstance(activation, str) and activation in _ACTIVATIONS:
            act: Callable[[Any], Tensor] = _ACTIVATIONS[activation]
        elif callable(activation):
            act = activation
        else:
            raise ValueError(f"{who}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype, generator=rng
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=rng)
        self.dropout = Dropout(dropout, generator=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=rng)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)
        self.activation = act  # a Module passed here is registered as a submodule, as in PyTorch
        self.batch_first = bool(batch_first)

    def forward(
        self,
        src: Any,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """The encoded sequence, of ``src``'s shape."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        out: Tensor = self.norm2(x + self._ff_block(x))
        return out

    def _sa_block(self, x: Any, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        """dropout1(self-attention of x)."""
        out, _ = self.self_attn(
            x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False, is_causal=is_causal
        )
        result: Tensor = self.dropout1(out)
        return result

    def _ff_block(self, x: Any) -> Tensor:
        """dropout2(linear2(dropout(activation(linear1(x)))))."""
        hidden = self.dropout(self.activation(self.linear1(x)))
        result: Tensor = self.dropout2(self.linear2(hidden))
        return result
