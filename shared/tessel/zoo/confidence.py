"""Confidence-rate functions (higher = more confident) for selective prediction.

- softmax response (SR): the maximum softmax probability;
- margin: the top-1 minus the top-2 softmax probability;
- negative entropy of the softmax distribution;
- MC-dropout: T stochastic passes with dropout active (batch norm stays in eval mode); confidence is the
  negated variance, over passes, of the predicted class's probability (classification) or of the
  output (regression); the prediction is the mean over passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument


def softmax_response(logits: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits.float(), dim=-1).max(dim=-1).values


def margin(logits: torch.Tensor) -> torch.Tensor:
    top2 = torch.softmax(logits.float(), dim=-1).topk(2, dim=-1).values
    return top2[..., 0] - top2[..., 1]


def negative_entropy(logits: torch.Tensor) -> torch.Tensor:
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    return (log_probs.exp() * log_probs).sum(dim=-1)


@dataclass(frozen=True)
class MCDropoutOutput:
    mean: torch.Tensor  # mean softmax probabilities [N, K] or mean regression output [N]
    confidence: torch.Tensor  # [N]


@contextmanager
def dropout_active(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode everywhere except dropout layers; restores the previous modes."""
    modes = {module: module.training for module in model.modules()}
    model.eval()
    dropouts = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    if not any(m.p > 0 for m in dropouts):
        raise InvalidArgument("MC-dropout needs a model with dropout > 0", field="backbone.dropout")
    for module in dropouts:
        module.train()
    try:
        yield model
    finally:
        for module, training in modes.items():
            module.train(training)


@torch.no_grad()
def mc_dropout(
    model: nn.Module,
    x: torch.Tensor,
    *,
    task: str = "classification",
    passes: int = 100,
    batch_size: int = 512,
    seed: int = 0,
) -> MCDropoutOutput:
    if passes < 2:
        raise InvalidArgument(f"needs at least 2 passes, got {passes}", field="mc_dropout_passes")
    device = next(model.parameters()).device
    torch.manual_seed(seed)
    means, confidences = [], []
    with dropout_active(model):
        for start in range(0, len(x), batch_size):
            batch = x[start : start + batch_size].to(device)
            # [T, B, ...] in one go: repeat the batch so every pass draws its own dropout mask
            outputs = model(batch.repeat(passes, *[1] * (batch.dim() - 1)))
            outputs = outputs.reshape(passes, len(batch), *outputs.shape[1:]).float()
            if task == "classification":
                probabilities = torch.softmax(outputs, dim=-1)
                mean = probabilities.mean(0)
                predicted = mean.argmax(-1)
                picked = probabilities.gather(-1, predicted.expand(passes, -1).unsqueeze(-1)).squeeze(-1)
                confidences.append(-picked.var(0))
            else:
                values = outputs.reshape(passes, len(batch))
                mean = values.mean(0)
                confidences.append(-values.var(0))
            means.append(mean)
    return MCDropoutOutput(mean=torch.cat(means), confidence=torch.cat(confidences))
