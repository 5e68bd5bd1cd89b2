"""SelectiveNet's epoch choice and its coverage calibration use disjoint parts of validation.

Review measured realised test coverage of 0.78-0.79 for a 0.8 target when one validation split both chose
the epoch and set the threshold. Here the same trained models are calibrated both ways side by side: on
the part that chose the epoch (the old procedure) and on the held-out calibration part (the fix).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import InvalidArgument
from tessel.zoo import FitOptions, predict
from tessel.zoo.selectivenet import selectivenet_from_bytes
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions, calibrate_threshold
from tessel_selective_trainer.core.training_job import (
    CALIBRATION_SPLIT,
    EPOCH_SELECTION_SPLIT,
    TrainingSettings,
    split_validation,
    train,
)

TARGET = 0.8


def _selection_head(outcome, x: np.ndarray) -> np.ndarray:
    model = selectivenet_from_bytes(outcome.model_bytes)
    return predict(model, torch.as_tensor(x, dtype=torch.float32)).selection.numpy()


def test_held_out_calibration_lands_test_coverage_closer_to_the_target():
    data = load_dataset("mnist1d", seed=0)
    same_split, held_out = [], []
    for seed in range(3):
        settings = TrainingSettings(objective="selectivenet", selective=SelectiveLossOptions(TARGET),
                                    fit=FitOptions(max_epochs=15, patience=2, seed=seed), max_train_examples=2000)
        outcome = train(settings, data)
        selection, _ = split_validation(len(data.val.x), 0.5, seed)
        biased = calibrate_threshold(_selection_head(outcome, data.val.x[selection]), TARGET)
        same_split.append(float((outcome.test_selection_head >= biased).mean()))
        held_out.append(outcome.calibration.test_coverage)
    # measured: same-split 0.765 / 0.799 / 0.774 (mean 0.779, the bias review saw); held out 0.806 / 0.787 / 0.842
    assert np.mean(same_split) < TARGET - 0.015
    assert abs(np.mean(held_out) - TARGET) < abs(np.mean(same_split) - TARGET)


def test_outcome_records_splits_and_both_selectivenet_confidences(digits):
    settings = TrainingSettings(objective="selectivenet", selective=SelectiveLossOptions(0.7, calibration_fraction=0.25),
                                fit=FitOptions(max_epochs=3), confidence="softmax_response")
    outcome = train(settings, digits)
    assert outcome.split_uses == [("train", "train"), ("choose epoch", EPOCH_SELECTION_SPLIT),
                                  ("calibrate selection threshold", CALIBRATION_SPLIT), ("report outputs", "test")]
    assert outcome.calibration.calibration_examples == round(0.25 * len(digits.val.x))
    assert outcome.test_softmax_response == pytest.approx(outcome.test_confidence)
    g = _selection_head(outcome, digits.test.x)
    assert outcome.test_selection_head == pytest.approx(g, abs=1e-6)
    assert not np.allclose(outcome.test_selection_head, outcome.test_softmax_response)
    covered = outcome.test_selection_head >= outcome.calibration.threshold
    assert outcome.calibration.test_coverage == pytest.approx(covered.mean())


def test_standard_model_has_neither_head_nor_calibration(digits):
    outcome = train(TrainingSettings(fit=FitOptions(max_epochs=1)), digits)
    assert outcome.test_selection_head is None and outcome.test_softmax_response is None
    assert outcome.calibration is None and ("choose epoch", "validation") in outcome.split_uses


def test_validation_halves_are_disjoint_and_seeded():
    selection, calibration = split_validation(10, 0.3, seed=4)
    assert len(calibration) == 3 and len(selection) == 7
    assert sorted([*selection, *calibration]) == list(range(10))
    assert np.array_equal(split_validation(10, 0.3, seed=4)[1], calibration)
    with pytest.raises(InvalidArgument) as raised:
        SelectiveLossOptions(0.8, calibration_fraction=1.0)
    assert raised.value.field == "spec.selectivenet.calibration_fraction"
