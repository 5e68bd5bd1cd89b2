"""Snapshot-based bias reduction of a confidence function (Geifman, Uziel & El-Yaniv, ICLR 2019).

Late in training the confidence of easy, highly confident points is overfit; earlier snapshots of the same
run rank that region better. Both methods read every snapshot's confidence *for the class the final model
predicts* (so confidence and prediction always refer to the same class), and predictions always come from
the final model.

- AES (averaged early stopping): the mean over k snapshots of each snapshot's confidence, the snapshots
  evenly spaced over the later part of the run (from 40% in by default, as the reference's 100..249 of 250);
- PES (pointwise early stopping): learned on a validation split. From the most confident down, peel a
  region of q·|U| of the remaining points U: for each snapshot, its region is U's top q·|U| by that
  snapshot's confidence; the rule kept is the snapshot whose region, placed after the regions already
  peeled, adds least to the validation AURC (equivalently E-AURC: the final model's losses are fixed).
  The paper picks the lowest selective risk on the region; the AURC increment also rewards the order
  inside it. A rule is (snapshot, threshold = that snapshot's confidence at the region's edge).
  New points get the level of the first rule that fires (earlier = more confident) and, inside a
  level, that rule's snapshot's confidence; points no rule takes rank below every level.

AURC, E-AURC and the PES objective use `tessel.zoo.evaluation`: the metrics service's definitions and tie
rule (a group of equal confidences contributes its mean loss at every position).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.evaluation import tie_averaged


DEFAULT_PEEL_FRACTION = 0.05
DEFAULT_MIN_REGION = 20
DEFAULT_AES_SNAPSHOTS = 10
DEFAULT_AES_START_FRACTION = 0.4


def class_confidence(probabilities: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Each snapshot's probability of the final model's predicted class: [k, N, C] x [N] -> [k, N]."""
    probabilities = np.asarray(probabilities, np.float64)
    predicted = np.asarray(predicted)
    if probabilities.ndim != 3:
        raise InvalidArgument(f"needs [snapshots, n, classes], got {list(probabilities.shape)}", field="snapshots")
    if predicted.shape != probabilities.shape[1:2]:
        raise InvalidArgument(f"has shape {list(predicted.shape)}, the snapshots have {probabilities.shape[1]} "
                              "examples", field="predictions")
    if predicted.dtype.kind not in "iu" or (len(predicted) and (predicted.min() < 0 or
                                                                 predicted.max() >= probabilities.shape[2])):
        raise InvalidArgument(f"must be class ids in [0, {probabilities.shape[2]})", field="predictions")
    return np.take_along_axis(probabilities, predicted[None, :, None].astype(np.int64), axis=2)[..., 0]


def evenly_spaced(count: int, k: int, start_fraction: float = 0.0) -> list[int]:
    """Indices of k snapshots evenly spaced from `start_fraction` of the way into `count` to the last (the
    reference's round(linspace(first, last, k)); it averages epochs 100..249 of 250, start 0.4)."""
    if count < 1:
        raise InvalidArgument("needs at least one snapshot", field="snapshots")
    if k < 1:
        raise InvalidArgument(f"must be >= 1, got {k}", field="aes_snapshots")
    if not 0.0 <= start_fraction < 1.0:
        raise InvalidArgument(f"must be in [0, 1), got {start_fraction}", field="aes_start_fraction")
    first = int(math.floor(start_fraction * (count - 1)))
    return sorted({int(round(i)) for i in np.linspace(first, count - 1, min(k, count - first))})


def averaged_early_stopping(snapshot_confidence: np.ndarray) -> np.ndarray:
    """AES: [k, N] confidences (each snapshot's, for the final class) -> [N] mean."""
    values = _confidence_matrix(snapshot_confidence)
    return values.mean(0)


@dataclass(frozen=True)
class PESRule:
    snapshot: int  # index into the snapshot axis
    threshold: float  # the rule fires when that snapshot's confidence >= threshold


