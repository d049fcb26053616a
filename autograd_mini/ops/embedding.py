"""Embedding lookup as one op: rows of a table picked by integer indices.

``embedding(w, index=i, padding_idx=p)`` is ``w[i]`` (shape ``i.shape + (D,)``); its VJP
adds each ḡ row back onto the table row it was read from (``index_add``, repeated
indices adding up), except for rows read at ``padding_idx``: the padding row receives no
gradient, as in PyTorch, so it keeps whatever value it has (zeros at initialisation).
The op is linear in the table, so its forward-mode rule is the op applied to the tangent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from .registry import Op, dtype_of, mask
from .shape import index_add


def _embedding_forward(w: Any, index: Any = None, padding_idx: int | None = None) -> np.ndarray:
    return np.asarray(w)[index]


def _embedding_vjp(g: Any, ans: Any, w: Any, index: Any = None, padding_idx: int | None = None) -> Any:
    if padding_idx is not None:
        g = g * mask(index != padding_idx, g)[..., None]
    return index_add(g, index=index, shape=shape_of(w), dtype=dtype_of(w))


embedding: Op = Op(
    "embedding",
    _embedding_forward,
    [_embedding_vjp],
    save_inputs=False,
    rules=["w̄ = zeros like w, with each ḡ row added at its index (none at padding_idx)"],
    math="y[..., :] = w[index[...], :]",
    doc="Rows of the table w picked by integer indices (PyTorch's embedding).",
    hint="Indices must be integers in [0, num_embeddings).",
    jvp="linear",
)
