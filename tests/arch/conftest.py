import random

import pytest

from tessel.llm.scored_library import Cost, Scenario, Score, ScoredLibrary, ScoredVariant


def random_library(seed: int, *, num_layers: int = 3, per_subblock: int = 3) -> ScoredLibrary:
    """A small random scored library: variant 0 of each (layer, subblock) is the parent (score 0, most costly)."""
    rng = random.Random(seed)
    variants = []
    for layer in range(num_layers):
        for subblock in ("attention", "ffn"):
            for k in range(per_subblock):
                params = 0 if k == per_subblock - 1 else rng.randint(10, 100) * (per_subblock - k)
                variants.append(ScoredVariant(
                    layer=layer, subblock=subblock,
                    config=_config(subblock, per_subblock - k if params else 0),
                    is_parent=k == 0,
                    scores={"kl": Score(0.0 if k == 0 else rng.uniform(0.01, 1.0), 0.01),
                            "lm_loss_delta": Score(rng.uniform(0.0, 1.0), 0.01)},
                    cost=Cost(params=params, weight_bytes=4 * params, kv_cache_bytes=rng.randint(0, 50) if
                              subblock == "attention" and params else 0, prefill_seconds=1e-3 * params,
                              decode_seconds_per_token=1e-5 * params),
                ))
    return ScoredLibrary(
        num_layers=num_layers,
        scenario=Scenario(device="cpu", dtype="float32", batch_size=1, prompt_length=8, generation_length=8),
        overhead=Cost(params=7, weight_bytes=28, kv_cache_bytes=0, prefill_seconds=1e-3,
                      decode_seconds_per_token=1e-5),
        variants=variants,
    )


def _config(subblock: str, width: int) -> dict:
    """The same config at every layer for the same k (as in a real library); costs still vary per layer."""
    if width == 0:
        return {"kind": "no_op"}
    if subblock == "attention":
        return {"kind": "gqa", "num_key_value_heads": width}
    return {"kind": "mlp", "intermediate_size": 64 * width}


@pytest.fixture
def make_library():
    return random_library
