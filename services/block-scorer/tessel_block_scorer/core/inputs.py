"""The job's inputs from the shared asset registry: the parent model and held-out token sequences from
the corpus's evaluation split (documents the block library never trained or validated on)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tessel.runtime.errors import InvalidArgument, NotFound
from tessel.assets.confined import confined_corpus, resolve_confined_model

HELD_OUT_SPLIT = "evaluation"


def resolve_parent(ref: str, *, field: str) -> Path:
    """The parent's local folder: the reference comes from a manifest a client may have written, so a
    folder is accepted only inside the configured roots."""
    return resolve_confined_model(ref, field=field)


def load_parent(folder: Path, device: str):
    """The parent in float32 with SDPA attention, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="sdpa")
    return model.to(device).eval()


def held_out_sequences(corpus_ref: str, model_folder: Path, *, tokens: int, sequence_length: int, seed: int,
                       field: str) -> np.ndarray:
    """`tokens // sequence_length` consecutive sequences [n, L] (int32) of the evaluation split's token
    stream. `seed` is the corpus split seed: it must be the library's, or its distillation documents could
    land in this split."""
    from transformers import AutoTokenizer

    from tessel.assets.corpus import load_corpus

    try:
        corpus = load_corpus(confined_corpus(corpus_ref, field=field), seed=seed)
    except (NotFound, InvalidArgument) as error:
        raise InvalidArgument(error.message, field=field) from error
    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    stream = np.asarray(corpus.token_stream(tokenizer, HELD_OUT_SPLIT), dtype=np.int32)
    count = min(tokens, stream.size) // sequence_length
    if count == 0:
        raise InvalidArgument(
            f"the corpus {HELD_OUT_SPLIT} split has {stream.size} tokens, less than one sequence of {sequence_length}",
            field=field)
    return stream[: count * sequence_length].reshape(count, sequence_length)
