"""The graph record of one op application (``Tensor.grad_fn``), and the mutation epoch."""

from __future__ import annotations

from typing import Any

# A global count of in-place updates. A node remembers the epoch it was created in; at
# backward time, only if the epoch moved on since then can one of its inputs have been
# modified in place, and only then are the inputs' ``_mutated_at`` stamps compared.
EPOCH = [0]


class Node:
    """One recorded op application: the op, its inputs and what its VJP needs.

    ``inputs`` holds the op's arguments as given (Tensors and constants); they are the
    graph's edges. ``out`` is the forward result, kept only when the op's VJP reads it
    (``exp``, ``tanh``, ``sigmoid`` ...) and dropped after ``backward()`` unless
    ``retain_graph=True``. ``epoch`` is the mutation epoch at creation for ops whose
    VJP reads input values (else None): an input modified in place after that raises at
    backward time instead of giving a wrong gradient.

    Rarely set fields are class-level defaults, so creating a node sets five attributes
    (plain instances with inline values create faster than ``__slots__`` ones here).
    """

    hooks: list[Any] | None = None  # gradient hooks of the output tensor
    retained: Any = None  # weak reference to the output tensor, after retain_grad()
    trace: Any = None  # where the op was created, in anomaly mode
    scope: Any = None  # (module, input tensors) set by nn.Module.__call__ on its output
    freed = False  # saved values released by a backward without retain_graph
    tangents: Any = None  # the output's forward-mode tangents, when made under a dual level

    def __init__(
        self,
        op: Any,
        inputs: tuple[Any, ...],
        out: Any,
        params: dict[str, Any] | None,
        epoch: int | None,
    ) -> None:
        self.op = op
        self.inputs = inputs
        self.out = out
        self.params = params
        self.epoch = epoch

    @property
    def name(self) -> str:
        """The op's name, e.g. ``"matmul"``."""
        return str(self.op.name)

    @property
    def parents(self) -> list[Any]:
        """The Tensor inputs of this op (constants left out), in argument order."""
        # Tensors are the inputs with a graph link; constants (arrays, numbers) have none.
        return [t for t in self.inputs if hasattr(t, "grad_fn")]

    def __repr__(self) -> str:
        camel = "".join(part.capitalize() for part in self.name.split("_"))
        return f"<{camel}Backward>"
