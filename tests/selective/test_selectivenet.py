"""SelectiveNet: loss against hand computation (both normalisations), g-head initialisation, calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import BackboneConfig, ModelConfig, model_from_bytes, model_to_bytes
from tessel.zoo.selectivenet import SelectiveNet, SelectiveOutput
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions, calibrate_threshold, selective_loss


def _classification_batch() -> tuple[SelectiveOutput, torch.Tensor]:
    prediction = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])  # softmax [.5, .5] and [.75, .25]
    auxiliary = torch.zeros(2, 2)  # softmax [.5, .5]
    selection = torch.tensor([0.5, 0.25])
    return SelectiveOutput(prediction, selection, auxiliary), torch.tensor([0, 1])


def test_classification_loss_paper_variant_by_hand():
    output, targets = _classification_batch()
    terms = selective_loss(output, targets, SelectiveLossOptions(target_coverage=0.8), "classification")
    ce = [math.log(2), math.log(4)]  # -log .5, -log .25
    coverage = (0.5 + 0.25) / 2
    risk = (0.5 * ce[0] + 0.25 * ce[1]) / 2 / coverage
    penalty = 32 * (0.8 - coverage) ** 2
    auxiliary = math.log(2)
    assert terms.coverage.item() == pytest.approx(coverage)
    assert terms.selective_risk.item() == pytest.approx(risk)  # 0.924196
    assert terms.penalty.item() == pytest.approx(penalty)  # 5.78
    assert terms.auxiliary.item() == pytest.approx(auxiliary)
    assert terms.total.item() == pytest.approx(0.5 * (risk + penalty) + 0.5 * auxiliary)
    assert terms.total.item() == pytest.approx(3.698672, abs=1e-6)


def test_classification_loss_reference_code_variant_by_hand():
    output, targets = _classification_batch()
    options = SelectiveLossOptions(target_coverage=0.8, normalize_by_coverage=False)
    terms = selective_loss(output, targets, options, "classification")
    risk = (0.5 * math.log(2) + 0.25 * math.log(4)) / 2  # mean(g * CE), no division by coverage
    assert terms.selective_risk.item() == pytest.approx(risk)
    assert terms.total.item() == pytest.approx(0.5 * (risk + 5.78) + 0.5 * math.log(2))
    assert terms.total.item() == pytest.approx(3.409861, abs=1e-6)


def test_regression_loss_by_hand_both_variants_and_custom_weights():
    output = SelectiveOutput(torch.tensor([[1.0], [3.0]]), torch.tensor([0.8, 0.4]), torch.tensor([[0.0], [2.0]]))
    targets = torch.tensor([0.0, 1.0])  # squared errors 1 and 4; auxiliary errors 0 and 1
    paper = selective_loss(output, targets, SelectiveLossOptions(0.5), "regression")
    assert paper.selective_risk.item() == pytest.approx((0.8 * 1 + 0.4 * 4) / 2 / 0.6)  # 2.0
    assert paper.penalty.item() == 0.0  # coverage 0.6 above the target
    assert paper.total.item() == pytest.approx(0.5 * 2.0 + 0.5 * 0.5)
    custom = selective_loss(
        output, targets, SelectiveLossOptions(0.9, coverage_penalty=10, alpha=0.75, normalize_by_coverage=False),
        "regression",
    )
    assert custom.total.item() == pytest.approx(0.75 * (1.2 + 10 * 0.3**2) + 0.25 * 0.5)


def test_loss_gradients_reach_the_selection_head():
    model = SelectiveNet(ModelConfig(BackboneConfig("mlp", (8,), hidden_sizes=(16,)), 3))
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    selective_loss(model(x), y, SelectiveLossOptions(0.7), "classification").total.backward()
    assert model.selection[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("architecture, shape", [("mlp", (40,)), ("small_cnn", (1, 12, 12)), ("resnet", (40,))])
def test_selection_head_starts_near_one_half(architecture, shape):
    torch.manual_seed(0)
    model = SelectiveNet(ModelConfig(BackboneConfig(architecture, shape), 10))
    x = torch.randn(256, *shape) * 3
    for mode in (model.train, model.eval):
        mode()
        with torch.no_grad():
            g = model(x).selection
        assert abs(g.mean().item() - 0.5) < 0.03
        assert (g - 0.5).abs().max().item() < 0.15


def test_calibration_hits_the_target_coverage():
    g = np.random.default_rng(0).random(1000).astype(np.float32)
    for target in (0.95, 0.9, 0.8, 0.7, 0.5, 1.0):
        threshold = calibrate_threshold(g, target)
        assert (g >= threshold).mean() == pytest.approx(target)
    with pytest.raises(InvalidArgument) as raised:
        calibrate_threshold(g, 0.0)
    assert raised.value.field == "spec.selectivenet.target_coverage"


def test_calibration_with_ties_reports_more_coverage_not_less():
    g = np.array([0.9] * 5 + [0.5] * 5)
    assert (g >= calibrate_threshold(g, 0.3)).mean() == 0.5


def test_selectivenet_file_loads_as_a_plain_zoo_model():
    model = SelectiveNet(ModelConfig(BackboneConfig("mlp", (8,), hidden_sizes=(16,)), 3)).eval()
    plain = model_from_bytes(model_to_bytes(model, model.config, kind="selectivenet"))
    x = torch.randn(5, 8)
    with torch.no_grad():
        assert torch.equal(plain(x), model(x).prediction)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [(dict(target_coverage=0.0), "target_coverage"), (dict(target_coverage=1.2), "target_coverage"),
     (dict(target_coverage=0.8, alpha=0.0), "alpha"), (dict(target_coverage=0.8, coverage_penalty=-1), "coverage_penalty")],
)
def test_invalid_options(kwargs, field):
    with pytest.raises(InvalidArgument) as raised:
        SelectiveLossOptions(**kwargs)
    assert raised.value.field == f"spec.selectivenet.{field}"
