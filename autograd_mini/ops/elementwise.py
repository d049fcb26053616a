"""Hand-written public functions of elementwise ops with parameters (issue 13).

Their entries are in :mod:`~autograd_mini.ops.unary` (``nan_to_num``) and
:mod:`~autograd_mini.ops.binary` (``lerp``, ``remainder``); here the parameters are checked
in the user's terms and the op applied. ``am.mod`` is NumPy's name for ``am.remainder``.
"""

from __future__ import annotations

import numbers
from typing import Any

from ..tensor import Tensor, apply_op, apply_unary
from . import binary, unary
from .convert import as_tensor
from .convert import operand as _operand
from .publish import public, tensor_method


def _number(v: Any, what: str, who: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{who}: {what} must be a real number or None, got {v!r}")
    return float(v)


@tensor_method
@public
def nan_to_num(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """``x`` with nan replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf``.

    ``posinf``/``neginf`` default to the largest/smallest finite value of x's dtype (NumPy,
    PyTorch). Derivative: x̄ = ḡ where x is finite, 0 where a value was replaced.
    """
    params = {
        "nan": _number(nan, "nan", "nan_to_num") or 0.0,
        "posinf": _number(posinf, "posinf", "nan_to_num"),
        "neginf": _number(neginf, "neginf", "nan_to_num"),
    }
    t = x if isinstance(x, Tensor) else as_tensor(x, "nan_to_num")
    return apply_unary(unary.nan_to_num, t, params)


@tensor_method
@public
def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """Linear interpolation start + weight·(end - start) (PyTorch's ``torch.lerp``).

    ``weight`` is a number or a tensor; all three broadcast together. Derivative:
    start̄ = ḡ·(1 - weight), end̄ = ḡ·weight, weight̄ = ḡ·(end - start).
    """
    if isinstance(weight, bool) or weight is None:
        raise TypeError(f"lerp: weight must be a number or a tensor, got {weight!r}")
    w = float(weight) if isinstance(weight, numbers.Real) else _operand(weight, "lerp")
    return apply_op(binary.lerp, (as_tensor(start, "lerp"), _operand(end, "lerp"), w), None)


@public
def mod(x: Any, y: Any) -> Tensor:
    """NumPy's name for :func:`autograd_mini.remainder`: x - y·⌊x/y⌋ (Python's ``%``).

    Derivative: x̄ = ḡ, ȳ = -ḡ·⌊x/y⌋.
    """
    return apply_op(binary.remainder, (as_tensor(x, "mod"), _operand(y, "mod")), None)
