"""Thread-local switches of the engine: grad mode and anomaly mode.

Both are per thread, so two models trained in two threads do not see each other's
``no_grad`` blocks. The state object is read once per op on the hot path.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Per-thread engine flags (a fresh thread starts with grad on, anomaly off).

    ``detour`` is true while anomaly mode or forward mode is on, or while a compiled step
    is being recorded: the ops' fast paths read that one flag and leave the three modes'
    extra work to ``apply_op``.
    """

    def __init__(self) -> None:
        self.grad_enabled = True
        self._anomaly = False
        self._forward: Any = None
        self._recorder: Any = None
        self.detour = False
        # set by the engine during a plain first-order backward pass: getitem's VJP may
        # then return a lazy slice gradient (core/slices.py)
        self.slice_grads = False

    def _set_detour(self) -> None:
        self.detour = self._anomaly or self._forward is not None or self._recorder is not None

    @property
    def anomaly(self) -> bool:
        """Anomaly detection is on."""
        return self._anomaly

    @anomaly.setter
    def anomaly(self, mode: bool) -> None:
        self._anomaly = bool(mode)
        self._set_detour()

    @property
    def forward(self) -> Any:
        """The open dual levels (:mod:`autograd_mini.core.forward`); None: forward mode is off."""
        return self._forward

    @forward.setter
    def forward(self, stack: Any) -> None:
        self._forward = stack
        self._set_detour()

    @property
    def recorder(self) -> Any:
        """The recording of a compiled step (:mod:`autograd_mini.compile`); None: not recording."""
        return self._recorder

    @recorder.setter
    def recorder(self, recorder: Any) -> None:
        self._recorder = recorder
        self._set_detour()


state = _State()


def random_draw(sample: Callable[[], Any]) -> Any:
    """``sample()``: a random array, drawn afresh on every replay of a compiled step.

    Random layers (Dropout) and random constructors draw their arrays through this: while
    a compiled step is being recorded (``am.compile``), the recording keeps ``sample``
    itself, so each replay calls it again (the same generator, so traced and eager runs
    draw the same numbers) instead of reusing the traced call's values.
    """
    out = sample()
    if state.detour and state.recorder is not None:
        state.recorder.draw(sample, out)
    return out


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for differentiation (this thread)."""
    return state.grad_enabled


class set_grad_enabled:
    """Turn graph recording on or off; usable as a function, context manager or decorator.

    >>> with set_grad_enabled(False):
    ...     pass
    """

    def __init__(self, mode: bool) -> None:
        self.prev = state.grad_enabled
        self.mode = bool(mode)
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        state.grad_enabled = self.prev


class _FlagContext:
    """Sets one per-thread flag of ``state`` inside a ``with`` block or a decorated call.

    Re-entrant: nested blocks restore what they found. Subclasses name the flag and the
    value (``no_grad``, ``enable_grad``, ``detect_anomaly``).
    """

    flag = "grad_enabled"
    mode = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(getattr(state, self.flag))
        setattr(state, self.flag, self.mode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        setattr(state, self.flag, self._prev.pop())

    def __call__(self, fn: F) -> F:
        flag, mode = self.flag, self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = getattr(state, flag)
            setattr(state, flag, mode)
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(state, flag, prev)

        return wrapper  # type: ignore[return-value]


class no_grad(_FlagContext):
    """Context manager and decorator that stops recording ops (inference, weight updates).

    Inside it, results of ops have ``requires_grad=False`` and no graph is built.

    >>> import autograd_mini as am
    >>> w = am.tensor(1.0, requires_grad=True)
    >>> with am.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_FlagContext):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    mode = True
