"""Input checks shared by the metrics: each failure names the field and the problem."""

from __future__ import annotations

import numpy as np

from tessel.runtime.errors import InvalidArgument

# Rows of a probability matrix must sum to 1 within this tolerance (float32 softmax outputs drift ~1e-6).
PROBABILITY_SUM_TOLERANCE = 1e-3


def require_nonempty_vector(values: np.ndarray, field: str) -> None:
    if values.ndim != 1:
        raise InvalidArgument(f"must be one-dimensional, got shape {list(values.shape)}", field=field)
    if values.size == 0:
        raise InvalidArgument("is empty", field=field)


def require_finite(values: np.ndarray, field: str) -> None:
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values.ravel()))[0])
        raise InvalidArgument(f"contains NaN or infinity (first at flat index {bad})", field=field)


def require_same_length(n: int, values: np.ndarray, field: str, reference: str) -> None:
    if values.shape[0] != n:
        raise InvalidArgument(f"has {values.shape[0]} entries but {reference} has {n}", field=field)


def class_ids(values: np.ndarray, field: str, num_classes: int | None = None) -> np.ndarray:
    """Integer class ids in [0, num_classes)."""
    if values.dtype.kind not in "iu":
        raise InvalidArgument(f"must hold integer class ids, got dtype {values.dtype.name}", field=field)
    ids = values.astype(np.int64, copy=False)
    if ids.min() < 0:
        raise InvalidArgument(f"class id {int(ids.min())} is negative", field=field)
    if num_classes is not None and ids.max() >= num_classes:
        raise InvalidArgument(f"class id {int(ids.max())} is out of range for {num_classes} classes", field=field)
    return ids


def real_values(values: np.ndarray, field: str) -> np.ndarray:
    """Finite real numbers (regression targets, predictions, confidences)."""
    if values.dtype.kind not in "fiu":
        raise InvalidArgument(f"must be numeric, got dtype {values.dtype.name}", field=field)
    result = values.astype(np.float64, copy=False)
    require_finite(result, field)
    return result


def real_numbers(values: np.ndarray, field: str) -> np.ndarray:
    """Finite real numbers in a float dtype, without widening float32 (for sorting speed)."""
    if values.dtype.kind not in "fiu":
        raise InvalidArgument(f"must be numeric, got dtype {values.dtype.name}", field=field)
    result = values if values.dtype.kind == "f" else values.astype(np.float64)
    require_finite(result, field)
    return result


def probability_rows(values: np.ndarray, field: str) -> np.ndarray:
    if values.ndim != 2 or values.shape[1] < 2:
        raise InvalidArgument(f"must have shape [n, k] with k >= 2, got {list(values.shape)}", field=field)
    if values.dtype.kind != "f":
        raise InvalidArgument(f"must be floating point, got dtype {values.dtype.name}", field=field)
    probabilities = values.astype(np.float64, copy=False)
    require_finite(probabilities, field)
    if (probabilities < 0).any() or (probabilities > 1).any():
        raise InvalidArgument("has values outside [0, 1]", field=field)
    sums = probabilities.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > PROBABILITY_SUM_TOLERANCE)
    if off.size:
        row = int(off[0])
        raise InvalidArgument(f"row {row} sums to {sums[row]:.6g}, not 1", field=field)
    return probabilities
