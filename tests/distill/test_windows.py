"""Coreset-chosen distillation windows: farthest-first over the parent's mean-pooled hidden states."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel_block_distiller.core.windows import coreset_windows, window_embeddings


@pytest.fixture(scope="module")
def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2)
    return LlamaForCausalLM(config).eval()


def _candidates(n: int = 24, length: int = 16) -> np.ndarray:
    rng = np.random.default_rng(1)
    windows = rng.integers(0, 128, size=(n, length))
    windows[: n // 2] = rng.integers(0, 4, size=(n // 2, length))  # half the pool: near-duplicate low-id windows
    return windows.astype(np.int64)


def test_embeddings_are_one_vector_per_window(tiny_llama):
    embeddings = window_embeddings(tiny_llama, _candidates())
    assert embeddings.shape == (24, 32)
    assert torch.isfinite(embeddings).all()


def test_coreset_is_deterministic_and_differs_from_the_first_windows(tiny_llama):
    candidates = _candidates()
    picked = coreset_windows(tiny_llama, candidates, 6, seed=3)
    assert picked == coreset_windows(tiny_llama, candidates, 6, seed=3)
    assert len(set(picked)) == 6
    assert picked != list(range(6))  # today's selection: the first windows of the stream
    # Farthest-first spreads over the pool: it does not spend the budget inside the near-duplicate half.
    assert sum(index >= 12 for index in picked) >= 3
    assert coreset_windows(tiny_llama, candidates, 6, seed=4) != picked


def test_count_outside_the_pool_is_refused(tiny_llama):
    with pytest.raises(ValueError):
        coreset_windows(tiny_llama, _candidates(), 25, seed=0)
