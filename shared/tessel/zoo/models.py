"""Backbones for classifiers and regressors: MLP, small CNN and ResNet-style (stacks x blocks).

Every model is `ZooModel`: body (input -> feature vector) -> dropout -> linear output layer. The body's
feature vector is the representation the active-learner's coreset works in; the dropout before the
output layer is what MC-dropout samples. Convolutional bodies work on 1-D signals ([C, L], e.g.
MNIST-1D: [L]) and images ([H, W] single-channel, or [C, H, W]).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument

Architecture = Literal["mlp", "small_cnn", "resnet"]
ARCHITECTURES: tuple[str, ...] = ("mlp", "small_cnn", "resnet")
DEFAULT_WIDTH = {"mlp": 0, "small_cnn": 32, "resnet": 16}


@dataclass(frozen=True)
class BackboneConfig:
    architecture: Architecture
    input_shape: tuple[int, ...]
    hidden_sizes: tuple[int, ...] = (256, 256)
    blocks_per_stack: tuple[int, ...] = (1, 1)
    base_width: int = 0  # 0: the architecture's default
    dropout: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        object.__setattr__(self, "hidden_sizes", tuple(int(d) for d in self.hidden_sizes))
        object.__setattr__(self, "blocks_per_stack", tuple(int(d) for d in self.blocks_per_stack))
        self.validate()

    def validate(self, prefix: str = "backbone") -> None:
        if self.architecture not in ARCHITECTURES:
            raise InvalidArgument(f"unknown architecture {self.architecture!r}", field=f"{prefix}.architecture")
        if not self.input_shape or any(d <= 0 for d in self.input_shape):
            raise InvalidArgument(f"input shape {list(self.input_shape)} is not positive", field="dataset")
        if not 0.0 <= self.dropout < 1.0:
            raise InvalidArgument(f"must be in [0, 1), got {self.dropout}", field=f"{prefix}.dropout")
        if self.base_width < 0:
            raise InvalidArgument(f"must be >= 0, got {self.base_width}", field=f"{prefix}.base_width")
        if self.architecture == "mlp" and (not self.hidden_sizes or min(self.hidden_sizes) <= 0):
            raise InvalidArgument("needs at least one positive width", field=f"{prefix}.hidden_sizes")
        if self.architecture == "resnet" and (not self.blocks_per_stack or min(self.blocks_per_stack) <= 0):
            raise InvalidArgument("needs at least one stack of >= 1 block", field=f"{prefix}.blocks_per_stack")
        if self.architecture != "mlp" and len(self.input_shape) > 3:
            raise InvalidArgument(
                f"convolutional backbones take [L], [H, W] or [C, H, W] inputs, got {list(self.input_shape)}",
                field=f"{prefix}.architecture",
            )

    @property
    def width(self) -> int:
        return self.base_width or DEFAULT_WIDTH[self.architecture]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> BackboneConfig:
        return cls(**data)


@dataclass(frozen=True)
class ModelConfig:
    backbone: BackboneConfig
    num_outputs: int  # classes, or 1 for regression
    task: Literal["classification", "regression"] = "classification"
    extras: dict = field(default_factory=dict)  # head-specific settings of derived models (e.g. SelectiveNet)

    def to_dict(self) -> dict:
        return {"backbone": self.backbone.to_dict(), "num_outputs": self.num_outputs, "task": self.task,
                "extras": dict(self.extras)}

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        return cls(BackboneConfig.from_dict(data["backbone"]), int(data["num_outputs"]), data["task"],
                   dict(data.get("extras", {})))


class ZooModel(nn.Module):
    """body -> dropout -> head. `features` is the representation layer."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.body, feature_dim = build_body(config.backbone)
        self.feature_dim = feature_dim
        self.dropout = nn.Dropout(config.backbone.dropout)
        self.head = nn.Linear(feature_dim, config.num_outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.body(x)))


