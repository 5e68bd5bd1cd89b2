"""Confidence from model outputs a caller sends (no model): one-pass confidences from logits or
probabilities, AES from stacked snapshot probabilities, MC-dropout confidences from stacked passes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import margin, negative_entropy, softmax_response
from tessel.zoo.mc_dropout import mc_confidence, result_from_passes
from tessel.zoo.snapshot_confidence import averaged_early_stopping, class_confidence

MAX_ENTRIES = 1_000_000
ONE_PASS = {"softmax_response": softmax_response, "margin": margin, "negative_entropy": negative_entropy}
STACKED = ("aes", "mc_dropout")
ROW_SUM_TOLERANCE = 1e-4


@dataclass(frozen=True)
class OutputConfidence:
    predictions: np.ndarray  # [n] int64
    confidence: np.ndarray  # [n] float64
    errors: np.ndarray | None  # [n] int8 when labels were given


def confidence_from_outputs(
    method: str,
    *,
    logits: np.ndarray | None = None,
    probabilities: np.ndarray | None = None,
    stacked_probabilities: np.ndarray | None = None,
    mc_kind: str = "mean_probability",
    labels: np.ndarray | None = None,
) -> OutputConfidence:
    given = {name: value for name, value in (("logits", logits), ("probabilities", probabilities),
                                              ("stacked_probabilities", stacked_probabilities)) if value is not None}
    if len(given) != 1:
        raise InvalidArgument(f"give exactly one of logits, probabilities, stacked_probabilities (got "
                              f"{', '.join(given) or 'none'})", field="logits")
    (name, values), = given.items()
    values = np.asarray(values)
    if values.size > MAX_ENTRIES:
        raise InvalidArgument(f"has {values.size} entries, at most {MAX_ENTRIES} are accepted", field=name)
    if values.dtype.kind != "f" or not np.isfinite(values).all():
        raise InvalidArgument("must hold finite floats", field=name)
    rank = 3 if name == "stacked_probabilities" else 2
    if values.ndim != rank or values.shape[-1] < 2 or values.shape[-2] < 1 or values.shape[0] < 1:
        expected = "[s, n, classes >= 2]" if rank == 3 else "[n, classes >= 2]"
        raise InvalidArgument(f"must have shape {expected}, got {list(values.shape)}", field=name)
    if name != "logits":
        _check_probability_rows(values, name)
    if name == "stacked_probabilities":
        if method not in STACKED:
            raise InvalidArgument(f"stacked probabilities take AES or MC_DROPOUT, not {method}", field="method")
        predictions, confidence = _stacked(method, values, mc_kind)
    else:
        if method not in ONE_PASS:
            raise InvalidArgument(f"{name} take SOFTMAX_RESPONSE, MARGIN or NEGATIVE_ENTROPY, not {method}",
                                  field="method")
        scores = torch.tensor(values, dtype=torch.float64)
        scores = scores if name == "logits" else scores.clamp_min(1e-300).log()  # softmax(log p) = p
        predictions = scores.argmax(-1).numpy()
        confidence = ONE_PASS[method](scores).numpy()
    errors = None
    if labels is not None:
        errors = (predictions != _labels(labels, len(predictions), values.shape[-1])).astype(np.int8)
    return OutputConfidence(predictions.astype(np.int64), np.asarray(confidence, np.float64), errors)


def _stacked(method: str, values: np.ndarray, mc_kind: str) -> tuple[np.ndarray, np.ndarray]:
    if method == "aes":  # the last snapshot is the final model: its class is the prediction
        predictions = values[-1].argmax(-1)
        return predictions, averaged_early_stopping(class_confidence(values, predictions))
    if values.shape[0] < 2:
        raise InvalidArgument("MC-dropout needs at least 2 passes", field="stacked_probabilities")
    result = result_from_passes(torch.tensor(values, dtype=torch.float64))
    return result.prediction.numpy(), mc_confidence(result, mc_kind).double().numpy()


def _check_probability_rows(values: np.ndarray, field: str) -> None:
    if (values < 0).any() or (values > 1).any():
        raise InvalidArgument("must lie in [0, 1]", field=field)
    if np.abs(values.sum(-1) - 1.0).max() > ROW_SUM_TOLERANCE:
        raise InvalidArgument(f"rows must sum to 1 (within {ROW_SUM_TOLERANCE})", field=field)


def _labels(labels: np.ndarray, n: int, classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise InvalidArgument(f"has shape {list(labels.shape)}, expected [{n}]", field="labels")
    if labels.dtype.kind not in "iu" or (n and (labels.min() < 0 or labels.max() >= classes)):
        raise InvalidArgument(f"must be class ids in [0, {classes})", field="labels")
    return labels.astype(np.int64)
