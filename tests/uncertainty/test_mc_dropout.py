"""MC-dropout: seeded masks, batched passes, the confidence functions against hand computations."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import BackboneConfig, ModelConfig, ZooModel, mc_dropout, softmax_response
from tessel.zoo.mc_dropout import MC_CONFIDENCES, MCDropoutResult, MCDropoutSettings, mc_confidence, run_mc_dropout


def _model(dropout: float = 0.5, seed: int = 0) -> ZooModel:
    torch.manual_seed(seed)
    config = ModelConfig(BackboneConfig("mlp", (6,), hidden_sizes=(16,), dropout=dropout), num_outputs=3)
    return ZooModel(config).eval()


def _x(n: int = 20) -> torch.Tensor:
    return torch.randn(n, 6, generator=torch.Generator().manual_seed(1))


def test_seeded_runs_repeat_and_leave_global_rng_alone():
    model, x = _model(), _x()
    settings = MCDropoutSettings(passes=8, seed=3, keep_passes=True)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first = run_mc_dropout(model, x, settings)
    assert torch.equal(torch.random.get_rng_state(), before)
    second = run_mc_dropout(model, x, settings)
    other = run_mc_dropout(model, x, MCDropoutSettings(passes=8, seed=4, keep_passes=True))
    assert torch.equal(first.probabilities, second.probabilities)
    assert not torch.equal(first.probabilities, other.probabilities)
    # the passes really are stochastic and differ from the deterministic softmax response
    assert first.probabilities.std(0).max() > 1e-3
    sr = softmax_response(model(x))
    mc = mc_confidence(first)
    assert (mc - sr).abs().max() > 1e-3


def test_statistics_match_the_kept_passes():
    result = run_mc_dropout(_model(), _x(), MCDropoutSettings(passes=6, keep_passes=True))
    p = result.probabilities.double()
    assert p.shape == (6, 20, 3)
    torch.testing.assert_close(result.mean.double(), p.mean(0), atol=1e-6, rtol=0)
    torch.testing.assert_close(result.variance.double(), p.var(0), atol=1e-6, rtol=0)
    entropy = -(p * p.log()).sum(-1)
    torch.testing.assert_close(result.expected_entropy.double(), entropy.mean(0), atol=1e-5, rtol=0)


def test_confidences_on_a_hand_case():
    # two passes, one example: p1 = (0.9, 0.1), p2 = (0.5, 0.5) -> mean (0.7, 0.3), var (0.08, 0.08)
    passes = torch.tensor([[[0.9, 0.1]], [[0.5, 0.5]]])

    def h(*q):
        return -sum(v * math.log(v) for v in q)

    result = MCDropoutResult(mean=passes.mean(0), variance=passes.var(0),
                             expected_entropy=torch.tensor([(h(0.9, 0.1) + h(0.5, 0.5)) / 2]), passes=2)
    expected = {
        "mean_probability": 0.7,
        "negative_entropy": -h(0.7, 0.3),
        "negative_predicted_variance": -0.08,
        "negative_mean_variance": -0.08,
        "negative_mutual_information": -(h(0.7, 0.3) - (h(0.9, 0.1) + h(0.5, 0.5)) / 2),
    }
    assert set(expected) == set(MC_CONFIDENCES)
    for kind, value in expected.items():
        assert mc_confidence(result, kind).item() == pytest.approx(value, abs=1e-6), kind
    # the served class decides which probability is read
    assert mc_confidence(result, "mean_probability", predicted=torch.tensor([1])).item() == pytest.approx(0.3)


def test_passes_run_batched_in_one_forward_per_chunk():
    model, x = _model(), _x(20)
    calls = []
    model.head.register_forward_hook(lambda _m, inputs, _o: calls.append(inputs[0].shape[0]))
    run_mc_dropout(model, x, MCDropoutSettings(passes=10))
    assert calls == [200]
    calls.clear()
    run_mc_dropout(model, x, MCDropoutSettings(passes=10, max_rows=50))  # 5 examples x 10 passes per forward
    assert calls == [50] * 4
    calls.clear()
    result = run_mc_dropout(model, x[:1], MCDropoutSettings(passes=10, max_rows=4))  # passes split too
    assert calls == [4, 4, 2] and result.mean.shape == (1, 3)


def test_modes_rates_and_batch_norm_are_restored():
    model = _model(dropout=0.2)
    model.train()
    stats = model.body[2].running_mean.clone()
    run_mc_dropout(model, _x(), MCDropoutSettings(passes=4, rate=0.6))
    assert model.dropout.p == 0.2 and all(m.training for m in model.modules())
    assert torch.equal(model.body[2].running_mean, stats)  # batch norm ran in eval mode


def test_rate_and_layers_choose_what_drops():
    model, x = _model(dropout=0.0), _x()
    with pytest.raises(InvalidArgument) as error:
        run_mc_dropout(model, x, MCDropoutSettings(passes=4))
    assert error.value.field == "mc_dropout.rate"
    spread = run_mc_dropout(model, x, MCDropoutSettings(passes=4, rate=0.5)).variance.max()
    assert spread > 0 and model.dropout.p == 0.0
    # dropout on the input of a layer without a dropout module
    hooked = run_mc_dropout(model, x, MCDropoutSettings(passes=4, rate=0.3, layers=("body.0",)))
    assert hooked.variance.max() > 0
    assert not model.body[0]._forward_pre_hooks
    with pytest.raises(InvalidArgument) as error:
        run_mc_dropout(model, x, MCDropoutSettings(passes=4, layers=("body.0",)))
    assert error.value.field == "mc_dropout.rate"
    with pytest.raises(InvalidArgument) as error:
        run_mc_dropout(model, x, MCDropoutSettings(passes=4, rate=0.3, layers=("nope",)))
    assert error.value.field == "mc_dropout.layers"


def test_bad_settings_name_their_field():
    for kwargs, field in [({"passes": 1}, "mc_dropout.passes"), ({"rate": 1.0}, "mc_dropout.rate"),
                          ({"max_rows": 0}, "mc_dropout.max_rows")]:
        with pytest.raises(InvalidArgument) as error:
            MCDropoutSettings(**kwargs)
        assert error.value.field == field
    result = run_mc_dropout(_model(), _x(), MCDropoutSettings(passes=3))
    with pytest.raises(InvalidArgument) as error:
        mc_confidence(result, "variance")
    assert error.value.field == "mc_dropout.confidence"


def test_regression_has_only_the_variance():
    torch.manual_seed(0)
    model = ZooModel(ModelConfig(BackboneConfig("mlp", (6,), hidden_sizes=(8,), dropout=0.5), 1, "regression"))
    result = run_mc_dropout(model.eval(), _x(), MCDropoutSettings(passes=5), task="regression")
    assert result.mean.shape == (20,) and result.expected_entropy is None
    assert torch.equal(mc_confidence(result, "negative_predicted_variance"), -result.variance)
    with pytest.raises(InvalidArgument):
        mc_confidence(result, "mean_probability")


def test_trainer_wrapper_is_the_negative_predicted_variance():
    model, x = _model(), _x()
    wrapped = mc_dropout(model, x, passes=7, seed=2)
    result = run_mc_dropout(model, x, MCDropoutSettings(passes=7, seed=2, max_rows=512 * 7))
    assert torch.equal(wrapped.confidence, mc_confidence(result, "negative_predicted_variance"))
    assert torch.equal(wrapped.mean, result.mean)


def test_tuple_outputs_are_read_at_the_prediction():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = _model()

        def forward(self, x):
            return self.inner(x), torch.zeros(len(x))

    model, x = TwoHeads().eval(), _x()
    a = run_mc_dropout(model, x, MCDropoutSettings(passes=3))
    b = run_mc_dropout(model.inner, x, MCDropoutSettings(passes=3))
    assert torch.equal(a.mean, b.mean)
