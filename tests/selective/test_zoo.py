"""The shared model zoo: backbones, the training loop (early stopping, snapshots, seeds), MC-dropout."""

from __future__ import annotations

import pytest
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import (
    BackboneConfig, FitOptions, ModelConfig, StandardObjective, ZooModel, fit, mc_dropout, model_from_bytes,
    model_to_bytes, seed_everything,
)


@pytest.mark.parametrize(
    ("config", "features"),
    [
        (BackboneConfig("mlp", (40,), hidden_sizes=(32, 16)), 16),
        (BackboneConfig("small_cnn", (40,), base_width=8), 128),
        (BackboneConfig("small_cnn", (28, 28), base_width=8), 128),
        (BackboneConfig("resnet", (3, 16, 16), blocks_per_stack=(2, 2, 2), base_width=8), 32),
    ],
)
def test_backbones_produce_features_and_logits(config, features):
    model = ZooModel(ModelConfig(config, 7))
    x = torch.randn(3, *config.input_shape)
    assert model.features(x).shape == (3, features)
    assert model(x).shape == (3, 7)


def test_resnet_has_the_requested_stacks_and_blocks():
    from tessel.zoo.models import BasicBlock

    model = ZooModel(ModelConfig(BackboneConfig("resnet", (40,), blocks_per_stack=(3, 1, 2)), 2))
    assert sum(isinstance(m, BasicBlock) for m in model.modules()) == 6


def test_invalid_backbones_name_the_field():
    with pytest.raises(InvalidArgument) as raised:
        BackboneConfig("resnet", (40,), blocks_per_stack=(0,))
    assert raised.value.field == "backbone.blocks_per_stack"
    with pytest.raises(InvalidArgument) as raised:
        BackboneConfig("mlp", (40,), dropout=1.0)
    assert raised.value.field == "backbone.dropout"


def _fit(digits, seed, **options):
    seed_everything(seed)
    model = ZooModel(ModelConfig(BackboneConfig("mlp", (8, 8), hidden_sizes=(32,)), 10))
    seen = []
    result = fit(
        model, StandardObjective("classification"),
        (torch.tensor(digits.train.x), torch.tensor(digits.train.y)),
        (torch.tensor(digits.val.x), torch.tensor(digits.val.y)),
        FitOptions(seed=seed, **options), lambda record, m: seen.append(record),
    )
    return model, result, seen


def test_fit_learns_calls_back_every_epoch_and_keeps_the_best_epoch(digits):
    model, result, seen = _fit(digits, 0, max_epochs=6, learning_rate=0.01)
    assert [r.epoch for r in seen] == list(range(1, result.epochs_run + 1))
    best = min(seen, key=lambda r: r.validation_loss)
    assert result.best_epoch == best.epoch
    assert best.validation_risk < 0.15  # digits with a small MLP


def test_early_stopping_on_validation_loss(digits):
    _, result, seen = _fit(digits, 0, max_epochs=40, patience=2, learning_rate=0.05)
    assert result.early_stopped and result.epochs_run < 40
    assert result.epochs_run - result.best_epoch == 2


def test_same_seed_same_weights(digits):
    a, _, _ = _fit(digits, 3, max_epochs=2)
    b, _, _ = _fit(digits, 3, max_epochs=2)
    c, _, _ = _fit(digits, 4, max_epochs=2)
    def same(x, y):
        return all(torch.equal(p, q) for p, q in zip(x.state_dict().values(), y.state_dict().values(), strict=True))

    assert same(a, b) and not same(a, c)


def test_model_file_round_trip():
    model = ZooModel(ModelConfig(BackboneConfig("small_cnn", (40,), base_width=4, dropout=0.3), 4)).eval()
    loaded = model_from_bytes(model_to_bytes(model, model.config))
    x = torch.randn(2, 40)
    assert loaded.config == model.config and torch.equal(loaded(x), model(x))
    with pytest.raises(InvalidArgument):
        model_from_bytes(b"not a model")


def test_mc_dropout_needs_dropout_and_restores_modes():
    plain = ZooModel(ModelConfig(BackboneConfig("mlp", (8,), hidden_sizes=(16,)), 3))
    with pytest.raises(InvalidArgument):
        mc_dropout(plain, torch.randn(4, 8), passes=5)
    model = ZooModel(ModelConfig(BackboneConfig("mlp", (8,), hidden_sizes=(16,), dropout=0.5), 3)).eval()
    out = mc_dropout(model, torch.randn(10, 8), passes=20)
    assert out.mean.shape == (10, 3) and torch.allclose(out.mean.sum(-1), torch.ones(10))
    assert (out.confidence <= 0).all() and (out.confidence < 0).any()
    assert not any(m.training for m in model.modules())
    regression = ZooModel(ModelConfig(BackboneConfig("mlp", (8,), hidden_sizes=(16,), dropout=0.5), 1, "regression"))
    assert mc_dropout(regression, torch.randn(6, 8), task="regression", passes=8).confidence.shape == (6,)
