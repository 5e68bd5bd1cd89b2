"""Prediction Advantage (El-Yaniv, Geifman, Wiener): PA = 1 - R(f) / R(f0).

f0 is the best input-independent predictor for the loss, fitted on the evaluation labels by default
or on separate training labels:
  zero_one       f0 = the majority class         R(f0) = error of always predicting it
  cross_entropy  f0 = the class frequencies      R(f0) = cross-entropy of the frequencies
  squared        f0 = the mean                   R(f0) = mean squared deviation
  absolute       f0 = the median                 R(f0) = mean absolute deviation
Fitted on the evaluation labels these coincide with scikit-learn's r2_score (squared),
d2_absolute_error_score (absolute) and d2_log_loss_score (cross_entropy).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tessel.runtime.errors import InvalidArgument
from tessel_metrics.core import validation as check


class Loss(str, Enum):
    ZERO_ONE = "zero_one"
    CROSS_ENTROPY = "cross_entropy"
    ABSOLUTE = "absolute"
    SQUARED = "squared"

    @property
    def is_classification(self) -> bool:
        return self in (Loss.ZERO_ONE, Loss.CROSS_ENTROPY)


@dataclass(frozen=True)
class AdvantageReport:
    loss: Loss
    prediction_advantage: float
    risk: float
    baseline_risk: float
    n: int
    baseline_from_train_labels: bool


def prediction_advantage(
    loss: Loss,
    labels: np.ndarray,
    *,
    predictions: np.ndarray | None = None,
    probabilities: np.ndarray | None = None,
    train_labels: np.ndarray | None = None,
    num_classes: int = 0,
) -> AdvantageReport:
    check.require_nonempty_vector(labels, "labels")
    n = labels.shape[0]
    if train_labels is not None:
        check.require_nonempty_vector(train_labels, "train_labels")
    if loss.is_classification:
        risk, baseline = _classification(loss, labels, predictions, probabilities, train_labels, num_classes)
    else:
        risk, baseline = _regression(loss, labels, predictions, train_labels)
    if baseline <= 0.0:
        raise InvalidArgument(
            "the baseline f0 has zero risk on these labels (they are constant), so Prediction Advantage "
            "is undefined", field="labels",
        )
    return AdvantageReport(loss, 1.0 - risk / baseline, risk, baseline, n, train_labels is not None)


def _classification(loss, labels, predictions, probabilities, train_labels, num_classes):
    n = labels.shape[0]
    if probabilities is not None:
        probabilities = check.probability_rows(probabilities, "probabilities")
        check.require_same_length(n, probabilities, "probabilities", "labels")
        if num_classes and probabilities.shape[1] != num_classes:
            raise InvalidArgument(
                f"has {probabilities.shape[1]} columns but num_classes is {num_classes}", field="probabilities"
            )
        num_classes = probabilities.shape[1]
    if num_classes < 0:
        raise InvalidArgument("must not be negative", field="num_classes")
    y = check.class_ids(labels, "labels", num_classes or None)
    fit = y if train_labels is None else check.class_ids(train_labels, "train_labels", num_classes or None)
    if loss is Loss.CROSS_ENTROPY:
        if probabilities is None:
            raise InvalidArgument("is required for the cross_entropy loss", field="probabilities")
        if predictions is not None:
            raise InvalidArgument("must be empty for cross_entropy (give probabilities)", field="predictions")
        risk = _log_loss(probabilities, y)
        # k is the probabilities' width, so this allocation is bounded by the request's payload.
        k = probabilities.shape[1]
        frequencies = np.bincount(fit, minlength=k) / fit.shape[0]
        missing = np.flatnonzero(frequencies[y] == 0)
        if missing.size:
            raise InvalidArgument(
                f"has no example of class {int(y[missing[0]])}, which the labels contain: the "
                "cross-entropy of f0 would be infinite", field="train_labels",
            )
        baseline = _log_loss(np.broadcast_to(frequencies, (n, k)), y)
        return risk, baseline

    if predictions is None and probabilities is None:
        raise InvalidArgument("give predictions (class ids) or probabilities", field="predictions")
    if predictions is not None and probabilities is not None:
        raise InvalidArgument("give either predictions or probabilities, not both", field="predictions")
    if predictions is not None:
        check.require_nonempty_vector(predictions, "predictions")
        check.require_same_length(n, predictions, "predictions", "labels")
        predicted = check.class_ids(predictions, "predictions", num_classes or None)
    else:
        predicted = probabilities.argmax(axis=1)
    risk = float(np.mean(predicted != y))
    # Counts over the classes present, never an array sized by the largest id (a client's 2**40).
    classes, counts = np.unique(fit, return_counts=True)
    majority = int(classes[np.argmax(counts)])  # lowest class id among ties: deterministic
    baseline = float(np.mean(y != majority))
    return risk, baseline


def _regression(loss, labels, predictions, train_labels):
    n = labels.shape[0]
    y = check.real_values(labels, "labels")
    if predictions is None:
        raise InvalidArgument(f"is required for the {loss.value} loss", field="predictions")
    check.require_nonempty_vector(predictions, "predictions")
    check.require_same_length(n, predictions, "predictions", "labels")
    y_hat = check.real_values(predictions, "predictions")
    fit = y if train_labels is None else check.real_values(train_labels, "train_labels")
    if loss is Loss.SQUARED:
        return float(np.mean((y - y_hat) ** 2)), float(np.mean((y - fit.mean()) ** 2))
    return float(np.mean(np.abs(y - y_hat))), float(np.mean(np.abs(y - np.median(fit))))


def _log_loss(probabilities: np.ndarray, y: np.ndarray) -> float:
    # Clipped at float64 epsilon, as scikit-learn does, so a confident mistake costs ~36 nats, not inf.
    eps = np.finfo(np.float64).eps
    picked = np.clip(probabilities[np.arange(y.shape[0]), y], eps, 1.0)
    return float(-np.mean(np.log(picked)))