def build_body(config: BackboneConfig) -> tuple[nn.Module, int]:
    """The feature extractor and its output width."""
    if config.architecture == "mlp":
        return _mlp(config), config.hidden_sizes[-1]
    channels, spatial = _conv_layout(config.input_shape)
    if config.architecture == "small_cnn":
        body = SmallCNN(channels, spatial, config.width)
    else:
        body = ResNet(channels, spatial, config.width, config.blocks_per_stack)
    return body, body.feature_dim


def _mlp(config: BackboneConfig) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(config.input_shape)
    for hidden in config.hidden_sizes:
        layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
        width = hidden
    return nn.Sequential(*layers)


def _conv_layout(input_shape: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    if len(input_shape) == 1:
        return 1, input_shape
    if len(input_shape) == 2:  # a single-channel image [H, W]
        return 1, input_shape
    return input_shape[0], input_shape[1:]


def _conv(dims: int):
    return nn.Conv1d if dims == 1 else nn.Conv2d


def _batch_norm(dims: int):
    return nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d


class _ChannelView(nn.Module):
    """Reshapes flat or channel-less inputs to [N, C, *spatial]."""

    def __init__(self, channels: int, spatial: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = (channels, *spatial)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


class SmallCNN(nn.Module):
    """Two conv-BN-ReLU-maxpool blocks (width, 2*width) and a 128-unit dense layer."""

    def __init__(self, channels: int, spatial: tuple[int, ...], width: int) -> None:
        super().__init__()
        dims = len(spatial)
        conv, norm = _conv(dims), _batch_norm(dims)
        pool = nn.MaxPool1d(2) if dims == 1 else nn.MaxPool2d(2)
        self.layers = nn.Sequential(
            _ChannelView(channels, spatial),
            conv(channels, width, 3, padding=1), norm(width), nn.ReLU(), pool,
            conv(width, 2 * width, 3, padding=1), norm(2 * width), nn.ReLU(), pool,
            nn.Flatten(),
        )
        flat = 2 * width * math.prod(max(1, s // 4) for s in spatial)
        self.dense = nn.Sequential(nn.Linear(flat, 128), nn.ReLU())
        self.feature_dim = 128

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.layers(x))


class BasicBlock(nn.Module):
    """Two 3x3 convs with BN and a skip connection (1x1 projection when the shape changes)."""

    def __init__(self, dims: int, in_width: int, out_width: int, stride: int) -> None:
        super().__init__()
        conv, norm = _conv(dims), _batch_norm(dims)
        self.residual = nn.Sequential(
            conv(in_width, out_width, 3, stride=stride, padding=1, bias=False), norm(out_width), nn.ReLU(),
            conv(out_width, out_width, 3, padding=1, bias=False), norm(out_width),
        )
        self.shortcut = (
            nn.Identity() if stride == 1 and in_width == out_width
            else nn.Sequential(conv(in_width, out_width, 1, stride=stride, bias=False), norm(out_width))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.residual(x) + self.shortcut(x))


class ResNet(nn.Module):
    """Stem conv, then one stack per entry of blocks_per_stack (filters double and the resolution halves
    from the second stack on), global average pooling. [2, 2, 2, 2] with width 64 is ResNet-18's layout."""

    def __init__(self, channels: int, spatial: tuple[int, ...], width: int, blocks_per_stack: tuple[int, ...]) -> None:
        super().__init__()
        dims = len(spatial)
        conv, norm = _conv(dims), _batch_norm(dims)
        stem: list[nn.Module] = [_ChannelView(channels, spatial), conv(channels, width, 3, padding=1, bias=False),
                                 norm(width), nn.ReLU()]
        if min(spatial) >= 16:  # the iNAS stem's max-pool, only where the input is large enough to afford it
            stem.append(nn.MaxPool1d(3, 2, 1) if dims == 1 else nn.MaxPool2d(3, 2, 1))
        blocks: list[nn.Module] = []
        in_width = width
        for stack, count in enumerate(blocks_per_stack):
            out_width = width * 2**stack
            for index in range(count):
                stride = 2 if stack > 0 and index == 0 else 1
                blocks.append(BasicBlock(dims, in_width, out_width, stride))
                in_width = out_width
        pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
        self.layers = nn.Sequential(*stem, *blocks, pool, nn.Flatten())
        self.feature_dim = in_width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