@dataclass(frozen=True)
class PointwiseEarlyStopping:
    rules: tuple[PESRule, ...]
    peel_fraction: float
    min_region: int
    validation_examples: int

    def to_dict(self) -> dict:
        return {"rules": [{"snapshot": r.snapshot, "threshold": r.threshold} for r in self.rules],
                "peel_fraction": self.peel_fraction, "min_region": self.min_region,
                "validation_examples": self.validation_examples}

    def confidence(self, snapshot_confidence: np.ndarray) -> np.ndarray:
        """PES confidence of new points ([k, N] -> [N]): level first, then the level's snapshot confidence,
        as one monotone float (level count minus level, plus the confidence squashed into (0, 1))."""
        values = _confidence_matrix(snapshot_confidence)
        needed = 1 + max(rule.snapshot for rule in self.rules)
        if values.shape[0] < needed:
            raise InvalidArgument(f"has {values.shape[0]} snapshots, the rules use {needed}", field="snapshots")
        n = values.shape[1]
        level = np.full(n, len(self.rules), dtype=np.int64)
        within = values[self.rules[-1].snapshot].copy()  # points no rule takes: ordered by the last rule's
        open_ = np.ones(n, dtype=bool)
        for j, rule in enumerate(self.rules):
            fires = open_ & (values[rule.snapshot] >= rule.threshold)
            level[fires] = j
            within[fires] = values[rule.snapshot][fires]
            open_ &= ~fires
        return (len(self.rules) - level) + (0.5 + np.arctan(within) / np.pi)


def fit_pointwise_early_stopping(
    snapshot_confidence: np.ndarray,
    losses: np.ndarray,
    *,
    peel_fraction: float = DEFAULT_PEEL_FRACTION,
    min_region: int = DEFAULT_MIN_REGION,
) -> PointwiseEarlyStopping:
    """Learn PES rules on validation: [k, N] confidences (for the final class) and the final model's losses."""
    values = _confidence_matrix(snapshot_confidence)
    losses = np.asarray(losses, np.float64)
    if losses.shape != values.shape[1:]:
        raise InvalidArgument(f"has shape {list(losses.shape)}, the snapshots have {values.shape[1]} examples",
                              field="losses")
    if not 0.0 < peel_fraction <= 1.0:
        raise InvalidArgument(f"must be in (0, 1], got {peel_fraction}", field="peel_fraction")
    if min_region < 1:
        raise InvalidArgument(f"must be >= 1, got {min_region}", field="min_region")
    remaining = np.arange(values.shape[1])
    placed, placed_loss = 0, 0.0
    rules: list[PESRule] = []
    while remaining.size:
        size = min(remaining.size, max(min_region, math.ceil(peel_fraction * remaining.size - 1e-9)))
        best = None
        for t in reversed(range(values.shape[0])):  # on a tie the later snapshot (the final model) wins
            scores = values[t, remaining]
            threshold = np.sort(scores)[::-1][size - 1]
            region = scores >= threshold  # ties at the edge join the region: a threshold cannot split them
            increment = _aurc_increment(losses[remaining][region], scores[region], placed, placed_loss)
            if best is None or increment < best[0] - 1e-12:
                best = (increment, t, float(threshold), region)
        _, t, threshold, region = best
        rules.append(PESRule(snapshot=t, threshold=threshold))
        placed += int(region.sum())
        placed_loss += float(losses[remaining][region].sum())
        remaining = remaining[~region]
    return PointwiseEarlyStopping(tuple(rules), peel_fraction, min_region, int(values.shape[1]))


def _aurc_increment(losses: np.ndarray, scores: np.ndarray, placed: int, placed_loss: float) -> float:
    """Mean selective risk over the region's coverage positions when it follows `placed` examples."""
    order = np.argsort(-scores, kind="stable")
    cumulative = placed_loss + np.cumsum(tie_averaged(losses[order], scores[order]))
    return float((cumulative / (placed + np.arange(1, len(losses) + 1))).mean())


def _confidence_matrix(snapshot_confidence: np.ndarray) -> np.ndarray:
    values = np.asarray(snapshot_confidence, np.float64)
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] < 1:
        raise InvalidArgument(f"needs [snapshots, n] with both >= 1, got {list(values.shape)}", field="snapshots")
    if not np.isfinite(values).all():
        raise InvalidArgument("holds non-finite confidences", field="snapshots")
    return values
