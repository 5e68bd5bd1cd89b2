"""Supervised training loop shared by the trainer, the uncertainty-estimator and the active-learner.

Seeded mini-batch training with Adam or SGD (Nesterov) under a cosine learning-rate schedule, a callback
after every epoch (per-epoch snapshots, progress, cancellation) and early stopping on the validation loss;
the returned model carries the weights of the best validation epoch.

After every epoch the loop's whole state can be taken (`FitCheckpoint`: weights, optimizer, schedule,
RNG states, best epoch so far, history); `fit(..., resume=checkpoint)` continues from it exactly as if
it had not stopped (bit-identical on CPU), so a killed job loses at most the epoch it was in.
"""

from __future__ import annotations

import copy
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument


class Objective(Protocol):
    """What a model is trained for: a mini-batch loss and a validation summary."""

    def loss(self, outputs: Any, targets: torch.Tensor) -> torch.Tensor: ...

    def validation(self, outputs: Any, targets: torch.Tensor) -> tuple[float, float]:
        """(loss, risk) on the whole validation split; early stopping watches the loss."""
        ...


@dataclass(frozen=True)
class FitOptions:
    max_epochs: int = 20
    patience: int = 5
    batch_size: int = 128
    optimizer: Literal["adam", "sgd"] = "adam"
    learning_rate: float = 0.0  # 0: 1e-3 for Adam, 0.05 for SGD
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.max_epochs <= 0:
            raise InvalidArgument(f"must be > 0, got {self.max_epochs}", field="spec.max_epochs")
        if self.patience <= 0:
            raise InvalidArgument(f"must be > 0, got {self.patience}", field="spec.patience")
        if self.batch_size <= 0:
            raise InvalidArgument(f"must be > 0, got {self.batch_size}", field="spec.batch_size")
        if self.optimizer not in ("adam", "sgd"):
            raise InvalidArgument(f"unknown optimizer {self.optimizer!r}", field="spec.optimizer")
        if self.learning_rate < 0 or not np.isfinite(self.learning_rate):
            raise InvalidArgument(f"must be >= 0, got {self.learning_rate}", field="spec.learning_rate")
        if self.weight_decay < 0 or not np.isfinite(self.weight_decay):
            raise InvalidArgument(f"must be >= 0, got {self.weight_decay}", field="spec.weight_decay")

    @property
    def lr(self) -> float:
        return self.learning_rate or (1e-3 if self.optimizer == "adam" else 0.05)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    train_loss: float
    validation_loss: float
    validation_risk: float
    seconds: float
    is_best: bool


@dataclass
class FitResult:
    best_epoch: int
    epochs_run: int
    early_stopped: bool
    history: list[EpochRecord] = field(default_factory=list)


@dataclass
class FitCheckpoint:
    """`fit`'s state after `epoch`; `checkpoint_to_bytes` stores it without pickled objects."""

    epoch: int
    model: dict[str, torch.Tensor]
    optimizer: dict
    schedule: dict
    order_rng: torch.Tensor
    torch_rng: torch.Tensor
    cuda_rng: list[torch.Tensor]
    best_epoch: int
    best_loss: float
    best_state: dict[str, torch.Tensor] | None
    history: list[EpochRecord]


class FitStopped(Exception):
    """`should_stop()` turned true mid-epoch: that epoch is abandoned (resume from the last checkpoint)."""


_RECORD_FIELDS = ("epoch", "train_loss", "validation_loss", "validation_risk", "seconds", "is_best")


