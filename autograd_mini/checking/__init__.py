"""Checking gradients: one package, one finite-difference oracle, one closeness rule.

- :mod:`~autograd_mini.checking.finite_differences`: central finite differences and the
  projection of a non-scalar output on a fixed random direction (``numerical_grad``).
- :mod:`~autograd_mini.checking.closeness`: ``|a - b| <= atol + rtol · |b|`` and the
  error measures.
- :mod:`~autograd_mini.checking.report`: judging AD against hand-derived and
  finite-difference gradients entry by entry (kink-aware), ``GradientReport``.
- :mod:`~autograd_mini.checking.check`: ``gradcheck``, ``compare_gradients`` and
  ``check_case``, which ``custom_op(check=True)``, ``autograd-mini gradcheck`` and the
  test suite's per-op checks run.
- :mod:`~autograd_mini.checking.cases`: the check cases of every registered op.

The package imports only the core (Tensor, engine, grad modes) and the ops.
"""

from .check import GradcheckError, check_case, compare_gradients, gradcheck
from .finite_differences import numerical_grad
from .report import EntryReport, GradientReport, GradientRow

__all__ = [
    "EntryReport",
    "GradcheckError",
    "GradientReport",
    "GradientRow",
    "check_case",
    "compare_gradients",
    "gradcheck",
    "numerical_grad",
]
