"""The differentiable primitive type: an :class:`Op` is a NumPy forward and its VJPs.

An ``Op`` is *dual*: called on plain NumPy arrays (and numbers) it runs its forward and
returns an array; called with any :class:`~autograd_mini.tensor.Tensor` argument it
records a graph node and returns a Tensor. VJP rules are written with ops and operators
only, so during first-order ``backward()`` they run on arrays at NumPy speed, and with
``create_graph=True`` the very same rules receive Tensors and build a differentiable
graph of the backward pass. Each op therefore has exactly one derivative rule.

A rule receives ``(grad, ans, *inputs, **params)``: the upstream gradient, the op's
output and its inputs. It returns the gradient for one input, shaped like that input or
like the broadcast output (the engine sums broadcast axes away).

The type lives in the core because the engine itself needs two ops (``sum_to`` and its
VJP ``broadcast_to``, see :mod:`autograd_mini.core.broadcasting`) to undo broadcasting;
the table of all ops (``REGISTRY``, filled as ops are defined) is the ops layer's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..tensor import Tensor, apply_op

Rule = Callable[..., Any]
REGISTRY: dict[str, Op] = {}
# Called with each op as it is registered (the ops layer publishes ``am.<name>`` and the
# Tensor method from the entry), and with ``None`` in place of the op when it is removed.
LISTENERS: list[Callable[[str, Op | None], None]] = []


@dataclass(frozen=True)
class Domain:
    """Where an op's generated check cases draw their inputs (an entry's ``domain``).

    One interval ``(low, high)`` per input; values closer than ``margin`` to a point of
    ``avoid`` (a kink, a pole) are moved ``margin`` away from it, so central finite
    differences are a valid oracle.

    >>> Domain((-1.2, 1.2)).intervals
    ((-1.2, 1.2),)
    """

    intervals: tuple[tuple[float, float], ...]
    avoid: tuple[float, ...] = ()
    margin: float = 0.1

    def __init__(self, *intervals: tuple[float, float], avoid: Sequence[float] = (), margin: float = 0.1):
        object.__setattr__(self, "intervals", tuple((float(lo), float(hi)) for lo, hi in intervals))
        object.__setattr__(self, "avoid", tuple(float(a) for a in avoid))
        object.__setattr__(self, "margin", float(margin))


class Op:
    """A differentiable primitive: everything about one op, in one entry.

    Attributes:
        name: the op's name as shown in ``grad_fn``, errors, pictures and the ledger.
        forward: NumPy function of the input arrays (and keyword params).
        vjps: one rule per input, ``None`` for inputs that are not differentiable.
        vjp_all: for variadic ops, one rule returning the gradients of all inputs.
        save_inputs: the VJPs read input values (their version counters are checked).
        save_output: the VJPs read the output (kept on the node until backward).
        rules: the derivative in math, one string per input, for docs and the ledger.
        math: the forward in math (``"y = tan x"``), for the docs table and docstrings.
        doc: one sentence saying what the op computes (the public function's docstring).
        domain: where generated check cases draw inputs (:class:`Domain`), or ``None``
            when the op's cases are written out in ``checking/cases.py``.
        public: publish ``am.<name>``, generated from this entry (elementwise ops); ops
            with parameters to validate have a hand-written function in ``ops/api.py``.
        method: also a Tensor method ``x.<name>()`` (generated like ``public``).
        jvp: the forward-mode rule (JVP), derived where that is exact:
            ``"elementwise"``: every input's Jacobian is diagonal (after broadcasting),
            so the output tangent is Σᵢ vjps[i](tᵢ, ans, *inputs), the VJP with the
            tangent in place of the upstream gradient; ``"linear"``: the op is linear in
            its differentiable inputs together, so the output tangent is the op applied
            to the tangents (inputs whose VJP is ``None`` keep their values, a missing
            tangent counts as zeros); ``"bilinear"``: Σᵢ the op with input i replaced by
            its tangent (mul, matmul, einsum ...); or a hand-written rule
            ``jvp(tangents, ans, *inputs, **params)`` where ``tangents`` has one entry per
            input (``None`` for a zero tangent). ``None``: no forward-mode rule yet.
        hint: what to do when the forward rejects its inputs.
        view: the output only rearranges its input's values (reshape, transpose,
            indexing ...), so an in-place update of the input after the op also
            invalidates values saved from the output.
        forward_saving: optionally, a forward that also returns what the VJPs will
            read, ``(output, residual)`` (JAX's ``custom_vjp`` ``fwd``; PyTorch's
            ``ctx.save_for_backward``). It runs in place of ``forward`` when the op is
            recorded in a graph, and the first-order VJPs then receive the residual in
            place of ``ans`` (so work the forward already did, such as a softmax, is not
            redone). With ``create_graph=True`` the rules receive ``ans=None`` and must
            compute from the inputs. The residual is an array or ``None``.
    """

    __slots__ = (
        "doc",
        "domain",
        "forward",
        "forward_saving",
        "hint",
        "jvp",
        "math",
        "method",
        "name",
        "public",
        "rules",
        "save_inputs",
        "save_output",
        "view",
        "vjp_all",
        "vjps",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Sequence[Rule | None] = (),
        *,
        vjp_all: Callable[..., Any] | None = None,
        save_inputs: bool = True,
        save_output: bool = False,
        rules: Sequence[str] = (),
        math: str = "",
        doc: str = "",
        domain: Domain | None = None,
        public: bool = False,
        method: bool = False,
        jvp: Any = None,
        hint: str = "",
        view: bool = False,
        forward_saving: Callable[..., tuple[Any, Any]] | None = None,
        register: bool = True,
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjps = tuple(vjps)
        self.vjp_all = vjp_all
        self.save_inputs = save_inputs
        self.save_output = save_output
        self.rules = tuple(rules)
        self.math = math
        self.doc = doc
        self.domain = domain
        self.public = public
        self.method = method
        self.jvp = jvp
        self.hint = hint
        self.view = view
        self.forward_saving = forward_saving
        if register:
            add(self)

    def __call__(self, *args: Any, **params: Any) -> Any:
        for a in args:
            if isinstance(a, Tensor):
                return apply_op(self, args, params or None)
        return self.forward(*args, **params)

    def backward(
        self,
        grad: Any,
        ans: Any,
        inputs: tuple[Any, ...],
        params: dict[str, Any] | None,
        as_tensors: bool,
    ) -> list[Any]:
        """The gradient of every input (``None`` where not needed).

        ``inputs`` are the node's arguments. In first-order backward the rules receive
        their NumPy values; with ``as_tensors`` (``create_graph=True``) the Tensors
        themselves, so the rules' own ops are recorded.
        """
        if len(inputs) == 1:  # the common unary case, without building lists
            x = inputs[0]
            value = x if as_tensors else x._data
            rule = self.vjps[0] if self.vjps else None
            if rule is not None and self.vjp_all is None:
                return [rule(grad, ans, value, **params) if params else rule(grad, ans, value)]
        if len(inputs) == 2 and not as_tensors and not params and self.vjp_all is None:
            # the common binary case (operators), first order: no lists built
            x, y = inputs
            x_tensor, y_tensor = isinstance(x, Tensor), isinstance(y, Tensor)
            rules = self.vjps
            if len(rules) == 2:
                rx, ry = rules
                need_x = x_tensor and x.requires_grad
                need_y = y_tensor and y.requires_grad
                if (rx is not None or not need_x) and (ry is not None or not need_y):
                    xv = x._data if x_tensor else x
                    yv = y._data if y_tensor else y
                    return [
                        rx(grad, ans, xv, yv) if need_x and rx is not None else None,
                        ry(grad, ans, xv, yv) if need_y and ry is not None else None,
                    ]
        values = inputs if as_tensors else [x._data if isinstance(x, Tensor) else x for x in inputs]
        if self.vjp_all is not None:
            needs = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
            if params:
                return list(self.vjp_all(grad, ans, values, needs, **params))
            return list(self.vjp_all(grad, ans, values, needs))
        vjps = self.vjps
        out: list[Any] = [None] * len(inputs)
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor) and x.requires_grad:
                rule = vjps[i] if i < len(vjps) else None
                if rule is None:
                    raise RuntimeError(f"'{self.name}' is not differentiable in input {i}")
                out[i] = rule(grad, ans, *values, **params) if params else rule(grad, ans, *values)
        return out

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def add(op: Op) -> Op:
    """Register ``op`` in the table (its name must be new) and tell the listeners."""
    if op.name in REGISTRY:
        raise ValueError(f"an op named {op.name!r} is already registered")
    REGISTRY[op.name] = op
    for listener in LISTENERS:
        listener(op.name, op)
    return op


def remove(name: str) -> Op:
    """Take the op ``name`` out of the table again (and what was published from it)."""
    if name not in REGISTRY:
        raise KeyError(f"no op named {name!r} is registered")
    op = REGISTRY.pop(name)
    for listener in LISTENERS:
        listener(name, None)
    return op
