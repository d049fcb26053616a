"""Selection: ``where(condition, x, y)``, the op that rules use to mask gradients.

It has its own module because both the one-input and the two-input ops' rules use it
(relu, abs and pow mask their gradients with ``where``), so it sits below both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Op

BROADCAST_HINT = (
    "Shapes must be equal or broadcastable (compared from the last axis, each pair equal "
    "or one of them 1): add size-1 axes with x.unsqueeze(axis) or x.reshape(...)."
)


def _where_forward(condition: Any, x: Any, y: Any) -> Any:
    return np.where(condition, x, y)


where: Op = Op(
    "where",
    _where_forward,
    [
        None,
        lambda g, ans, c, x, y: where(c, g, 0.0),
        lambda g, ans, c, x, y: where(c, 0.0, g),
    ],
    save_inputs=False,
    rules=[
        "(condition: no gradient)",
        "x̄ = ḡ where condition, else 0",
        "ȳ = ḡ where not condition, else 0",
    ],
    hint=BROADCAST_HINT,
    math="out = x if condition else y",
    jvp="linear",
)
