"""Learning-rate schedules: call ``scheduler.step()`` once per epoch, after ``optimizer.step()``.

Each scheduler sets ``group["lr"]`` of every parameter group from the group's initial
learning rate and the epoch count, by a closed-form formula (PyTorch's names, keywords
and defaults). Two schedulers stepped one after the other do not combine (the second
sets the lr from its own formula): combine them with :class:`ChainedScheduler` (factors
multiply) or :class:`SequentialLR` (one after another). :class:`ReduceLROnPlateau`
instead reacts to a metric: ``scheduler.step(val_loss)``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import types
from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: remembers each group's ``initial_lr`` and sets the lr for each epoch."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer from nn.optim, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: resuming with last_epoch={last_epoch} needs "
                        f"'initial_lr' in parameter group {i}"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of each group at epoch ``self.last_epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's learning rate."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's settings and position (without the optimizer)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """lr = initial_lr · gamma^⌊epoch / step_size⌋ (decay by ``gamma`` every ``step_size`` epochs)."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · gamma^⌊epoch / step_size⌋ for each group."""
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base * factor for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = initial_lr · gamma^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · gamma^epoch for each group."""
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (initial_lr - η_min)·(1 + cos(π·epoch / T_max)) / 2.

    Falls from the initial lr to ``eta_min`` over ``T_max`` epochs (and rises again after,
    as the closed form does).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The cosine schedule for each group."""
        cos = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]


# ---------------------------------------------------------------- helpers


