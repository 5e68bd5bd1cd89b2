"""Model files: safetensors weights with the zoo config as JSON in the metadata (no pickle)."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.models import ModelConfig, ZooModel

MEDIA_TYPE = "application/x-safetensors"
_CONFIG_KEY = "tessel.zoo.config"
_KIND_KEY = "tessel.zoo.kind"


def model_to_bytes(model: nn.Module, config: ModelConfig, *, kind: str = "standard") -> bytes:
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    return save_tensors(tensors, metadata={_CONFIG_KEY: json.dumps(config.to_dict()), _KIND_KEY: kind})


def read_model_file(data: bytes) -> tuple[ModelConfig, str, dict[str, torch.Tensor]]:
    """(config, kind, state dict) of a model file written by `model_to_bytes`."""
    try:
        header_length = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_length]).get("__metadata__", {})
        tensors = load_tensors(data)
    except Exception as exc:  # safetensors raises several unrelated types for corrupt files
        raise InvalidArgument(f"is not a readable zoo model file: {exc}", field="model") from exc
    if _CONFIG_KEY not in metadata:
        raise InvalidArgument("has no tessel.zoo config in its metadata", field="model")
    return ModelConfig.from_dict(json.loads(metadata[_CONFIG_KEY])), metadata.get(_KIND_KEY, "standard"), tensors


def model_from_bytes(data: bytes) -> ZooModel:
    """The prediction model (body -> dropout -> head) of any zoo model file; extra heads a derived model
    (e.g. SelectiveNet's selection and auxiliary heads) carries are left out."""
    config, _, tensors = read_model_file(data)
    model = ZooModel(config)
    wanted = model.state_dict().keys()
    model.load_state_dict({name: tensors[name] for name in wanted})
    return model.eval()
