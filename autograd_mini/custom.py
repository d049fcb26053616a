"""User-defined differentiable ops: a NumPy forward, its VJP and its JVP, written next to each other.

>>> import autograd_mini as am
>>> @am.custom_op
... def cube(x):
...     return x ** 3
>>> @cube.defvjp
... def cube_vjp(g, ans, x):
...     return 3 * x ** 2 * g
>>> x = am.tensor(2.0, requires_grad=True)
>>> cube(x).backward()
>>> float(x.grad)
12.0

A custom op is an :class:`~autograd_mini.ops.registry.Op` kept out of the built-in
table: in a graph it is a node like any other (``grad_fn``, pictures, the chain-rule
ledger show its name). The VJP receives the upstream gradient, the output and the
inputs: NumPy arrays during ``backward()``, Tensors with ``create_graph=True``, so a VJP
written with am ops (``am.cos(x) * g``) also gives second derivatives.

Forward mode (``am.jvp``, ``am.jacfwd``, ``am.hessian``, ``am.hvp``, dual tensors) needs
the op's JVP, set with :meth:`CustomOp.defjvp` next to the VJP:

>>> @cube.defjvp
... def cube_jvp(t, ans, x):
...     return 3 * x ** 2 * t
>>> am.jvp(cube, (2.0,), (1.0,))
(8.0, 12.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from .checking import GradcheckError, compare_gradients
from .core import forward as forward_mode
from .ops import api as ops_api
from .ops.registry import Op
from .tensor import Tensor, apply_op

__all__ = ["CHECK_ATOL", "CHECK_EPS", "CHECK_RTOL", "CustomOp", "custom_op"]

# check=True judges |a - b| <= atol + rtol·|b| in float64 at the user's own inputs: ten times
# tighter than a rule off by 1e-3 (the self-test's "almost right" mutant, which the check
# must catch: checking/mutants.py), ten times looser than the per-op cases, whose inputs
# are chosen away from kinks and ill-conditioning. custom_op(atol=, rtol=) changes them.
CHECK_EPS = 1e-6
CHECK_ATOL = 1e-6
CHECK_RTOL = 1e-4


class CustomOp:
    """A differentiable op made from a NumPy ``forward``, a VJP (:meth:`defvjp`) and a JVP (:meth:`defjvp`).

    Call it with Tensors, arrays or numbers (positional arguments are the op's inputs,
    keyword arguments are passed to ``forward`` and the VJP as parameters); it returns
    a Tensor, recorded in the graph when an input requires grad.
    """

    def __init__(
        self,
        forward: Callable[..., Any],
        *,
        name: str | None = None,
        check: bool = False,
        eps: float = CHECK_EPS,
        atol: float = CHECK_ATOL,
        rtol: float = CHECK_RTOL,
    ) -> None:
        self.forward = forward
        self.name: str = name or str(getattr(forward, "__name__", "custom_op"))
        self.check = check
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.vjp: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self._checked = False
        self.op = Op(
            self.name,
            self._forward,
            vjp_all=self._vjp_all,
            save_inputs=True,
            save_output=True,
            rules=(),
            jvp=self._jvp_rule,
            register=False,  # user ops stay out of the built-in REGISTRY
        )
        functools.update_wrapper(self, forward, updated=())

    def __repr__(self) -> str:
        return f"custom_op({self.name!r})"

    def defvjp(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the VJP ``vjp(g, ans, *inputs, **params)``; usable as a decorator.

        It returns the gradient of each input given the upstream gradient ``g`` and
        the output ``ans``: a bare value for one input, a tuple for several (``None``
        for an input without gradient), each shaped like its input (or like the
        broadcast output; the engine sums broadcast axes away).
        """
        if not callable(vjp):
            raise TypeError(f"custom_op {self.name!r}: defvjp needs a function, got {vjp!r}")
        self.vjp = vjp
        label = getattr(vjp, "__name__", "vjp")
        self.op.rules = (f"user-defined VJP {label}(ȳ, y, inputs)",)
        self._checked = False
        return vjp

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the JVP ``jvp(t, ans, *inputs, **params)``, the forward-mode rule; a decorator.

        It returns the output's tangent ``ẏ = J t`` (shaped like the output) given the
        inputs' tangent ``t`` (for several inputs a tuple with one tangent per input,
        zeros where an input has none) and the output ``ans``. Like the VJP it receives
        NumPy arrays, or Tensors when the tangent must itself be differentiated; write
        it with am ops and arithmetic.
        """
        if not callable(jvp):
            raise TypeError(f"custom_op {self.name!r}: defjvp needs a function, got {jvp!r}")
        self.jvp = jvp
        self._checked = False
        return jvp

    # ------------------------------------------------------------ running

    def _forward(self, *arrays: Any, **params: Any) -> np.ndarray:
        out = self.forward(*arrays, **params)
        if isinstance(out, Tensor):
            out = out._data
        arr = np.asarray(out)
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"custom_op {self.name!r}: forward must return a numeric NumPy array, it "
                f"returned {type(out).__name__} of dtype {arr.dtype}"
            )
        return arr

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        if not args:
            raise TypeError(f"custom_op {self.name!r}: call it with at least one input")
        inputs = tuple(ops_api.as_tensor(a, self.name) for a in args)
        if self.check and not self._checked and (self.vjp is not None or self.jvp is not None):
            self._check_rules(inputs, params)
            self._checked = True
        return apply_op(self.op, inputs, params or None)

    def check_rules(self, *args: Any, **params: Any) -> None:
        """Check the VJP and the JVP at these inputs now: what ``check=True`` does on the first call.

        Raises :class:`~autograd_mini.checking.GradcheckError` naming the op when a rule
        disagrees with central finite differences (see :func:`custom_op`).
        """
        self._check_rules(tuple(ops_api.as_tensor(a, self.name) for a in args), params)

    def _check_rules(self, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> None:
        if self.vjp is not None:
            self._check_vjp(inputs, params)
        if self.jvp is not None:
            self._check_jvp(inputs, params)

    def _vjp_all(
        self,
        g: Any,
        ans: Any,
        values: Sequence[Any],
        needs: Sequence[bool],
        **params: Any,
    ) -> list[Any]:
        if self.vjp is None:
            raise RuntimeError(
                f"custom_op {self.name!r} has no VJP; define one with @{self.name}.defvjp "
                f"(def vjp(g, ans, *inputs): return one gradient per input)"
            )
        grads = self._as_list(self.vjp(g, ans, *values, **params), len(values))
        first_order = not isinstance(g, Tensor)
        out: list[Any] = []
        for i, (grad, need, x) in enumerate(zip(grads, needs, values)):
            if not need or grad is None:
                out.append(None)
                continue
            if first_order and isinstance(grad, Tensor):
                grad = grad._data  # a VJP written with am ops, run on plain arrays
            elif not isinstance(grad, Tensor):
                grad = np.asarray(grad)
            self._check_shape(i, np.shape(getattr(grad, "_data", grad)), x, ans)
            out.append(grad)
        return out

    def _jvp_rule(self, tangents: list[Any], ans: Any, *values: Any, **params: Any) -> Any:
        """The op's entry in forward mode: the user's JVP, with zeros for absent tangents."""
        if self.jvp is None:
            raise RuntimeError(
                f"custom_op {self.name!r} has no forward-mode rule (JVP), and it was used in "
                f"forward mode (am.jvp, am.jacfwd, am.hessian, am.hvp, am.linearize or a dual "
                f"tensor). Add one next to its VJP, returning the output's tangent J·t:\n\n"
                f"    @{self.name}.defjvp\n"
                f"    def {self.name}_jvp(t, ans, *inputs):\n"
                f"        return ...  # ẏ = Σᵢ ∂{self.name}/∂inputᵢ · tᵢ (t a tuple for several inputs)"
            )
        filled = []
        for t, x in zip(tangents, values):
            if t is None and np.asarray(getattr(x, "_data", x)).dtype.kind == "f":
                t = np.zeros(np.shape(getattr(x, "_data", x)), dtype=np.asarray(getattr(x, "_data", x)).dtype)
            filled.append(t)
        given = filled[0] if len(filled) == 1 else tuple(filled)
        return self.jvp(given, ans, *values, **params)

    def _as_list(self, grads: Any, n_inputs: int) -> list[Any]:
        if n_inputs == 1:
            if isinstance(grads, (tuple, list)) and len(grads) == 1:
                return [grads[0]]
            if isinstance(grads, (tuple, list)):
                raise ValueError(
                    f"custom_op {self.name!r}: the VJP returned {len(grads)} gradients for 1 "
                    f"input; return a bare gradient shaped like the input"
                )
            return [grads]
        if not isinstance(grads, (tuple, list)) or len(grads) != n_inputs:
            count = len(grads) if isinstance(grads, (tuple, list)) else 1
            raise ValueError(
                f"custom_op {self.name!r}: the VJP returned {count} gradient(s) for "
                f"{n_inputs} inputs; return a tuple with one gradient per input, in order "
                f"(None for an input without gradient)"
            )
        return list(grads)

    def _check_shape(self, i: int, got: tuple[int, ...], x: Any, ans: Any) -> None:
        want = np.shape(getattr(x, "_data", x))
        out_shape = np.shape(getattr(ans, "_data", ans))
        if got in (want, out_shape):
            return
        raise ValueError(
            f"custom_op {self.name!r}: the VJP returned a gradient of shape {got} for input "
            f"{i}, which has shape {want} (the output has shape {out_shape}); each gradient "
            f"must be shaped like its input"
        )

    # ------------------------------------------------------------ check=True

    def _check_vjp(self, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> None:
        """Check the VJP at these inputs with the library's gradient checker.

        The op runs through the engine on float64 copies of its floating-point inputs;
        :func:`~autograd_mini.checking.check.compare_gradients` projects its output on a
        fixed random cotangent ``r`` and compares the VJP of ``r`` with central
        differences of ``⟨forward(x), r⟩``, entry by entry. Inputs that are not floating
        point, or for which the VJP returns None, are held constant.
        """
        arrays = [np.array(t._data, dtype=np.float64) if t.dtype.kind == "f" else t._data for t in inputs]
        ans = self._forward(*arrays, **params)
        given = self._as_list(self.vjp(np.ones(ans.shape), ans, *arrays, **params), len(arrays))  # type: ignore[misc]
        checked = [i for i, t in enumerate(inputs) if t.dtype.kind == "f" and given[i] is not None]
        if not checked:
            return

        def run_op(*xs: Tensor) -> Tensor:
            args: list[Any] = list(arrays)
            for i, x in zip(checked, xs):
                args[i] = x
            return apply_op(self.op, tuple(args), params or None)

        run_op.__name__ = self.name
        report = compare_gradients(
            run_op, tuple(arrays[i] for i in checked), eps=self.eps, atol=self.atol, rtol=self.rtol,
            mode="full",
        )
        for i, row in zip(checked, report.rows):
            if row.ok:
                continue
            e = row.worst[0]
            raise GradcheckError(
                f"custom_op {self.name!r}: the VJP disagrees with finite differences for "
                f"input {i} (shape {row.shape}): max abs error {row.max_abs_error:.3g}; at index "
                f"{e.index} the VJP gives {e.ad:.6g}, finite differences give {e.numeric:.6g} "
                f"(cotangent: a fixed random array r, 1 for a single-number output; compared "
                f"⟨forward(x), r⟩). Fix the VJP or the forward.",
                report,
            )


    def _check_jvp(self, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> None:
        """Check the JVP at these inputs against central differences along a random tangent.

        On float64 copies of the floating-point inputs, with a fixed random tangent ``v``
        per input: the JVP ``J v`` (one forward-mode pass through the op) against
        ``(forward(x + εv) - forward(x - εv)) / 2ε``, entry by entry.
        """
        arrays = [np.array(t._data, dtype=np.float64) if t.dtype.kind == "f" else t._data for t in inputs]
        checked = [i for i, t in enumerate(inputs) if t.dtype.kind == "f"]
        if not checked:
            return
        rng = np.random.default_rng(123)
        tangents = {i: rng.standard_normal(np.shape(arrays[i])) for i in checked}
        with forward_mode.dual_level() as level:
            args: list[Any] = list(arrays)
            for i in checked:
                args[i] = forward_mode.make_dual(Tensor._wrap(arrays[i]), tangents[i], level)
            _, pushed = forward_mode.unpack(apply_op(self.op, tuple(args), params or None), level)
        ans = self._forward(*arrays, **params)
        jv = np.zeros(ans.shape) if pushed is None else np.asarray(getattr(pushed, "_data", pushed))
        eps = self.eps
        plus, minus = list(arrays), list(arrays)
        for i in checked:
            plus[i] = arrays[i] + eps * tangents[i]
            minus[i] = arrays[i] - eps * tangents[i]
        numeric = (self._forward(*plus, **params) - self._forward(*minus, **params)) / (2 * eps)
        bad = np.abs(jv - numeric) > self.atol + self.rtol * np.abs(numeric)
        if np.any(bad):
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            raise GradcheckError(
                f"custom_op {self.name!r}: the JVP disagrees with finite differences along a "
                f"random tangent: max abs error {float(np.max(np.abs(jv - numeric))):.3g}; at "
                f"output index {index} the JVP gives {float(jv[index]):.6g}, finite differences "
                f"give {float(numeric[index]):.6g} (compared J·v with (f(x + εv) - f(x - εv))/2ε, "
                f"ε = {eps:g}). Fix the JVP or the forward."
            )


@overload
def custom_op(
    forward: Callable[..., Any],
    *,
    check: bool = ...,
    name: str | None = ...,
    atol: float = ...,
    rtol: float = ...,
    eps: float = ...,
) -> CustomOp: ...


@overload
def custom_op(
    forward: None = ...,
    *,
    check: bool = ...,
    name: str | None = ...,
    atol: float = ...,
    rtol: float = ...,
    eps: float = ...,
) -> Callable[[Callable[..., Any]], CustomOp]: ...


def custom_op(
    forward: Callable[..., Any] | None = None,
    *,
    check: bool = False,
    name: str | None = None,
    atol: float = CHECK_ATOL,
    rtol: float = CHECK_RTOL,
    eps: float = CHECK_EPS,
) -> CustomOp | Callable[[Callable[..., Any]], CustomOp]:
    """Make a differentiable op from a NumPy ``forward``; set its rules with ``.defvjp``/``.defjvp``.

    Use as ``@am.custom_op`` or ``@am.custom_op(check=True, name=...)``. With
    ``check=True`` both rules are compared with central finite differences on the op's
    first call: the VJP along a fixed random cotangent ``r`` (the VJP of ``r`` against
    the gradient of ``⟨forward(x), r⟩``), the JVP along a fixed random tangent ``v``
    (``J v`` against ``(forward(x + εv) - forward(x - εv))/2ε``); :class:`GradcheckError`
    naming the op is raised if they disagree beyond ``atol + rtol·|fd|`` (defaults 1e-6
    and 1e-4: a rule off by a factor 1 + 1e-3 is caught; loosen them for a badly scaled
    forward). ``forward`` receives and returns NumPy arrays; the VJP
    ``vjp(g, ans, *inputs)`` returns one gradient per input (a bare value for one); the
    JVP ``jvp(t, ans, *inputs)`` returns the output's tangent.
    """
    if forward is None:
        return lambda fn: CustomOp(fn, check=check, name=name, eps=eps, atol=atol, rtol=rtol)
    if not callable(forward):
        raise TypeError(f"custom_op: expected a function, got {forward!r}")
    return CustomOp(forward, check=check, name=name, eps=eps, atol=atol, rtol=rtol)