def _per_group(who: str, name: str, value: Any, optimizer: Optimizer) -> list[Any]:
    """``value`` for every parameter group: a list/tuple (one per group) or one value for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{who}: expected {n} values of {name} (one per parameter group), got {len(value)}"
            )
        return list(value)
    return [value] * n


def _check_optimizer(who: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{who}: expected an optimizer from nn.optim, got {type(optimizer).__name__}")


def _lambdas_state(scheduler: Any) -> dict[str, Any]:
    """state_dict of a scheduler holding ``lr_lambdas``: plain functions are not saved
    (re-create the scheduler with them), callable objects save their ``__dict__``."""
    out = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
    out["lr_lambdas"] = [
        None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        for fn in scheduler.lr_lambdas
    ]
    return out


def _load_lambdas_state(scheduler: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    saved = state.pop("lr_lambdas", [None] * len(scheduler.lr_lambdas))
    scheduler.__dict__.update(state)
    for fn, attrs in zip(scheduler.lr_lambdas, saved):
        if attrs is not None:
            fn.__dict__.update(attrs)


def _lambdas(who: str, lr_lambda: Any, optimizer: Optimizer) -> list[Callable[[int], float]]:
    fns = _per_group(who, "lr_lambda", lr_lambda, optimizer)
    for fn in fns:
        if not callable(fn):
            raise TypeError(
                f"{who}: lr_lambda must be a function of the epoch (or a list of them, one per "
                f"group), got {type(fn).__name__}"
            )
    return fns


# ---------------------------------------------------------------- more schedules


class LambdaLR(LRScheduler):
    """lr = initial_lr · lr_lambda(epoch) (one function, or one per parameter group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer("LambdaLR", optimizer)
        self.lr_lambdas = _lambdas("LambdaLR", lr_lambda, optimizer)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · λ(epoch) for each group."""
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict[str, Any]:
        """The position; lambdas that are plain functions are not saved (pass them again)."""
        return _lambdas_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        _load_lambdas_state(self, state_dict)


class MultiplicativeLR(LRScheduler):
    """lr_epoch = lr_{epoch-1} · lr_lambda(epoch), i.e. initial_lr · Π_{k=1..epoch} lr_lambda(k)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer("MultiplicativeLR", optimizer)
        self.lr_lambdas = _lambdas("MultiplicativeLR", lr_lambda, optimizer)
        self._factors = [1.0] * len(self.lr_lambdas)  # Π λ(k) up to epoch _factor_epoch
        self._factor_epoch = 0
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · Π_{k=1..epoch} λ(k) for each group (kept as a running product)."""
        epoch = self.last_epoch
        if epoch != self._factor_epoch + 1 or epoch <= 0:  # a jump (restart, resume): recompute
            self._factors = [1.0] * len(self.lr_lambdas)
            for k in range(1, epoch + 1):
                self._factors = [f * fn(k) for f, fn in zip(self._factors, self.lr_lambdas)]
        else:
            self._factors = [f * fn(epoch) for f, fn in zip(self._factors, self.lr_lambdas)]
        self._factor_epoch = max(epoch, 0)
        return [base * f for base, f in zip(self.base_lrs, self._factors)]

    def state_dict(self) -> dict[str, Any]:
        """The position; lambdas that are plain functions are not saved (pass them again)."""
        return _lambdas_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        _load_lambdas_state(self, state_dict)


class MultiStepLR(LRScheduler):
    """lr = initial_lr · gamma^(number of milestones ≤ epoch) (a milestone given twice counts twice)."""

    def __init__(
        self, optimizer: Optimizer, milestones: list[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, int) or m < 0:
                raise ValueError(
                    f"MultiStepLR: milestones must be non-negative int epochs, got {milestones!r}"
                )
        self.milestones = sorted(milestones)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · gamma^bisect_right(milestones, epoch) for each group."""
        factor = self.gamma ** bisect.bisect_right(self.milestones, self.last_epoch)
        return [base * factor for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = initial_lr · factor for epoch < total_iters, initial_lr after."""

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"ConstantLR: factor must be between 0 and 1, got {factor!r}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 0:
            raise ValueError(f"ConstantLR: total_iters must be a non-negative int, got {total_iters!r}")
        self.factor = float(factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """initial_lr · (factor if epoch < total_iters else 1) for each group."""
        factor = self.factor if self.last_epoch < self.total_iters else 1.0
        return [base * factor for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = initial_lr · (s + (e - s)·min(epoch, total_iters)/total_iters), s = start_factor,
    e = end_factor: a linear ramp (warm-up when s < e) over ``total_iters`` epochs."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(
                f"LinearLR: start_factor must be greater than 0 and at most 1, got {start_factor!r}"
            )
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be between 0 and 1, got {end_factor!r}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be a positive int, got {total_iters!r}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The linear ramp for each group."""
        done = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * done
        return [base * factor for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = η_min + (initial_lr - η_min)·(1 + cos(π·T_cur / T_i)) / 2, restarting (T_cur = 0)
    after T_i epochs; the first period is T_0 and each next one T_mult times longer.

    ``step(epoch)`` also takes a (fractional) epoch, e.g. ``epoch + batch / n_batches``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive int, got {T_0!r}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got {T_mult!r}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = float(eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The cosine of the current period for each group."""
        cos = (1.0 + math.cos(math.pi * self.T_cur / self.T_i)) / 2.0
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (may be fractional), and set the lrs."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch!r}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # the period n with T_0 (T_mult^n - 1)/(T_mult - 1) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith & Topin), stepped once per batch for ``total_steps`` batches.

    With initial = max_lr / div_factor and min = initial / final_div_factor, and
    p = pct_start · total_steps:

    - two phases (default): steps 0 → p - 1: initial → max_lr; then → total_steps - 1:
      max_lr → min
    - ``three_phase=True``: 0 → p - 1: initial → max_lr; → 2p - 2: max_lr → initial;
      → total_steps - 1: initial → min

    Each phase anneals from a to b with pct = (step - phase start)/(phase length) by
    b + (a - b)(1 + cos(π·pct))/2 (``anneal_strategy="cos"``) or a + (b - a)·pct
    (``"linear"``). With ``cycle_momentum`` the momentum (SGD, RMSprop: ``momentum``;
    Adam-like: β₁ of ``betas``) moves the other way, max_momentum → base_momentum →
    max_momentum (three phases: → max_momentum again for the last). ``total_steps``
    defaults to ``epochs · steps_per_epoch``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        who = "OneCycleLR"
        _check_optimizer(who, optimizer)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(
                    f"{who}: give total_steps, or both epochs and steps_per_epoch "
                    f"(total_steps = epochs * steps_per_epoch)"
                )
            for key, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ValueError(f"{who}: {key} must be a positive int, got {value!r}")
            total_steps = epochs * steps_per_epoch
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"{who}: total_steps must be a positive int, got {total_steps!r}")
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"{who}: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        p = float(pct_start * total_steps)
        if three_phase:
            ends = [p - 1, 2 * p - 2, total_steps - 1]
            keys = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                    ("initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            ends = [p - 1, total_steps - 1]
            keys = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    ("max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._phases: list[dict[str, Any]] = [
            {"end_step": end, "start_lr": a, "end_lr": b, "start_momentum": c, "end_momentum": d}
            for end, (a, b, c, d) in zip(ends, keys)
        ]
        starts = [0.0, *ends[:-1]]
        for i, (start, end) in enumerate(zip(starts, ends)):
            if end == start and (i == 0 or end >= 0):
                raise ValueError(
                    f"{who}: pct_start * total_steps = {p:g} makes phase {i + 1} zero steps long; "
                    f"choose pct_start so that pct_start * total_steps != 1"
                )
        groups = optimizer.param_groups
        max_lrs = _per_group(who, "max_lr", max_lr, optimizer)
        if last_epoch == -1:
            for lr, group in zip(max_lrs, groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if self.cycle_momentum:
            defaults = optimizer.defaults
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    f"{who}: {type(optimizer).__name__} has neither momentum nor betas to cycle; "
                    f"pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in defaults
            max_ms = _per_group(who, "max_momentum", max_momentum, optimizer)
            base_ms = _per_group(who, "base_momentum", base_momentum, optimizer)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_ms, base_ms, groups):
                    self._set_momentum(group, m_max)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The 1cycle learning rate at this step for each group (and sets the momentum)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps}; "
                f"create the scheduler with more total_steps (or epochs * steps_per_epoch)"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._phases):
                end = phase["end_step"]
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                self._set_momentum(group, momentum)
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving.

    ``step(metric)`` once per epoch (e.g. the validation loss). The metric improves when
    it beats the best so far by the threshold: ``mode="min"``, ``threshold_mode="rel"``:
    metric < best·(1 - threshold); ``"abs"``: metric < best - threshold (``"max"``: >
    best·(1 + threshold), > best + threshold). After more than ``patience`` epochs in a
    row without improvement, every group's lr becomes max(lr·factor, min_lr) (unless
    that changes it by eps or less), and the count waits ``cooldown`` epochs to restart.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        who = "ReduceLROnPlateau"
        _check_optimizer(who, optimizer)
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"{who}: factor must be in [0, 1) (the lr is multiplied by it), got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{who}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        for key, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{who}: {key} must be a non-negative int, got {value!r}")
        for key, number in (("threshold", threshold), ("eps", eps)):
            if not number >= 0:
                raise ValueError(f"{who}: invalid {key} {number!r}; it must be >= 0")
        self.optimizer = optimizer
        self.min_lrs = [float(v) for v in _per_group(who, "min_lr", min_lr, optimizer)]
        self.mode = mode
        self.factor = float(factor)
        self.patience = patience
        self.threshold = float(threshold)
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = float(eps)
        self.cooldown_counter = 0
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        """Whether the epochs after a reduction are still being waited out."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by the threshold."""
        if self.mode == "min":
            bar = best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            return a < bar
        bar = best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        return a > bar

    def get_lr(self) -> list[float]:
        """The current learning rates (this scheduler has no formula in the epoch)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, metrics: Any = None) -> None:
        """Record one epoch's metric and reduce the lrs if it has stopped improving."""
        if metrics is None:
            raise TypeError(
                "ReduceLROnPlateau.step needs the epoch's metric: scheduler.step(val_loss)"
            )
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: the metric must be a number (or a one-element "
                f"tensor), got {type(metrics).__name__}"
            ) from None
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


def _check_schedulers(
    who: str, schedulers: Any, optimizer: Optimizer | None
) -> tuple[list[LRScheduler], Optimizer]:
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{who}: expected at least one scheduler, got an empty list")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{who}: scheduler {i} is a {type(s).__name__}, not an lr scheduler")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(
                f"{who}: scheduler {i} is a ReduceLROnPlateau, whose step() needs a metric; "
                f"step it separately with scheduler.step(metric)"
            )
    optimizer = schedulers[0].optimizer if optimizer is None else optimizer
    for i, s in enumerate(schedulers):
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{who}: scheduler {i} ({type(s).__name__}) belongs to another optimizer; all "
                f"schedulers must wrap the same optimizer"
            )
    return schedulers, optimizer


def _nested_state(scheduler: Any) -> dict[str, Any]:
    out = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", "_schedulers")}
    out["_schedulers"] = [s.state_dict() for s in scheduler._schedulers]
    return out


def _load_nested_state(scheduler: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    saved = state.pop("_schedulers")
    if len(saved) != len(scheduler._schedulers):
        raise ValueError(
            f"{type(scheduler).__name__}.load_state_dict: the saved state has {len(saved)} "
            f"schedulers, this one has {len(scheduler._schedulers)}"
        )
    scheduler.__dict__.update(state)
    for s, entry in zip(scheduler._schedulers, saved):
        s.load_state_dict(entry)


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its own
    epoch 0, and so on: at epoch e, scheduler k = (number of milestones ≤ e) at its epoch
    e - milestones[k-1]. E.g. ``SequentialLR(opt, [LinearLR(opt, ...), CosineAnnealingLR(opt, ...)],
    milestones=[5])`` warms up for 5 epochs, then anneals."""

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer("SequentialLR", optimizer)
        self._schedulers, self.optimizer = _check_schedulers("SequentialLR", schedulers, optimizer)
        milestones = list(milestones)
        if len(milestones) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(self._schedulers) - 1} milestones (one fewer than "
                f"the {len(self._schedulers)} schedulers), got {len(milestones)}"
            )
        if any(isinstance(m, bool) or not isinstance(m, int) for m in milestones) or any(
            b <= a for a, b in itertools.pairwise(milestones)
        ):
            raise ValueError(f"SequentialLR: milestones must be increasing int epochs, got {milestones!r}")
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.base_lrs = list(self._schedulers[0].base_lrs)
        for group in self.optimizer.param_groups:  # start again from the initial lrs
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:  # undo the step each made when it was created
            s.last_epoch -= 1
        self._schedulers[0].step()  # only the first one runs now
        self._last_lr = self._schedulers[0].get_last_lr()

    def get_lr(self) -> list[float]:
        """The current learning rates (set by the active scheduler)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch: the active scheduler steps, or the next one starts at its epoch 0."""
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler.last_epoch = -1  # restart it: its next step is its epoch 0
            if isinstance(scheduler, CosineAnnealingWarmRestarts):
                scheduler.step(0)
            else:
                scheduler.step()
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The position and each wrapped scheduler's state."""
        return _nested_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        _load_nested_state(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together; their factors multiply.

    Each ``step()`` steps every scheduler; then each group's lr is
    initial_lr · Π_i (lr_i / initial_lr_i), the product of each scheduler's factor
    (lr_i: the lr scheduler i alone would set). For the multiplicative schedules (StepLR,
    MultiStepLR, ExponentialLR, ConstantLR, LinearLR, MultiplicativeLR) this is the lr
    PyTorch's chained steps give, e.g. ConstantLR(factor=0.1, total_iters=2) with
    ExponentialLR(gamma=0.9): 0.1·0.9^e for e < 2, 0.9^e after.
    """

    def __init__(self, schedulers: list[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if optimizer is not None:
            _check_optimizer("ChainedScheduler", optimizer)
        self._schedulers, self.optimizer = _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self.base_lrs = list(self._schedulers[0].base_lrs)
        self.last_epoch = self._schedulers[0].last_epoch
        self._apply()

    def _apply(self) -> None:
        for g, group in enumerate(self.optimizer.param_groups):
            lr = self.base_lrs[g]
            for s in self._schedulers:
                base = s.base_lrs[g]
                lr = lr * (s.get_last_lr()[g] / base) if base != 0 else 0.0
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The current learning rates (the product of the schedulers' factors)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Step every scheduler, then set each lr to the product of their factors."""
        self.last_epoch += 1
        for s in self._schedulers:
            s.step()
        self._apply()

    def state_dict(self) -> dict[str, Any]:
        """The position and each wrapped scheduler's state."""
        return _nested_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        _load_nested_state(self, state_dict)
