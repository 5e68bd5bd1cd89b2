"""One active-learning session, transport-free: the pool, the labelled set, and each round's training
(fixed backbone or iNAS) and query.

Index spaces: the session speaks in training-split indices (what a person labels); strategies work on
positions in the pool (a sorted, seeded subset of the training split, or all of it).

A round trains on every labelled example (iNAS first picks the architecture on an 80/20 split of them),
selects the epoch on the dataset's validation split (a seeded subset of at most 2,000; early-stopping style:
it only picks the epoch, it never adds labels) and reports validation and test accuracy of that same model;
the test split is never used to pick anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from tessel.assets.datasets import DatasetSplits
from tessel.runtime.errors import InvalidArgument
from tessel.zoo import BackboneConfig, FitOptions, ModelConfig, StandardObjective, ZooModel, fit, predict, seed_everything
from tessel.zoo.inas import INITIAL, CandidateScore, Structure, search, split_labelled
from tessel_active_learner.core.strategies import select

MIN_INITIAL = 2
# The epoch is selected on a seeded subset of the validation split: evaluated every epoch, the whole split
# (e.g. Fashion-MNIST's 6,000) would cost more than training on a few hundred labels.
VALIDATION_EXAMPLES = 2000


@dataclass(frozen=True)
class SessionSettings:
    strategy: str
    policy: str  # "fixed" | "inas"
    backbone: BackboneConfig  # fixed: the model; inas: base_width and dropout of the searched ResNet
    initial_size: int
    batch_size: int
    label_budget: int
    fit: FitOptions
    pool_size: int = 0  # 0: the whole training split
    inas_epochs: int = 0  # 0: fit.max_epochs
    inas_iterations: int = 1
    mc_passes: int = 20


@dataclass(frozen=True)
class RoundLog:
    round: int
    labelled_count: int
    backbone: BackboneConfig
    parameters: int
    validation_accuracy: float
    test_accuracy: float
    selected_epoch: int
    candidates: tuple[CandidateScore, ...] = ()
    train_seconds: float = 0.0
    query_seconds: float = 0.0
    trace_id: str = ""


@dataclass
class SessionState:
    labelled: list[int] = field(default_factory=list)  # training-split indices, in labelling order
    labels: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # queried, awaiting a label
    rounds: list[RoundLog] = field(default_factory=list)

    @property
    def structure(self) -> Structure:
        """Where the next iNAS search starts: the last round's architecture (capacity never shrinks)."""
        if not self.rounds or self.rounds[-1].backbone.architecture != "resnet":
            return INITIAL
        return Structure.from_blocks(self.rounds[-1].backbone.blocks_per_stack)


def pool_indices(train_size: int, pool_size: int, seed: int) -> np.ndarray:
    """The pool: sorted training-split indices, a seeded subset of `pool_size` of them (0 = all)."""
    if pool_size < 0 or pool_size > train_size:
        raise InvalidArgument(f"must be in [0, {train_size}] (the training split), got {pool_size}", field="pool_size")
    if not pool_size or pool_size == train_size:
        return np.arange(train_size, dtype=np.int64)
    return np.sort(np.random.default_rng([seed, 1]).choice(train_size, size=pool_size, replace=False))


def check_budget(settings: SessionSettings, pool_size: int) -> None:
    if settings.label_budget > pool_size:
        raise InvalidArgument(f"{settings.label_budget} labels asked from a pool of {pool_size}", field="label_budget")
    if not MIN_INITIAL <= settings.initial_size <= settings.label_budget:
        raise InvalidArgument(f"must be in [{MIN_INITIAL}, label_budget={settings.label_budget}], got "
                              f"{settings.initial_size}", field="initial_size")


def initial_query(pool: np.ndarray, initial_size: int, seed: int) -> list[int]:
    """The seeded random initial labelled set (training-split indices)."""
    return np.random.default_rng([seed, 2]).choice(pool, size=initial_size, replace=False).tolist()


def next_query(settings: SessionSettings, model: ZooModel, data: DatasetSplits, pool: np.ndarray,
               state: SessionState) -> tuple[list[int], float]:
    """The next batch (training-split indices, query order) and the seconds it took; empty at the budget."""
    remaining = settings.label_budget - len(state.labelled) - len(state.pending)
    if remaining <= 0:
        return [], 0.0
    started = time.perf_counter()
    taken = np.searchsorted(pool, np.asarray(state.labelled + state.pending, dtype=np.int64))
    positions = select(settings.strategy, model, data.train.x[pool], taken, min(settings.batch_size, remaining),
                       seed=settings.fit.seed + len(state.rounds), mc_passes=settings.mc_passes)
    return pool[np.asarray(positions, dtype=np.int64)].tolist(), time.perf_counter() - started


OnEpoch = Callable[[str], None]


