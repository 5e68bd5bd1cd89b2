"""The estimation core without transport: methods agree with the zoo functions, split discipline holds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import model_from_bytes, softmax_response
from tessel.zoo.mc_dropout import MCDropoutSettings
from tessel_uncertainty_estimator.core.estimation import EstimationSettings, estimate
from tessel_uncertainty_estimator.core.outputs import confidence_from_outputs


def _final(run):
    return model_from_bytes(run.model_bytes)


def _test_logits(run):
    return _final(run)(torch.as_tensor(run.data.test.x, dtype=torch.float32)).detach()


def test_softmax_response_and_aes_of_the_final_model_alone_agree(digits_run):
    sr = estimate(EstimationSettings("softmax_response"), _final(digits_run), [], digits_run.data)
    aes = estimate(EstimationSettings("aes"), _final(digits_run), [(6, _final(digits_run))], digits_run.data)
    expected = softmax_response(_test_logits(digits_run)).numpy()
    np.testing.assert_allclose(sr.confidence, expected, rtol=1e-6)
    np.testing.assert_allclose(aes.confidence, expected, rtol=1e-6)
    assert np.array_equal(sr.predictions, aes.predictions) and aes.snapshot_epochs == [6]
    assert sr.split_uses == [("predict", "test")]


def test_pes_learns_on_validation_and_records_it(digits_run):
    snapshots = [(epoch, model_from_bytes(data)) for epoch, data in digits_run.snapshots]
    outcome = estimate(EstimationSettings("pes", min_region=10), _final(digits_run), snapshots, digits_run.data)
    assert ("learn pes rules", "validation") in outcome.split_uses
    assert all(epoch in outcome.snapshot_epochs for epoch, _ in outcome.pes_rules)
    # reporting on validation means learning on test; learning on the reported split is refused
    with pytest.raises(InvalidArgument) as error:
        EstimationSettings("pes", split="validation")
    assert error.value.field == "spec.learning_split"
    with pytest.raises(InvalidArgument) as error:
        estimate(EstimationSettings("pes"), _final(digits_run), [], digits_run.data)
    assert error.value.field == "spec.snapshots"


def test_mc_dropout_differs_from_sr_and_serves_the_deterministic_prediction_by_default(digits_run):
    settings = EstimationSettings("mc_dropout", mc=MCDropoutSettings(passes=10, seed=1))
    outcome = estimate(settings, _final(digits_run), [], digits_run.data)
    logits = _test_logits(digits_run)
    assert np.array_equal(outcome.predictions, logits.argmax(-1).numpy()) and outcome.served == "deterministic"
    assert np.abs(outcome.confidence - softmax_response(logits).numpy()).max() > 1e-3


def test_output_aes_with_one_snapshot_is_sr():
    logits = np.random.default_rng(0).normal(size=(30, 5))
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    aes = confidence_from_outputs("aes", stacked_probabilities=probabilities[None])
    sr = confidence_from_outputs("softmax_response", logits=logits)
    np.testing.assert_allclose(aes.confidence, sr.confidence, rtol=1e-6)
    assert np.array_equal(aes.predictions, sr.predictions)
