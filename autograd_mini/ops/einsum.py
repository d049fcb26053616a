"""Einstein summation and the products built on it: ``einsum`` and ``cross``.

``einsum`` is one op for every contraction of any number of operands. The public function
turns the user's subscripts (implicit or explicit output, ``...``, repeated indices
within one operand) into a canonical, fully explicit form (``"ab,bc->ac"``: no ellipsis,
every operand's axes named) that the op carries as its parameter; the rules only ever
see that form.

The op is multilinear, so the gradient of operand k is again an einsum: the upstream
gradient ḡ (indexed by the output letters) contracted with every other operand, with
operand k's letters as the output. Two details make that exact for any subscripts:

- a letter that operand k repeats (``"ii->i"``: a diagonal) gets a fresh letter per
  repetition, tied to the first by a constant identity matrix δ, so the gradient lands
  on the diagonal only;
- a letter that only operand k has (summed away in the forward, ``"ij->i"``) is
  broadcast back by a constant vector of ones.

Because that rule is itself an ``einsum``, ``create_graph=True`` differentiates it again
(any order). The forward-mode rule is the multilinear one: Σₖ einsum with operand k
replaced by its tangent.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from ..tensor import Tensor, apply_op
from .convert import as_tensor
from .publish import public
from .registry import Op, dtype_of

LETTERS = string.ascii_letters  # the 52 index letters NumPy's einsum accepts


# ---------------------------------------------------------------- parsing


def _fail(message: str, shapes: Sequence[tuple[int, ...]], subscripts: str) -> ValueError:
    return ValueError(
        f"einsum: {message} (subscripts {subscripts!r}, operand shapes "
        f"{', '.join(str(s) for s in shapes) or 'none'})"
    )


def _split_term(term: str, ndim: int, k: int, shapes: Any, subscripts: str) -> tuple[str, str, int]:
    """(letters before '...', letters after, number of axes '...' stands for)."""
    if term.count("...") > 1:
        raise _fail(f"operand {k}'s term {term!r} has more than one '...'", shapes, subscripts)
    head, dots, tail = term.partition("...")
    for c in head + tail:
        if c not in LETTERS:
            raise _fail(
                f"invalid character {c!r} in {term!r}; indices are the letters a-z, A-Z "
                f"(and one '...' per operand)",
                shapes,
                subscripts,
            )
    named = len(head) + len(tail)
    if not dots:
        if named != ndim:
            raise _fail(
                f"operand {k} has {ndim} axes but its term {term!r} names {named}; give one "
                f"letter per axis, or '...' for the leading axes",
                shapes,
                subscripts,
            )
        return head, "", 0
    if named > ndim:
        raise _fail(
            f"operand {k} has {ndim} axes but its term {term!r} names {named} besides '...'",
            shapes,
            subscripts,
        )
    return head, tail, ndim - named


@functools.lru_cache(maxsize=1024)
def canonical(subscripts: str, shapes: tuple[tuple[int, ...], ...]) -> str:
    """The fully explicit form of ``subscripts`` for operands of ``shapes``.

    ``'...'`` becomes letters the subscripts do not use (right-aligned, as broadcasting
    aligns axes); an implicit output becomes the ellipsis axes followed by the letters
    that occur exactly once, in alphabetical order (NumPy's rule). Raises ``ValueError``
    naming the problem and the shapes.

    >>> canonical("ij,jk", ((2, 3), (3, 4)))
    'ij,jk->ik'
    >>> canonical("...ij,...jk->...ik", ((5, 2, 3), (3, 4)))
    'aij,jk->aik'
    >>> canonical("ii", ((3, 3),))
    'ii->'
    """
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise _fail("more than one '->'", shapes, subscripts)
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise _fail(
            f"{len(terms)} operand term(s) for {len(shapes)} operand(s); write one "
            f"comma-separated term per operand",
            shapes,
            subscripts,
        )
    parts = [_split_term(t, len(s), k, shapes, subscripts) for k, (t, s) in enumerate(zip(terms, shapes))]
    used = set(spec)
    spare = [c for c in LETTERS if c not in used]
    n_ell = max((p[2] for p in parts), default=0)
    if n_ell > len(spare):
        raise _fail("too many indices: einsum has 52 letters", shapes, subscripts)
    ell = "".join(spare[:n_ell])
    inputs = [head + ell[n_ell - count :] + tail for head, tail, count in parts]
    if arrow:
        if rhs.count("...") > 1:
            raise _fail("the output has more than one '...'", shapes, subscripts)
        head, dots, tail = rhs.partition("...")
        if not dots and n_ell:
            raise _fail(
                "the operands have axes under '...' but the output has no '...'; add '...' "
                "to the output (or sum those axes afterwards)",
                shapes,
                subscripts,
            )
        output = head + (ell if dots else "") + tail
        for c in head + tail:
            if c not in LETTERS:
                raise _fail(f"invalid character {c!r} in the output {rhs!r}", shapes, subscripts)
            if not any(c in term for term in inputs):
                raise _fail(f"output index {c!r} occurs in no operand", shapes, subscripts)
        if len(set(output)) != len(output):
            raise _fail(f"the output {rhs!r} repeats an index", shapes, subscripts)
    else:
        counts: dict[str, int] = {}
        for term in inputs:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        output = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    _check_sizes(inputs, shapes, subscripts)
    return ",".join(inputs) + "->" + output


def _check_sizes(inputs: list[str], shapes: Sequence[tuple[int, ...]], subscripts: str) -> None:
    sizes: dict[str, tuple[int, int]] = {}  # letter -> (size other than 1, operand)
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        within: dict[str, int] = {}
        for c, n in zip(term, shape):
            if c in within and within[c] != n:
                raise _fail(
                    f"operand {k} repeats index {c!r} on axes of sizes {within[c]} and {n}; a "
                    f"repeated index (a diagonal or trace) needs equal sizes",
                    shapes,
                    subscripts,
                )
            within[c] = n
            if n == 1:
                continue
            if c in sizes and sizes[c][0] != n:
                raise _fail(
                    f"index {c!r} has size {sizes[c][0]} in operand {sizes[c][1]} but {n} in "
                    f"operand {k}; sizes must match (or be 1, which broadcasts)",
                    shapes,
                    subscripts,
                )
            sizes[c] = (n, k)


def _split(spec: str) -> tuple[list[str], str]:
    lhs, _, out = spec.partition("->")
    return lhs.split(","), out


# ---------------------------------------------------------------- the op


@functools.lru_cache(maxsize=1024)
def _path(spec: str, shapes: tuple[tuple[int, ...], ...]) -> Any:
    """The contraction order (NumPy's greedy path; pairwise steps run on BLAS)."""
    dummies = [np.broadcast_to(np.zeros((), dtype=np.float64), s) for s in shapes]
    return np.einsum_path(spec, *dummies, optimize="greedy")[0]


def _einsum_forward(*operands: Any, subscripts: str = "") -> Any:
    if len(operands) < 2:
        out = np.einsum(subscripts, *operands)
        # a single operand may come back as a view (a diagonal): the result is a new array
        return np.array(out, copy=True) if isinstance(out, np.ndarray) and out.base is not None else out
    shapes = tuple(np.shape(x) for x in operands)
    return np.einsum(subscripts, *operands, optimize=_path(subscripts, shapes))


def _operand_gradient(k: int, g: Any, values: Sequence[Any], spec: str) -> Any:
    """∂/∂(operand k) of ⟨ḡ, einsum(spec, *values)⟩, as an einsum of ḡ and the others."""
    inputs, output = _split(spec)
    term = inputs[k]
    shape = shape_of(values[k])
    dtype = dtype_of(values[k])
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    spare = iter(c for c in LETTERS if c not in spec)
    target: list[str] = []
    extra_terms: list[str] = []
    extra_ops: list[Any] = []
    seen: set[str] = set()
    for c, n in zip(term, shape):
        if c in seen:  # repeated within operand k: a fresh letter tied to c by δ
            fresh = next(spare)
            target.append(fresh)
            extra_terms.append(c + fresh)
            extra_ops.append(np.eye(n, dtype=dtype))
        else:
            seen.add(c)
            target.append(c)
    others = [t for j, t in enumerate(inputs) if j != k]
    present = set(output).union(*others, *extra_terms)
    for c, n in zip(term, shape):
        if c not in present:  # summed in operand k alone: broadcast ḡ back along it
            present.add(c)
            extra_terms.append(c)
            extra_ops.append(np.ones(n, dtype=dtype))
    sub = ",".join([output, *others, *extra_terms]) + "->" + "".join(target)
    operands = [g, *(v for j, v in enumerate(values) if j != k), *extra_ops]
    return einsum_op(*operands, subscripts=sub)


def _einsum_vjp(
    g: Any, ans: Any, values: Sequence[Any], needs: Sequence[bool], subscripts: str = ""
) -> list[Any]:
    return [_operand_gradient(k, g, values, subscripts) if need else None for k, need in enumerate(needs)]


def _einsum_jvp(tangents: Sequence[Any], ans: Any, *operands: Any, subscripts: str = "") -> Any:
    """ẏ = Σₖ einsum(subscripts, x₁, …, ẋₖ, …, xₙ) (multilinear: operand k replaced by its tangent)"""
    total = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        args = list(operands)
        args[k] = t
        term = einsum_op(*args, subscripts=subscripts)
        total = term if total is None else total + term
    if total is None:
        return np.zeros(shape_of(ans), dtype=dtype_of(ans))
    return total


einsum_op: Op = Op(
    "einsum",
    _einsum_forward,
    vjp_all=_einsum_vjp,
    jvp=_einsum_jvp,
    rules=[
        "x̄ₖ = einsum(ḡ and every operand but k → operand k's indices); an index repeated "
        "in xₖ is tied by δ (identity), one only xₖ has is broadcast by ones"
    ],
    math="y = Σ over the indices not in the output of Π operands (Einstein summation)",
    doc="Einstein summation over any number of operands.",
)


@public
def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation, with NumPy's subscripts.

    ``"ij,jk->ik"`` is a matrix product, ``"ii"`` a trace, ``"ii->i"`` a diagonal,
    ``"...ij,...jk->...ik"`` a batched product, ``"bhqd,bhkd->bhqk"`` attention scores.
    Without ``->`` the output is the ``...`` axes followed by the indices that occur
    exactly once, alphabetically (NumPy's rule). Sizes of one index must match or be 1
    (broadcast).

    Derivative: the op is multilinear, so the gradient of operand k is an einsum of the
    upstream gradient ḡ with all other operands, written to operand k's indices (an
    index repeated in operand k gets the gradient on its diagonal only; an index only
    operand k has is broadcast). The rule is an einsum itself: any order of derivative.

    >>> import autograd_mini as am
    >>> a = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> am.einsum("ii", a)
    Tensor(5., grad_fn=<EinsumBackward>)
    >>> am.einsum("ii", a).backward(); a.grad
    Tensor([[1., 0.],
            [0., 1.]])
    """
    if not isinstance(subscripts, str):
        raise TypeError(
            f"einsum: the first argument must be the subscripts string (e.g. 'ij,jk->ik'), "
            f"got {type(subscripts).__name__}; the interleaved form einsum(a, [0, 1], b, "
            f"[1, 2]) is not supported"
        )
    if not operands:
        raise ValueError(f"einsum: no operands for subscripts {subscripts!r}")
    ts = tuple(as_tensor(x, "einsum") for x in operands)
    spec = canonical(subscripts, tuple(t.shape for t in ts))
    return apply_op(einsum_op, ts, {"subscripts": spec})


def contract(spec: str, *operands: Tensor) -> Tensor:
    """The einsum op on Tensors with an already canonical ``spec`` (for library functions)."""
    return apply_op(einsum_op, operands, {"subscripts": spec})


# ---------------------------------------------------------------- cross product


def _cross_forward(a: Any, b: Any, axis: int = -1) -> Any:
    return np.cross(a, b, axis=axis)


cross_op: Op = Op(
    "cross",
    _cross_forward,
    [
        lambda g, ans, a, b, axis=-1: cross_op(b, g, axis=axis),
        lambda g, ans, a, b, axis=-1: cross_op(g, a, axis=axis),
    ],
    jvp="bilinear",
    rules=["ā = b × ḡ", "b̄ = ḡ × a"],
    math="c = a × b (3-vectors along an axis)",
    doc="Cross product of 3-vectors along an axis.",
    hint="Both operands need size 3 along the axis and broadcastable other axes.",
)


# ---------------------------------------------------------------- N-d dot


def dot_nd(a: Tensor, b: Tensor) -> Tensor:
    """``np.dot`` for operands of at least 1 axis, one of them N-d (N > 2), as an einsum:
    the last axis of ``a`` against the second-to-last of ``b`` (its only axis if 1-D)."""
    inner_a = a.shape[-1]
    b_axis = -1 if b.ndim == 1 else -2
    inner_b = b.shape[b_axis]
    if inner_a != inner_b:
        raise ValueError(
            f"dot: shapes {a.shape} and {b.shape} are not aligned: the last axis of the first "
            f"({inner_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of "
            f"the second ({inner_b}). Fix: transpose or reshape one operand, or use "
            f"am.tensordot(a, b, axes=...) to name the axes to contract."
        )
    if a.ndim + b.ndim - 1 > len(LETTERS):
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} have too many axes for einsum (52)")
    letters = iter(LETTERS)
    ta = "".join(next(letters) for _ in range(a.ndim))
    s = ta[-1]
    tb_list = [next(letters) for _ in range(b.ndim - 1)]
    tb_list.insert(b.ndim + b_axis, s)
    tb = "".join(tb_list)
    out = ta[:-1] + tb.replace(s, "")
    return contract(f"{ta},{tb}->{out}", a, b)
