"""Confidence-rate functions (higher = more confident) for selective prediction.

- softmax response (SR): the maximum softmax probability;
- margin: the top-1 minus the top-2 softmax probability;
- negative entropy of the softmax distribution;
- MC-dropout (`mc_dropout`, the trainer's): T stochastic passes with dropout active (batch norm stays in
  eval mode); confidence is the negated variance, over passes, of the predicted class's probability
  (classification) or of the output (regression); the prediction is the mean over passes. The passes,
  rates, layers and the other MC confidences live in `tessel.zoo.mc_dropout`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.mc_dropout import MCDropoutSettings, dropout_active, mc_confidence, run_mc_dropout

__all__ = ["MCDropoutOutput", "dropout_active", "margin", "mc_dropout", "negative_entropy", "softmax_response"]


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


def mc_dropout(
    model: nn.Module,
    x: torch.Tensor,
    *,
    task: str = "classification",
    passes: int = 100,
    batch_size: int = 512,
    seed: int = 0,
) -> MCDropoutOutput:
    """The trainer's MC-dropout confidence (negated variance of the predicted class or of the output);
    `tessel.zoo.mc_dropout.run_mc_dropout` has the other confidences, rates and layers."""
    if passes < 2:
        raise InvalidArgument(f"needs at least 2 passes, got {passes}", field="mc_dropout_passes")
    settings = MCDropoutSettings(passes=passes, seed=seed, max_rows=max(1, batch_size) * passes)
    result = run_mc_dropout(model, x, settings, task=task)
    return MCDropoutOutput(mean=result.mean, confidence=mc_confidence(result, "negative_predicted_variance"))
