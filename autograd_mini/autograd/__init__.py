"""`am.autograd`: grad and backward, and the core's grad and anomaly modes, nodes and graph order."""

from ..core.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ..core.engine import topological_order, trace_backward
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..core.node import Node
from .api import backward, grad

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
