"""Anomaly mode: find the op that first produced a NaN or an infinity.

Off by default, so the hot path pays one flag read per op. When on, every op records
where in the user's code it was created, and the forward and backward passes check
each result: the first op whose inputs were all finite and whose result is not raises
:class:`AnomalyError` naming the op, the pass, the input shapes and ranges and the
user's file and line.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import numpy as np

from .grad_mode import _FlagContext, state

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnomalyError(RuntimeError):
    """A NaN or inf was produced by an op while anomaly detection was on."""


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return state.anomaly


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off for this thread."""
    state.anomaly = bool(mode)


class detect_anomaly(_FlagContext):
    """Context manager (and decorator) that turns on anomaly detection in this thread.

    >>> import autograd_mini as am
    >>> x = am.tensor([0.0, 1.0], requires_grad=True)
    >>> with am.detect_anomaly():
    ...     try:
    ...         y = am.log(x)
    ...     except am.AnomalyError as e:
    ...         print("caught:", str(e).splitlines()[0])
    caught: forward of 'log' produced -inf from finite inputs
    """

    flag = "anomaly"

    def __init__(self, enabled: bool = True) -> None:
        super().__init__()
        self.mode = bool(enabled)


def creation_site() -> str:
    """The innermost frame of the user's code (outside this package) as ``file:line``."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIR):
            summary = traceback.FrameSummary(filename, frame.f_lineno, frame.f_code.co_name)
            where = f"{os.path.relpath(filename) if _is_local(filename) else filename}"
            return f"{where}:{summary.lineno} in {summary.name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


def _is_local(filename: str) -> bool:
    try:
        return not os.path.relpath(filename).startswith("..")
    except ValueError:  # different drive on Windows
        return False


def _value(x: Any) -> Any:
    return getattr(x, "_data", x)


def _is_finite(a: Any) -> bool:
    arr = np.asarray(a)
    if arr.dtype.kind not in "fc":
        return True
    return bool(np.isfinite(arr).all())


def _describe_bad(a: Any) -> str:
    arr = np.asarray(a)
    if np.isnan(arr).any():
        return "nan"
    return "inf" if (arr == np.inf).any() else "-inf"


def _range(a: Any) -> str:
    arr = np.asarray(_value(a))
    if arr.size == 0:
        return "empty"
    if arr.dtype.kind not in "fiub":
        return str(arr.dtype)
    return f"min {float(np.min(arr)):.6g}, max {float(np.max(arr)):.6g}"


def _inputs_report(inputs: tuple[Any, ...]) -> str:
    lines = []
    for i, x in enumerate(inputs):
        arr = np.asarray(_value(x))
        lines.append(f"  input {i}: shape {arr.shape}, {arr.dtype}, {_range(arr)}")
    return "\n".join(lines)


def check_forward(op_name: str, inputs: tuple[Any, ...], out: np.ndarray, site: str) -> None:
    """Raise if ``out`` is not finite.

    With anomaly mode on, the first non-finite value raises where it appears, so the op
    named is the culprit: either its inputs were all finite (the op left its domain), or
    a non-finite value entered the graph as data (not made by any op) right here.
    """
    if _is_finite(out):
        return
    bad = [i for i, x in enumerate(inputs) if not _is_finite(_value(x))]
    if not bad:
        raise AnomalyError(
            f"forward of '{op_name}' produced {_describe_bad(out)} from finite inputs\n"
            f"  created at {site}\n{_inputs_report(inputs)}\n"
            f"Fix: keep the op's inputs inside its domain (e.g. clip before log/sqrt/div)."
        )
    raise AnomalyError(
        f"forward of '{op_name}' received non-finite data in input {bad[0]} "
        f"({_describe_bad(_value(inputs[bad[0]]))}): it was not produced by an op checked in "
        f"anomaly mode, so it came in as data (or from code run outside detect_anomaly)\n"
        f"  created at {site}\n{_inputs_report(inputs)}\n"
        f"Fix: clean the input data (np.isfinite) before building the graph."
    )


def check_backward(node: Any, index: int, upstream: Any, grad: Any) -> None:
    """Raise if the VJP of ``node`` for input ``index`` made a NaN/inf from finite values."""
    if _is_finite(_value(grad)):
        return
    if not _is_finite(_value(upstream)):
        return
    if not all(_is_finite(_value(x)) for x in node.inputs):
        return
    raise AnomalyError(
        f"backward of '{node.name}' produced {_describe_bad(_value(grad))} in the gradient "
        f"of input {index} from a finite upstream gradient\n"
        f"  created at {node.trace or '<created outside anomaly mode>'}\n"
        f"{_inputs_report(node.inputs)}\n"
        f"  upstream gradient: shape {np.shape(_value(upstream))}, {_range(upstream)}\n"
        f"Fix: the op's derivative is unbounded here (e.g. sqrt or log at 0); move the input "
        f"away from that point or add a small epsilon."
    )
