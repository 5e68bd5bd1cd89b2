"""Confidence of a causal LM on a multiple-choice / cloze task.

Each option is scored by its log-likelihood after the context (`tessel.assets.cloze.score_cloze`: one
context pass, options on its cached keys and values). The confidence is the softmax over the options'
length-normalised log-likelihoods (mean log-probability per option token, so a multi-token option is not
penalised for its length); the chosen option is the argmax, and the margin is its probability minus the
runner-up's. `length_normalised=False` gives the summed log-likelihoods the cloze benchmark reports.

`load_choice_model` reads any causal LM folder Tessel writes or converts: a Hugging Face parent folder
(`AutoModelForCausalLM`) or a compressed child in the nemotron-nas schema (`tessel.llm`'s heterogeneous
Llama, recognised by the `block_configs` in its config.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tessel.runtime.errors import InvalidArgument


@dataclass(frozen=True)
class ChoiceConfidence:
    option_scores: np.ndarray  # [n, k] log-likelihood per option (mean per token when length-normalised)
    probabilities: np.ndarray  # [n, k] softmax over option_scores
    predictions: np.ndarray  # [n] chosen option
    confidence: np.ndarray  # [n] probability of the chosen option
    margin: np.ndarray  # [n] chosen minus runner-up probability


def choice_confidence(option_logprobs: np.ndarray, option_lengths: np.ndarray, *,
                      length_normalised: bool = True) -> ChoiceConfidence:
    """From summed option log-likelihoods [n, k] and option token counts [n, k]."""
    summed = np.asarray(option_logprobs, np.float64)
    lengths = np.asarray(option_lengths, np.float64)
    if summed.ndim != 2 or summed.shape[1] < 2 or summed.shape[0] < 1:
        raise InvalidArgument(f"needs [n, options] with at least 2 options, got {list(summed.shape)}",
                              field="option_logprobs")
    if lengths.shape != summed.shape:
        raise InvalidArgument(f"has shape {list(lengths.shape)}, expected {list(summed.shape)}", field="option_lengths")
    if (lengths < 1).any():
        raise InvalidArgument("every option needs at least one token", field="option_lengths")
    if not np.isfinite(summed).all():
        raise InvalidArgument("holds non-finite log-likelihoods", field="option_logprobs")
    scores = summed / lengths if length_normalised else summed
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    predictions = scores.argmax(axis=1)
    top2 = -np.sort(-probabilities, axis=1)[:, :2]
    return ChoiceConfidence(scores, probabilities, predictions, top2[:, 0], top2[:, 0] - top2[:, 1])


def score_choice_task(model: Any, tokenizer: Any, task: Any, *, length_normalised: bool = True,
                      device: str = "cpu") -> ChoiceConfidence:
    """Choice confidence of `model` on a `tessel.assets.cloze.ClozeTask`."""
    from tessel.assets.cloze import score_cloze

    scores = score_cloze(model, tokenizer, task, device=device)
    lengths = np.array([[len(ids) for ids in item.option_ids] for item in task.items], dtype=np.float64)
    return choice_confidence(scores.option_logprobs, lengths, length_normalised=length_normalised)


def load_choice_model(folder: Path | str, *, device: str = "cpu", tokenizer_folder: Path | str | None = None):
    """(model in eval mode, tokenizer) of a parent or compressed-child causal LM folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise InvalidArgument(f"{folder} has no config.json: not a causal LM folder", field="model")
    config = json.loads(config_path.read_text())
    if "block_configs" in config:
        from tessel.llm.nemotron_nas import load_heterogeneous

        model = load_heterogeneous(folder)
    else:
        model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer_source = Path(tokenizer_folder) if tokenizer_folder is not None else folder
    if not any((tokenizer_source / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json")):
        raise InvalidArgument(f"{tokenizer_source} holds no tokenizer (pass the parent's)", field="tokenizer")
    return model.to(device).eval(), AutoTokenizer.from_pretrained(tokenizer_source)
