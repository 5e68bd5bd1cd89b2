"""Query strategies: which unlabelled pool points to label next.

Every strategy sees the current model (trained on the labelled set), the pool inputs and the indices that
are not candidates (labelled, or queried and awaiting a label), and returns `count` distinct candidate
indices in query order:

- random: a seeded uniform draw (the passive baseline);
- least_confidence / margin / entropy: the lowest softmax response, top-1 minus top-2 probability, or
  negative entropy (`tessel.zoo.confidence`, the same functions the uncertainty-estimator ranks by);
- mc_dropout: the largest variance, over stochastic passes, of the predicted class's probability;
- coreset: greedy k-center on the model's representation layer (`ZooModel.features`), with the labelled
  and awaiting points as the initial centres.

Ties in a score go to the lowest pool index.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import ZooModel, margin, negative_entropy, predict, softmax_response
from tessel.zoo.coreset import greedy_k_center
from tessel_active_learner.core.uncertainty_sampling import least_confident

STRATEGIES = ("random", "least_confidence", "margin", "entropy", "mc_dropout", "coreset")
CONFIDENCES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "least_confidence": softmax_response, "margin": margin, "entropy": negative_entropy,
}
INFERENCE_BATCH = 512


def candidates(pool_size: int, excluded: np.ndarray) -> np.ndarray:
    """Pool indices that may be queried, ascending."""
    return np.setdiff1d(np.arange(pool_size, dtype=np.int64), np.asarray(excluded, dtype=np.int64))


def select(
    strategy: str,
    model: ZooModel | None,
    pool_x: np.ndarray,
    excluded: np.ndarray,
    count: int,
    *,
    seed: int = 0,
    mc_passes: int = 20,
) -> list[int]:
    """`count` distinct pool indices outside `excluded`, most wanted first."""
    if strategy not in STRATEGIES:
        raise InvalidArgument(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}", field="strategy")
    open_indices = candidates(len(pool_x), excluded)
    if not 1 <= count <= len(open_indices):
        raise InvalidArgument(f"must be in [1, {len(open_indices)}] (unlabelled pool points), got {count}",
                              field="count")
    if strategy == "random":
        return np.random.default_rng(seed).choice(open_indices, size=count, replace=False).tolist()
    if model is None:
        raise InvalidArgument(f"{strategy} needs a trained model", field="strategy")
    if strategy == "coreset":
        embeddings = _features(model, pool_x)
        return greedy_k_center(embeddings, np.asarray(excluded, dtype=np.int64), count,
                               device=str(embeddings.device)).indices
    if strategy == "mc_dropout":
        confidence = _mc_dropout_confidence(model, pool_x[open_indices], mc_passes, seed)
    else:
        logits = predict(model, _inputs(pool_x[open_indices]), batch_size=INFERENCE_BATCH)
        confidence = CONFIDENCES[strategy](logits).cpu().numpy()
    # Scores cover the candidates only; rank positions map back to pool indices.
    positions = least_confident(confidence, np.arange(len(open_indices)), count)
    return open_indices[positions].tolist()


@torch.no_grad()
def _features(model: ZooModel, x: np.ndarray) -> torch.Tensor:
    model.eval()
    device = next(model.parameters()).device
    inputs = _inputs(x)
    return torch.cat([model.features(inputs[s:s + INFERENCE_BATCH].to(device)) for s in range(0, len(x), INFERENCE_BATCH)])


def _mc_dropout_confidence(model: ZooModel, x: np.ndarray, passes: int, seed: int) -> np.ndarray:
    from tessel.zoo.mc_dropout import MCDropoutSettings, mc_confidence, run_mc_dropout

    result = run_mc_dropout(model, _inputs(x), MCDropoutSettings(passes=passes, seed=seed))
    # The paper's score: the variance over passes of the predicted class's probability (negated: a confidence).
    return mc_confidence(result, "negative_predicted_variance").cpu().numpy()


def _inputs(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32))
