"""The transport-free training pipeline on small real data (digits, diabetes)."""

from __future__ import annotations

import numpy as np
import pytest

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import FitOptions, model_from_bytes
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions
from tessel_selective_trainer.core.training_job import BackboneSettings, TrainingSettings, train

SMALL = BackboneSettings("mlp", hidden_sizes=(64,))


def test_standard_classifier_with_snapshots_and_softmax_response(digits):
    snapshots = []
    outcome = train(TrainingSettings(backbone=SMALL, fit=FitOptions(max_epochs=6, learning_rate=0.01)), digits,
                    lambda record, weights: snapshots.append((record.epoch, weights)))
    assert [e for e, _ in snapshots] == list(range(1, outcome.fit.epochs_run + 1))
    assert model_from_bytes(snapshots[0][1]).config == outcome.config
    assert outcome.confidence == "softmax_response"
    n = len(digits.test.x)
    assert outcome.test_predictions.shape == outcome.test_confidence.shape == outcome.test_losses.shape == (n,)
    assert set(np.unique(outcome.test_losses)) <= {0.0, 1.0}
    assert outcome.test_risk == pytest.approx(np.mean(outcome.test_predictions != digits.test.y))
    assert outcome.test_risk < 0.15
    table = dict(outcome.risk_coverage)
    assert table[1.0] == pytest.approx(outcome.test_risk) and table[0.5] <= table[1.0]


def test_selectivenet_calibrates_coverage_on_its_calibration_split(digits):
    settings = TrainingSettings(backbone=SMALL, objective="selectivenet", selective=SelectiveLossOptions(0.7),
                                fit=FitOptions(max_epochs=5))
    outcome = train(settings, digits)
    calibration = outcome.calibration
    assert calibration.target_coverage == 0.7
    assert calibration.epoch_selection_examples + calibration.calibration_examples == len(digits.val.x)
    assert calibration.calibration_coverage == pytest.approx(0.7, abs=1 / calibration.calibration_examples)
    assert abs(calibration.test_coverage - 0.7) < 0.1  # realised on unseen data, reported as is
    covered = outcome.test_confidence >= calibration.threshold
    assert calibration.test_coverage == pytest.approx(covered.mean())
    assert calibration.test_selective_risk == pytest.approx(outcome.test_losses[covered].mean())
    assert outcome.confidence == "selection_head"


def test_regression_selectivenet_with_mc_dropout_confidence(diabetes):
    settings = TrainingSettings(
        backbone=BackboneSettings("mlp", hidden_sizes=(32,), dropout=0.2), objective="selectivenet",
        selective=SelectiveLossOptions(0.8), fit=FitOptions(max_epochs=5), confidence="mc_dropout",
        mc_dropout_passes=10,
    )
    outcome = train(settings, diabetes)
    assert outcome.task == "regression" and outcome.confidence == "mc_dropout"
    # MSE in the targets' own units (targets span ~25..346; predicting the mean gives ~6000)
    assert 1000 < outcome.test_risk < 8000
    assert outcome.test_losses == pytest.approx((outcome.test_predictions - diabetes.test.y) ** 2, rel=1e-4)


def test_settings_refuse_inconsistent_choices(diabetes):
    with pytest.raises(InvalidArgument) as raised:
        TrainingSettings(confidence="selection_head")
    assert raised.value.field == "spec.confidence_function"
    with pytest.raises(InvalidArgument) as raised:
        TrainingSettings(confidence="mc_dropout")
    assert raised.value.field == "spec.backbone.dropout"
    with pytest.raises(InvalidArgument) as raised:
        train(TrainingSettings(confidence="softmax_response"), diabetes)
    assert raised.value.field == "spec.confidence_function"
