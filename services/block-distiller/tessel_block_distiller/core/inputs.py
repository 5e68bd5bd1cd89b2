"""The job's inputs from the shared asset registry: the parent model and the corpus token streams."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from tessel.llm.block_config import ParentShape
from tessel.runtime.errors import InvalidArgument, NotFound
from tessel.assets.confined import confined_corpus, resolve_confined_model


def resolve_parent(ref: str, *, field: str) -> Path:
    """The parent's local folder (a shipped name, or a folder inside the configured roots)."""
    return resolve_confined_model(ref, field=field)


def parent_shape(folder: Path, *, field: str) -> ParentShape:
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "llama":
        raise InvalidArgument(
            f"model type {config.get('model_type')!r} is not supported: the parent must be a Llama architecture (model_type \"llama\")",
            field=field,
        )
    from transformers import AutoConfig

    return ParentShape.of(AutoConfig.from_pretrained(folder))


def load_parent(folder: Path):
    """The parent in float32 on the configured device (`TESSEL_DEVICE`)."""
    from transformers import AutoModelForCausalLM

    from tessel.runtime.settings import torch_device

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="sdpa")
    return model.to(torch_device()).eval()


def token_sequences(corpus_ref: str, model_folder: Path, *, split: str, tokens: int, sequence_length: int,
                    offset_tokens: int = 0, seed: int = 0, field: str) -> np.ndarray:
    """`tokens // sequence_length` consecutive sequences [n, L] of the split's token stream, starting at
    `offset_tokens` (so training and held-out windows never overlap)."""
    stream = split_token_stream(corpus_ref, model_folder, split=split, seed=seed, field=field)
    count = tokens // sequence_length
    needed = offset_tokens + count * sequence_length
    if stream.size < needed:
        raise InvalidArgument(
            f"the corpus {split} split has {stream.size} tokens, {needed} are needed", field=field
        )
    return stream[offset_tokens:needed].reshape(count, sequence_length).astype(np.int64)


def split_token_stream(corpus_ref: str, model_folder: Path, *, split: str, seed: int, field: str) -> np.ndarray:
    from tessel.assets.corpus import load_corpus
    from transformers import AutoTokenizer

    corpus_ref = confined_corpus(corpus_ref, field=field)
    try:
        corpus = load_corpus(corpus_ref, seed=seed)
    except (NotFound, InvalidArgument) as error:
        raise InvalidArgument(error.message, field=field) from error
    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    return np.asarray(corpus.token_stream(tokenizer, split), dtype=np.int32)
