"""The engine: graph nodes, reverse topological order, grad mode, anomaly mode, hooks."""

from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .api import backward, grad
from .engine import topological_order, trace_backward
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .node import Node

__all__ = [
    "AnomalyError",
    "Node",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
    "topological_order",
    "trace_backward",
]