def checkpoint_to_bytes(checkpoint: FitCheckpoint) -> bytes:
    state = {name: getattr(checkpoint, name) for name in FitCheckpoint.__dataclass_fields__ if name != "history"}
    state["history"] = [[getattr(record, f) for f in _RECORD_FIELDS] for record in checkpoint.history]
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def checkpoint_from_bytes(data: bytes) -> FitCheckpoint:
    """Tensors, numbers and lists only (`weights_only`): a checkpoint file can carry no code."""
    state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    state["history"] = [EpochRecord(int(r[0]), *map(float, r[1:5]), bool(r[5])) for r in state["history"]]
    return FitCheckpoint(**state)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (model initialisation and dropout draw from torch's generator)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def fit(
    model: nn.Module,
    objective: Objective,
    train: tuple[torch.Tensor, torch.Tensor],
    validation: tuple[torch.Tensor, torch.Tensor],
    options: FitOptions,
    on_epoch: Callable[[EpochRecord, nn.Module], None] | None = None,
    *,
    on_checkpoint: Callable[[FitCheckpoint], None] | None = None,
    resume: FitCheckpoint | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FitResult:
    """Train in place; on return the model holds its best-validation-loss weights and is in eval mode.

    `on_checkpoint` gets the loop's state after every epoch (before `on_epoch`, which may raise to stop);
    `resume` continues after the epoch of such a checkpoint. `should_stop` is asked before every batch
    (a shutdown must not wait for a long epoch to end); when true, FitStopped is raised."""
    device = torch.device(options.device)
    model.to(device)
    x_train, y_train = (t.to(device) for t in train)
    x_val, y_val = (t.to(device) for t in validation)
    optimizer = _optimizer(model, options)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=options.max_epochs)
    order = torch.Generator().manual_seed(options.seed)
    result = FitResult(best_epoch=0, epochs_run=0, early_stopped=False)
    best_loss, best_state = float("inf"), None
    first_epoch = 1
    if resume is not None:
        model.load_state_dict(resume.model)
        optimizer.load_state_dict(resume.optimizer)
        schedule.load_state_dict(resume.schedule)
        order.set_state(resume.order_rng)
        torch.set_rng_state(resume.torch_rng)
        if resume.cuda_rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(resume.cuda_rng)
        best_loss, best_state, result.best_epoch = resume.best_loss, resume.best_state, resume.best_epoch
        result.history, result.epochs_run, first_epoch = list(resume.history), resume.epoch, resume.epoch + 1
        if resume.epoch - result.best_epoch >= options.patience and resume.epoch < options.max_epochs:
            first_epoch, result.early_stopped = options.max_epochs + 1, True  # it had stopped early there
    for epoch in range(first_epoch, options.max_epochs + 1):
        started = time.perf_counter()
        train_loss = _train_epoch(model, objective, x_train, y_train, optimizer, options.batch_size, order, should_stop)
        schedule.step()
        val_loss, val_risk = evaluate(model, objective, x_val, y_val, options.batch_size)
        is_best = val_loss < best_loss
        if is_best:
            best_loss, best_state, result.best_epoch = val_loss, copy.deepcopy(model.state_dict()), epoch
        record = EpochRecord(epoch, train_loss, val_loss, val_risk, time.perf_counter() - started, is_best)
        result.history.append(record)
        result.epochs_run = epoch
        if on_checkpoint is not None:
            on_checkpoint(FitCheckpoint(
                epoch=epoch, model=copy.deepcopy(model.state_dict()), optimizer=copy.deepcopy(optimizer.state_dict()),
                schedule=schedule.state_dict(), order_rng=order.get_state(), torch_rng=torch.get_rng_state(),
                cuda_rng=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                best_epoch=result.best_epoch, best_loss=best_loss, best_state=best_state, history=list(result.history),
            ))
        if on_epoch is not None:
            on_epoch(record, model)
        if epoch - result.best_epoch >= options.patience and epoch < options.max_epochs:
            result.early_stopped = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return result


def _optimizer(model: nn.Module, options: FitOptions) -> torch.optim.Optimizer:
    if options.optimizer == "adam":
        return torch.optim.AdamW(model.parameters(), lr=options.lr, weight_decay=options.weight_decay)
    return torch.optim.SGD(model.parameters(), lr=options.lr, momentum=0.9, nesterov=True,
                           weight_decay=options.weight_decay)


def _train_epoch(model, objective, x, y, optimizer, batch_size, generator, should_stop=None) -> float:
    model.train()
    permutation = torch.randperm(len(x), generator=generator).to(x.device)
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        if should_stop is not None and should_stop():
            raise FitStopped(f"stopped during an epoch, after {start} examples")
        index = permutation[start : start + batch_size]
        if len(index) < 2 and len(x) >= 2:  # a 1-example batch breaks batch norm; skip the remainder
            continue
        optimizer.zero_grad(set_to_none=True)
        loss = objective.loss(model(x[index]), y[index])
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss became {loss.item()} (lower the learning rate)")
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
        count += len(index)
    return total / max(count, 1)


@torch.no_grad()
def evaluate(model, objective, x, y, batch_size) -> tuple[float, float]:
    outputs = predict(model, x, batch_size=batch_size)
    return objective.validation(outputs, y.to(_first(outputs).device))


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 512, device: str | None = None) -> Any:
    """Eval-mode outputs for all of x, batched. Models may return a tensor or a tuple of tensors."""
    model.eval()
    target = torch.device(device) if device else next(model.parameters()).device
    parts = [model(x[start : start + batch_size].to(target)) for start in range(0, len(x), batch_size)]
    if isinstance(parts[0], torch.Tensor):
        return torch.cat(parts)
    return type(parts[0])(*(torch.cat(column) for column in zip(*parts, strict=True)))


def _first(outputs: Any) -> torch.Tensor:
    return outputs if isinstance(outputs, torch.Tensor) else outputs[0]


class StandardObjective:
    """Cross-entropy (classification) or mean squared error (regression); risk = error rate or MSE."""

    def __init__(self, task: Literal["classification", "regression"]) -> None:
        self.task = task

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.task == "classification":
            return nn.functional.cross_entropy(outputs, targets)
        return nn.functional.mse_loss(outputs.squeeze(-1), targets)

    def validation(self, outputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
        loss = self.loss(outputs, targets).item()
        if self.task == "classification":
            return loss, (outputs.argmax(-1) != targets).float().mean().item()
        return loss, loss
