"""Every query strategy returns the asked number of distinct unlabelled pool indices, ranked by its score."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import BackboneConfig, ModelConfig, ZooModel, softmax_response
from tessel.zoo.coreset import greedy_k_center
from tessel_active_learner.core.strategies import STRATEGIES, select


@pytest.fixture
def pool():
    rng = np.random.default_rng(0)
    return rng.normal(size=(120, 6)).astype(np.float32)


@pytest.fixture
def model():
    torch.manual_seed(0)
    config = ModelConfig(BackboneConfig("mlp", (6,), hidden_sizes=(16,), dropout=0.5), num_outputs=3)
    return ZooModel(config).eval()


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("count", [1, 17, 80])
def test_returns_count_unique_unlabelled_indices(strategy, count, pool, model):
    excluded = np.random.default_rng(1).choice(len(pool), size=40, replace=False)
    picks = select(strategy, model, pool, excluded, count, seed=3, mc_passes=4)
    assert len(picks) == count and len(set(picks)) == count
    assert not set(picks) & set(excluded.tolist())
    assert all(0 <= i < len(pool) for i in picks)


def test_least_confidence_ranks_by_softmax_response(pool, model):
    excluded = np.arange(0, 120, 3)
    picks = select("least_confidence", model, pool, excluded, 10)
    open_indices = np.setdiff1d(np.arange(120), excluded)
    confidence = softmax_response(model(torch.as_tensor(pool))).detach().numpy()
    want = sorted(open_indices.tolist(), key=lambda i: (confidence[i], i))[:10]
    assert picks == want


def test_coreset_runs_on_the_representation_layer(pool, model):
    excluded = np.array([5, 9, 70])
    features = model.features(torch.as_tensor(pool)).detach()
    assert select("coreset", model, pool, excluded, 12) == greedy_k_center(features, excluded, 12, device="cpu").indices


def test_random_is_seeded(pool):
    excluded = np.arange(10)
    assert select("random", None, pool, excluded, 20, seed=4) == select("random", None, pool, excluded, 20, seed=4)
    assert select("random", None, pool, excluded, 20, seed=4) != select("random", None, pool, excluded, 20, seed=5)


def test_mc_dropout_queries_the_most_spread_predictions_first(pool, model):
    from tessel.zoo.mc_dropout import MCDropoutSettings, run_mc_dropout

    picks = select("mc_dropout", model, pool, np.array([], dtype=np.int64), 5, seed=2, mc_passes=8)
    result = run_mc_dropout(model, torch.as_tensor(pool), MCDropoutSettings(passes=8, seed=2))
    variance = result.variance.gather(-1, result.prediction[:, None]).squeeze(-1).numpy()
    assert picks == sorted(range(120), key=lambda i: (-variance[i], i))[:5]


@pytest.mark.parametrize(("strategy", "count", "field"), [("nope", 3, "strategy"), ("random", 81, "count"),
                                                          ("margin", 0, "count")])
def test_refusals_name_the_field(strategy, count, field, pool, model):
    with pytest.raises(InvalidArgument) as raised:
        select(strategy, model, pool, np.arange(40), count)
    assert raised.value.field == field
