"""Pictures of computation graphs: DOT text and Graphviz objects.

:func:`draw_graph` returns a ``graphviz.Digraph`` (shown inline in Jupyter, rendered
with ``.render()`` / ``.pipe()``, which need the Graphviz ``dot`` program);
:func:`to_dot` returns the same picture as DOT text and needs nothing else.

>>> import autograd_mini as am
>>> w = am.tensor(0.95, requires_grad=True, name="w")
>>> loss = 0.5 * (w * 2.0 - 1.0) ** 2
>>> am.viz.to_dot(loss).splitlines()[0]
'digraph autograd_mini {'
"""

from .animate import animate_backward, animate_forward
from .collapse import CollapseReport
from .draw import GradientsNotComputedWarning, draw_graph, to_dot
from .player import Animation, Frame
from .render import GraphPicture, GraphvizNotFoundError

__all__ = [
    "Animation",
    "CollapseReport",
    "Frame",
    "GradientsNotComputedWarning",
    "GraphPicture",
    "GraphvizNotFoundError",
    "animate_backward",
    "animate_forward",
    "draw_graph",
    "to_dot",
]
