"""The core: the graph node, grad and anomaly modes, the backward loop (and the Tensor type).

It knows graphs, not math: no op is named here. Every other layer of the package sits on
top of it; nothing here imports from above. This ``__init__`` imports nothing, so its
modules can be imported one by one in their own order (node, modes → Tensor → engine).
"""
