"""The returned picture object and the clear error when Graphviz's ``dot`` is missing.

:class:`GraphPicture` is a :class:`graphviz.Digraph` (so ``.render()``, ``.pipe()``,
``.source`` and inline SVG display in Jupyter work as usual) that also says what the
collapse hid, and that turns graphviz's bare "executable not found" into an error that
says how to install Graphviz.
"""

from __future__ import annotations

from typing import Any

import graphviz

from .collapse import CollapseReport

INSTALL_HINT = (
    "the Graphviz program `dot` was not found on PATH; it is needed to render pictures. "
    "Install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, or see "
    "https://graphviz.org/download/ (the pip package `graphviz` alone is not enough). "
    "am.viz.to_dot(...) gives the DOT text without it."
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's ``dot`` program and it is not installed (or not on PATH)."""

    def __init__(self, what: str) -> None:
        RuntimeError.__init__(self, f"{what}: {INSTALL_HINT}")


class GraphPicture(graphviz.Digraph):
    """A computation-graph picture: a ``graphviz.Digraph`` plus what was collapsed.

    Attributes:
        report: the :class:`~autograd_mini.viz.collapse.CollapseReport` (counts of the
            ops and tensors hidden, modules drawn as single boxes).
        scalar_mode: True when tensors are drawn as micrograd-style ``data | grad`` records.
        shows_grad: True when gradients (labels or edge flow) are drawn.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = CollapseReport()
        self.scalar_mode = False
        self.shows_grad = False

    @property
    def hidden_ops(self) -> int:
        """How many ops the collapse hid (0 when the whole graph is drawn)."""
        return self.report.hidden_ops

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Render with ``dot`` and return the image (see :meth:`graphviz.Digraph.pipe`)."""
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            if isinstance(err, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError("GraphPicture.pipe") from err

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render with ``dot`` to a file (see :meth:`graphviz.Digraph.render`)."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            if isinstance(err, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError("GraphPicture.render") from err

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFoundError as err:  # in a notebook: say how to install, show no traceback
            return {"text/plain": str(err)}
