"""SelectiveNet's model (Geifman & El-Yaniv 2019): a zoo backbone with three heads. The trainer owns its
loss and calibration; the model lives here so the uncertainty-estimator reads the same selection head.

- f (prediction): the zoo model's own dropout -> linear head, so a SelectiveNet file also loads as a plain
  zoo model (`tessel.zoo.model_from_bytes`: SR on the SelectiveNet-trained body);
- g (selection): Linear(512) -> ReLU -> BatchNorm(γ = 0.1) -> Linear(1) -> sigmoid. γ = 0.1 is the
  paper's ×1/10 and the last bias is 0, so g ≈ 0.5 at the start and the coverage penalty cannot
  saturate g at 1 before the heads learn anything;
- h (auxiliary): a second linear head on the same features, used only by the loss.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.models import ModelConfig, ZooModel
from tessel.zoo.serialization import read_model_file

KIND = "selectivenet"
SELECTION_HIDDEN = 512
SELECTION_BN_SCALE = 0.1


class SelectiveOutput(NamedTuple):
    prediction: torch.Tensor  # f: logits [N, K] or regression output [N, 1]
    selection: torch.Tensor  # g in (0, 1), [N]
    auxiliary: torch.Tensor  # h: same shape as prediction


class SelectiveNet(ZooModel):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        norm = nn.BatchNorm1d(SELECTION_HIDDEN)
        nn.init.constant_(norm.weight, SELECTION_BN_SCALE)
        last = nn.Linear(SELECTION_HIDDEN, 1)
        nn.init.zeros_(last.bias)
        self.selection = nn.Sequential(nn.Linear(self.feature_dim, SELECTION_HIDDEN), nn.ReLU(), norm, last)
        self.auxiliary = nn.Linear(self.feature_dim, config.num_outputs)

    def forward(self, x: torch.Tensor) -> SelectiveOutput:  # type: ignore[override]
        features = self.body(x)
        dropped = self.dropout(features)
        return SelectiveOutput(
            prediction=self.head(dropped),
            selection=torch.sigmoid(self.selection(features)).squeeze(-1),
            auxiliary=self.auxiliary(dropped),
        )


def selectivenet_from_bytes(data: bytes) -> SelectiveNet:
    """All three heads of a SelectiveNet file (INVALID_ARGUMENT on `model` for any other kind)."""
    config, kind, tensors = read_model_file(data)
    if kind != KIND:
        raise InvalidArgument(f"is a {kind!r} model file, not a SelectiveNet (no selection head)", field="model")
    model = SelectiveNet(config)
    model.load_state_dict(tensors)
    return model.eval()
