"""L-BFGS: a quasi-Newton method on the flattened parameters, with an optional line search.

Unlike the first-order optimizers, one ``step(closure)`` runs up to ``max_iter``
iterations and calls ``closure`` (forward and backward) again and again: it has no
per-parameter array update (:meth:`Optimizer.update_param`), so a compiled step
(``am.compile``) cannot record it. Run the L-BFGS step eagerly; the closure itself may be
a compiled function.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ...core.grad_mode import enable_grad
from ...core.grad_mode import state as _modes
from ...tensor import Tensor
from ._checks import check_positive_int
from .optimizer import Optimizer, check_non_negative

_Objective = Callable[[np.ndarray, float, np.ndarray], tuple[float, np.ndarray]]


def _cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, slope g2),
    clipped to ``bounds`` (default: between x1 and x2); their midpoint if it has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(
    obj_func: _Objective, x: np.ndarray, t: float, d: np.ndarray, f: float, g: np.ndarray,
    gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """A step t along d satisfying the strong Wolfe conditions (bracketing, then zoom by
    cubic interpolation; Nocedal & Wright, algorithms 3.5 and 3.6, as PyTorch runs them).

    Returns the loss and flat gradient there, t, and the number of evaluations.
    """
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate: a cubic step, at least 1% past t and at most 10 t
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10.0
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:  # no bracket found: fall back to the best of 0 and t
        bracket, bracket_f, bracket_g, bracket_gtd = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    # zoom: shrink the bracket until a point satisfies the strong Wolfe conditions
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # keep t away from the bracket's ends (at least 10% of its width inside)
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    r"""L-BFGS (limited-memory BFGS), PyTorch's formulation, on all parameters flattened
    into one vector θ with gradient g.

    ``step(closure)`` is required: ``closure()`` clears the gradients, computes the loss,
    calls ``backward()`` and returns the loss. Each step runs up to ``max_iter``
    iterations (and up to ``max_eval`` closure calls, default ``max_iter * 5 // 4``):

    - stop at once if max|g| ≤ tolerance_grad
    - direction d = -H g by the two-loop recursion over the last ``history_size`` pairs
      s = θ_{k+1} - θ_k, y = g_{k+1} - g_k (a pair is kept only if yᵀs > 1e-10), with
      initial scaling H₀ = yᵀs / yᵀy; the very first direction is -g
    - step length t = min(1, 1/‖g‖₁)·lr on the first iteration, lr after; with
      ``line_search_fn="strong_wolfe"`` a line search from there (c₁ = 1e-4, c₂ = 0.9)
    - θ ← θ + t d; stop when gᵀd > -tolerance_change, max|g| ≤ tolerance_grad,
      max|t d| ≤ tolerance_change or |Δloss| < tolerance_change

    Returns the loss of the first closure call. Only one parameter group is supported.
    The history lives in ``state`` (keys ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``,
    ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``n_iter``, ``func_evals``), so
    later steps continue the same quasi-Newton model.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> w = nn.Parameter([3.0, -1.0])
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - np.array([1.0, 2.0])) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> np.allclose(w.data, [1.0, 2.0])
    True
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_non_negative(
            "LBFGS", lr=lr, tolerance_grad=tolerance_grad, tolerance_change=tolerance_change
        )
        if max_eval is None:
            max_eval = max_iter * 5 // 4 if isinstance(max_iter, int) else max_iter
        check_positive_int("LBFGS", max_iter=max_iter, max_eval=max_eval, history_size=history_size)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        self._params: list[Tensor] = self.param_groups[0]["params"]
        self._numel = sum(p.size for p in self._params)
        self._dtype = np.result_type(*[p.dtype for p in self._params])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """The one parameter group (L-BFGS has no per-parameter options)."""
        if self.param_groups:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): pass all "
                "parameters in one list"
            )
        super().add_param_group(param_group)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        raise TypeError(
            "LBFGS has no per-parameter update: it works on all parameters at once and "
            "re-evaluates the loss; call optimizer.step(closure)"
        )

    # ------------------------------------------------------------ flat views

    def _gather_flat_grad(self) -> np.ndarray:
        parts = [
            np.zeros(p.size, dtype=self._dtype) if p._grad is None else p._grad._data.reshape(-1)
            for p in self._params
        ]
        return np.concatenate(parts).astype(self._dtype, copy=False)

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([p._data.reshape(-1) for p in self._params]).astype(self._dtype, copy=False)

    def _set_flat_params(self, flat: np.ndarray) -> None:
        """Write ``flat`` into the parameters, out of place (new arrays, versions move on)."""
        offset = 0
        for p in self._params:
            n = p.size
            p._data = np.array(flat[offset:offset + n].reshape(p.shape), dtype=p.dtype)
            p._bump_version()
            offset += n

    def _add_grad(self, t: float, d: np.ndarray) -> None:
        """θ ← θ + t d."""
        self._set_flat_params(self._flat_params() + t * d)

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        with enable_grad():
            loss = closure()
        return float(loss)

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: np.ndarray, t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at x + t d; the parameters are put back to x after."""
        self._add_grad(t, d)
        loss = self._evaluate(closure)
        flat_grad = self._gather_flat_grad()
        self._set_flat_params(x)
        return loss, flat_grad

    # ------------------------------------------------------------ the step

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; returns the first ``closure()`` value."""
        if closure is None:
            raise TypeError(
                "LBFGS.step needs a closure that clears the gradients, computes the loss, "
                "calls loss.backward() and returns the loss: optimizer.step(closure)"
            )
        if _modes.recorder is not None:  # inside a compiled step being traced (am.compile)
            _modes.recorder.refuse(
                "LBFGS.step",
                "L-BFGS calls the closure a data-dependent number of times and decides from "
                "loss values (line search, stopping tests), which a compiled program cannot "
                "replay; run the LBFGS step eagerly (call optimizer.step(closure) outside the "
                "compiled function; the closure itself may be compiled)",
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if float(np.abs(flat_grad).max(initial=0.0)) <= tolerance_grad:
            return orig_loss  # already optimal

        d = state.get("d")
        t = state.get("t")
        old_dirs = state.get("old_dirs")
        old_stps = state.get("old_stps")
        ro = state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1 or d is None:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                assert old_dirs is not None and old_stps is not None and ro is not None
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # a pair keeps the model positive definite only if yᵀs > 0
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                # two-loop recursion: d = -H g
                al = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:  # not a descent direction (to tolerance)
                break

            ls_func_evals = 0
            if line_search_fn == "strong_wolfe":
                x_init = self._flat_params()

                def obj_func(x: np.ndarray, step: float, direction: np.ndarray) -> tuple[float, np.ndarray]:
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd
                )
                self._add_grad(t, d)
                opt_cond = float(np.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # re-evaluate (the last iteration's is the next step's)
                    loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(np.abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(np.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # ------------------------------------------------------------ saving

    def state_dict(self) -> dict[str, Any]:
        """The hyper-parameters and the quasi-Newton history (deep copies)."""
        out = super().state_dict()
        out["state"] = copy.deepcopy(out["state"])
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the flat arrays must match this
        optimizer's parameter count (checked before anything changes)."""
        saved = state_dict.get("state", {}) if isinstance(state_dict, dict) else None
        if saved is None or not isinstance(saved, dict):
            raise ValueError("LBFGS.load_state_dict: expected a dict with 'state' and 'param_groups'")
        for key, entry in saved.items():
            if key != 0:
                raise ValueError(f"LBFGS.load_state_dict: state for unknown parameter index {key}")
            arrays = [entry.get("d"), entry.get("prev_flat_grad"),
                      *(entry.get("old_dirs") or []), *(entry.get("old_stps") or [])]
            for a in arrays:
                if a is not None and np.shape(a) != (self._numel,):
                    raise ValueError(
                        f"LBFGS.load_state_dict: a saved history vector has shape {np.shape(a)}, "
                        f"this optimizer's parameters have {self._numel} elements in all"
                    )
        super().load_state_dict({**state_dict, "state": {}})
        self.state = {self._params[0]: copy.deepcopy(saved[0])} if saved else {}
