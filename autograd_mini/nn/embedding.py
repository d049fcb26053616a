"""``Embedding``: a table of vectors looked up by integer indices (PyTorch's ``nn.Embedding``).

The lookup is one op of the table (:mod:`autograd_mini.ops.embedding`): ``weight[indices]``,
whose VJP adds each output row's gradient onto the table row it came from. The row
``padding_idx`` (if given) starts as zeros and receives no gradient, so it stays as it is
during training, as in PyTorch.

>>> import numpy as np
>>> from autograd_mini import nn
>>> emb = nn.Embedding(10, 3, padding_idx=0, seed=0)
>>> emb(np.array([[0, 2], [4, 0]])).shape
(2, 2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..ops import embedding as embedding_ops
from ..ops.convert import as_tensor
from ..tensor import Tensor, apply_op, traced_values
from . import init
from .module import Module, Parameter

__all__ = ["Embedding", "embedding"]


def _indices(input: Any, num: int, who: str) -> np.ndarray:
    """The integer indices' array, checked to lie in [0, num) (a compiled step checks each
    call's indices again: a negative one would otherwise pick a row from the end)."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got {idx.dtype}; use x.astype(np.int64)")
    traced_values(_check_rows, (input if isinstance(input, Tensor) else idx,), {"num": num, "who": who})
    return idx


def _check_rows(idx: np.ndarray, num: int, who: str) -> None:
    """IndexError unless every index lies in [0, num)."""
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"{who}: indices must lie in [0, {num}) for a table of {num} rows, got values in "
            f"[{idx.min()}, {idx.max()}]"
        )


def _padding_index(padding_idx: int | None, num: int, who: str) -> int | None:
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, (int, np.integer)) or not -num <= padding_idx < num:
        raise ValueError(f"{who}: padding_idx must be an int in [-{num}, {num}), got {padding_idx!r}")
    return int(padding_idx) % num


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input``.

    Output shape ``input.shape + (embedding_dim,)``. Derivative: each output row's gradient
    added onto its table row (repeated indices add up); the ``padding_idx`` row gets none.
    """
    who = "embedding"
    w = as_tensor(weight, who)
    if w.ndim != 2:
        raise ValueError(
            f"{who}: the weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}"
        )
    idx = _indices(input, w.shape[0], who)
    pad = _padding_index(padding_idx, w.shape[0], who)
    return apply_op(embedding_ops.embedding, (w,), {"index": idx, "padding_idx": pad})


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    ``weight`` (num_embeddings, embedding_dim) starts as N(0, 1) draws (PyTorch's), with
    the ``padding_idx`` row zeroed; that row receives no gradient. Give ``seed`` or
    ``generator`` for reproducible weights. ``max_norm`` and sparse gradients are not
    implemented.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "Embedding"
        for what, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{who}: {what} must be a positive int, got {v!r}")
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(f"{who}: max_norm, scale_grad_by_freq and sparse are not implemented")
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = _padding_index(padding_idx, self.num_embeddings, who)
        dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
        if _weight is not None:
            values = np.asarray(getattr(_weight, "data", _weight), dtype=dt)
            if values.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"{who}: _weight must have shape ({num_embeddings}, {embedding_dim}), got {values.shape}"
                )
            self.weight = Parameter(values, requires_grad=not _freeze)
        else:
            self.weight = Parameter(
                np.zeros((self.num_embeddings, self.embedding_dim), dtype=dt), requires_grad=not _freeze
            )
            self.reset_parameters(generator if generator is not None else seed)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """N(0, 1) draws, the padding row zeroed (PyTorch's)."""
        init.normal_(self.weight, generator=init.as_generator(generator, "Embedding"))
        if self.padding_idx is not None:
            values = self.weight.data.copy()
            values[self.padding_idx] = 0.0
            self.weight.data = values

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding the given 2-D table (frozen unless ``freeze=False``)."""
        values = np.asarray(getattr(embeddings, "data", embeddings))
        if values.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {values.shape}")
        return cls(
            values.shape[0],
            values.shape[1],
            padding_idx=padding_idx,
            _weight=values,
            _freeze=freeze,
            dtype=values.dtype if values.dtype.kind == "f" else None,
        )

    def forward(self, input: Any) -> Tensor:
        """The rows of ``weight`` at the integer ``input``."""
        idx = _indices(input, self.num_embeddings, "Embedding")
        return apply_op(
            embedding_ops.embedding, (self.weight,), {"index": idx, "padding_idx": self.padding_idx}
        )

    def extra_repr(self) -> str:
        """PyTorch's."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
