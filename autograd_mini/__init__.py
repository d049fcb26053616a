"""autograd_mini: a small, fast, transparent reverse-mode automatic differentiation engine.

>>> import autograd_mini as am
>>> w = am.tensor(0.95, requires_grad=True)
>>> loss = 0.5 * (w * 2.0 - 1.0) ** 2
>>> loss.backward()
>>> print(f"{float(w.grad):.6f}")  # (am.round is the elementwise op, as np.round)
1.800000
"""

from typing import Any

from . import (
    autograd,
    data,
    forward_ad,
    linalg,  # issue 13: am.linalg (inv, solve, det, eigh, svd, qr, norm ...)
    nn,
    train,
    viz,
)
from .autograd import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .checking import (
    GradcheckError,
    GradientReport,
    compare_gradients,
    gradcheck,
    numerical_grad,
)
from .compile import CompiledFunction, TraceError, compile
from .creation import (
    arange,
    empty,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    one_hot,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    tril_indices,
    triu_indices,
    uniform,
    zeros,
    zeros_like,
)
from .custom import custom_op
from .dtypes import get_default_dtype, set_default_dtype
from .explain import explain, explain_forward
from .functional import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)
from .ops.api import (
    as_tensor,
    astype,
    broadcast_to,
    clip,
    concatenate,
    dot,
    elu,
    expand_dims,
    flatten,
    leaky_relu,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    outer,
    reshape,
    softmax,
    squeeze,
    stack,
    std,
    sum,
    swapaxes,
    transpose,
    unsqueeze,
    var,
    where,
)
from .ops.publish import PUBLIC as _PUBLIC
from .tensor import Tensor

__version__ = "0.1.0"

# Functions generated from the op table (elementwise ops: exp, log, sin, tan, relu ...).
globals().update(_PUBLIC)

__all__ = [
    "AnomalyError",
    "CompiledFunction",
    "GradcheckError",
    "GradientReport",
    "Tensor",
    "TraceError",
    "__version__",
    "arange",
    "as_tensor",
    "astype",
    "autograd",
    "broadcast_to",
    "clip",
    "compare_gradients",
    "compile",
    "concatenate",
    "custom_op",
    "data",
    "detect_anomaly",
    "dot",
    "elu",
    "empty",
    "enable_grad",
    "expand_dims",
    "explain",
    "explain_forward",
    "eye",
    "flatten",
    "forward_ad",
    "full",
    "full_like",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "leaky_relu",
    "linalg",
    "linearize",
    "linspace",
    "log_softmax",
    "logspace",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "nn",
    "no_grad",
    "normal",
    "numerical_grad",
    "one_hot",
    "ones",
    "ones_like",
    "outer",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "reshape",
    "set_default_dtype",
    "set_detect_anomaly",
    "set_grad_enabled",
    "softmax",
    "squeeze",
    "stack",
    "std",
    "sum",
    "swapaxes",
    "tensor",
    "train",
    "transpose",
    "tril_indices",
    "triu_indices",
    "uniform",
    "unsqueeze",
    "value_and_grad",
    "var",
    "viz",
    "vjp",
    "where",
    "zeros",
    "zeros_like",
]
__all__ += sorted(set(_PUBLIC) - set(__all__))  # the table's public ops


def __getattr__(name: str) -> Any:
    """Public ops registered after import (``am.<name>`` of a new table entry)."""
    try:
        return _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'autograd_mini' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