def train_round(settings: SessionSettings, data: DatasetSplits, state: SessionState,
                on_epoch: OnEpoch | None = None) -> tuple[ZooModel, RoundLog]:
    """Train this round's model on every labelled example; for iNAS, search the architecture first."""
    started = time.perf_counter()
    labelled = np.asarray(state.labelled, dtype=np.int64)
    labels = np.asarray(state.labels, dtype=np.int64)
    round_number = len(state.rounds)
    seed = settings.fit.seed + 1000 * round_number
    candidates: tuple[CandidateScore, ...] = ()
    backbone = settings.backbone
    if settings.policy == "inas":
        outcome = _inas(settings, data, labelled, labels, state.structure, seed, on_epoch)
        backbone = _resnet(settings.backbone, outcome.structure)
        candidates = tuple(outcome.scores)
    model = _model(backbone, data.num_classes, seed)
    val_x, val_y = validation_subset(data, settings.fit.seed)
    fitted = _fit(model, (data.train.x[labelled], labels), (val_x, val_y), settings.fit, seed,
                  lambda epoch: on_epoch and on_epoch(f"round {round_number}: epoch {epoch}"))
    log = RoundLog(
        round=round_number, labelled_count=len(labelled), backbone=backbone, parameters=parameter_count(model),
        validation_accuracy=accuracy(model, val_x, val_y),
        test_accuracy=accuracy(model, data.test.x, data.test.y), selected_epoch=fitted.best_epoch,
        candidates=candidates, train_seconds=time.perf_counter() - started,
    )
    return model, log


def validation_subset(data: DatasetSplits, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if len(data.val) <= VALIDATION_EXAMPLES:
        return data.val.x, data.val.y
    chosen = np.sort(np.random.default_rng([seed, 3]).choice(len(data.val), size=VALIDATION_EXAMPLES, replace=False))
    return data.val.x[chosen], data.val.y[chosen]


def _inas(settings, data, labelled, labels, start: Structure, seed: int, on_epoch: OnEpoch | None):
    order = np.argsort(labelled)
    sorted_labelled, sorted_labels = labelled[order], labels[order]
    train_idx, val_idx = split_labelled(sorted_labelled, seed)
    label_of = dict(zip(sorted_labelled.tolist(), sorted_labels.tolist(), strict=True))
    y_train = np.array([label_of[i] for i in train_idx.tolist()], dtype=np.int64)
    y_val = np.array([label_of[i] for i in val_idx.tolist()], dtype=np.int64)
    options = replace(settings.fit, max_epochs=settings.inas_epochs or settings.fit.max_epochs)

    def score(structure: Structure) -> CandidateScore:
        model = _model(_resnet(settings.backbone, structure), data.num_classes, seed)
        name = "x".join(map(str, structure.blocks_per_stack))
        _fit(model, (data.train.x[train_idx], y_train), (data.train.x[val_idx], y_val), options, seed,
             lambda epoch: on_epoch and on_epoch(f"iNAS candidate [{name}]: epoch {epoch}"))
        return CandidateScore(structure, accuracy(model, data.train.x[val_idx], y_val), parameter_count(model))

    return search(start, score, iterations=settings.inas_iterations)


def _resnet(base: BackboneConfig, structure: Structure) -> BackboneConfig:
    return BackboneConfig("resnet", base.input_shape, blocks_per_stack=structure.blocks_per_stack,
                          base_width=base.base_width, dropout=base.dropout)


def _model(backbone: BackboneConfig, num_classes: int, seed: int) -> ZooModel:
    seed_everything(seed)  # the initial weights
    return ZooModel(ModelConfig(backbone=backbone, num_outputs=num_classes))


def _fit(model, train, validation, options: FitOptions, seed: int, on_epoch: Callable[[int], None]):
    """All epochs run (patience = epochs); the best validation-loss epoch's weights are kept."""
    options = replace(options, patience=options.max_epochs, seed=seed)
    x, y = train
    vx, vy = validation
    return fit(model, StandardObjective("classification"), (_tensor(x), torch.as_tensor(y)),
               (_tensor(vx), torch.as_tensor(vy)), options, lambda record, _m: on_epoch(record.epoch))


def accuracy(model: ZooModel, x: np.ndarray, y: np.ndarray) -> float:
    logits = predict(model, _tensor(x), batch_size=1024)
    return float((logits.argmax(-1).cpu().numpy() == np.asarray(y)).mean())


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


RoundScope = Callable[[int], AbstractContextManager[str]]


def advance(settings: SessionSettings, data: DatasetSplits, pool: np.ndarray, state: SessionState, *,
            simulated: bool, on_epoch: OnEpoch | None = None,
            on_round: Callable[[RoundLog, list[int]], None] | None = None,
            round_scope: RoundScope | None = None) -> bool:
    """Run rounds until the label budget is spent (True) or labels are needed (False: `state.pending` holds
    the batch to label). A simulated oracle reveals the dataset's labels and never stops for them.
    `round_scope(round)` wraps each round's training and query (a trace span) and yields its trace id;
    `on_round(log, batch)` hears of each finished round and the batch it queried."""
    if state.pending:
        return False
    if not state.labelled:
        batch = initial_query(pool, settings.initial_size, settings.fit.seed)
        if not simulated:
            state.pending = batch
            return False
        _reveal(data, state, batch)
    while True:
        with (round_scope or _no_trace)(len(state.rounds)) as trace_id:
            model, log = train_round(settings, data, state, on_epoch)
            batch, query_seconds = next_query(settings, model, data, pool, state)
            state.rounds.append(replace(log, query_seconds=query_seconds, trace_id=trace_id))
            if on_round is not None:
                on_round(state.rounds[-1], batch)
        if not batch:
            return True
        if not simulated:
            state.pending = batch
            return False
        _reveal(data, state, batch)


@contextmanager
def _no_trace(round_number: int) -> Iterator[str]:
    yield ""


def _reveal(data: DatasetSplits, state: SessionState, batch: list[int]) -> None:
    state.labelled.extend(batch)
    state.labels.extend(int(y) for y in data.train.y[np.asarray(batch, dtype=np.int64)])
