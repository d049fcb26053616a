"""The graph record of one op application (``Tensor.grad_fn``)."""

from __future__ import annotations

from typing import Any


class Node:
    """One recorded op application: the op, its inputs and what its VJP needs.

    ``inputs`` holds the op's arguments as given (Tensors and constants); they are the
    graph's edges. ``out`` is the forward result, kept only when the op's VJP reads it
    (``exp``, ``tanh``, ``sigmoid`` ...) and dropped after ``backward()`` unless
    ``retain_graph=True``. ``versions`` are the version counters of the inputs whose
    values the VJP reads, checked at backward time so an in-place change made after the
    forward pass raises instead of returning a wrong gradient.
    """

    __slots__ = (
        "__weakref__",
        "freed",
        "hooks",
        "inputs",
        "op",
        "out",
        "params",
        "retained",
        "scope",
        "trace",
        "versions",
    )

    def __init__(
        self,
        op: Any,
        inputs: tuple[Any, ...],
        out: Any,
        params: dict[str, Any] | None,
        versions: tuple[int, ...] | None,
    ) -> None:
        self.op = op
        self.inputs = inputs
        self.out = out
        self.params = params
        self.versions = versions
        self.hooks: list[Any] | None = None
        self.retained: Any = None
        self.trace: Any = None
        self.scope: Any = None  # (module, input tensors) set by nn.Module.__call__ on its output
        self.freed = False

    @property
    def name(self) -> str:
        """The op's name, e.g. ``"matmul"``."""
        return str(self.op.name)

    @property
    def parents(self) -> list[Any]:
        """The Tensor inputs of this op (constants left out), in argument order."""
        from ..tensor import Tensor

        return [t for t in self.inputs if isinstance(t, Tensor)]

    def __repr__(self) -> str:
        camel = "".join(part.capitalize() for part in self.name.split("_"))
        return f"<{camel}Backward>"
