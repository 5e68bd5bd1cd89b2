"""The metrics core against independent references: scikit-learn where PA coincides with a D² score,
brute force and hand-computed cases for the rest."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import d2_absolute_error_score, d2_log_loss_score, r2_score

from tessel.runtime.errors import InvalidArgument
from tessel_metrics.core.advantage import Loss, prediction_advantage
from tessel_metrics.core.risk_coverage import downsample, per_example_loss, risk_coverage

rng = np.random.default_rng(7)


def test_squared_pa_is_r2():
    y = rng.normal(size=500)
    y_hat = y + rng.normal(scale=0.5, size=500)
    report = prediction_advantage(Loss.SQUARED, y, predictions=y_hat)
    assert report.prediction_advantage == pytest.approx(r2_score(y, y_hat), rel=1e-12)


def test_absolute_pa_is_d2_absolute_error():
    y = rng.exponential(size=501)
    y_hat = y + rng.normal(scale=0.3, size=501)
    report = prediction_advantage(Loss.ABSOLUTE, y, predictions=y_hat)
    assert report.prediction_advantage == pytest.approx(d2_absolute_error_score(y, y_hat), rel=1e-12)


def test_cross_entropy_pa_is_d2_log_loss():
    logits = rng.normal(size=(400, 5))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(5, p=p) for p in probabilities])
    report = prediction_advantage(Loss.CROSS_ENTROPY, y, probabilities=probabilities)
    assert report.prediction_advantage == pytest.approx(d2_log_loss_score(y, probabilities), rel=1e-9)


def test_zero_one_pa_hand_computed_with_train_labels():
    labels = np.array([0, 1, 1, 2])
    predictions = np.array([0, 1, 2, 2])  # risk 1/4
    train = np.array([2, 2, 2, 0])  # f0 = class 2: errs on 3 of 4 evaluation labels
    report = prediction_advantage(Loss.ZERO_ONE, labels, predictions=predictions, train_labels=train)
    assert (report.risk, report.baseline_risk) == pytest.approx((0.25, 0.75))
    assert report.prediction_advantage == pytest.approx(1 - 0.25 / 0.75)
    assert report.baseline_from_train_labels


def test_zero_one_from_probabilities_uses_argmax():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    report = prediction_advantage(Loss.ZERO_ONE, np.array([0, 1, 1]), probabilities=probabilities)
    assert report.risk == pytest.approx(1 / 3)


def test_squared_pa_with_train_labels_uses_their_mean():
    y = np.array([1.0, 2.0, 3.0])
    report = prediction_advantage(Loss.SQUARED, y, predictions=y, train_labels=np.array([0.0, 0.0]))
    assert report.baseline_risk == pytest.approx((1 + 4 + 9) / 3)
    assert report.prediction_advantage == pytest.approx(1.0)


def test_worse_than_baseline_is_negative():
    report = prediction_advantage(Loss.ZERO_ONE, np.array([0, 0, 0, 1]), predictions=np.array([1, 1, 1, 0]))
    assert report.prediction_advantage == pytest.approx(1 - 1.0 / 0.25)


def test_constant_labels_make_pa_undefined():
    with pytest.raises(InvalidArgument) as caught:
        prediction_advantage(Loss.SQUARED, np.ones(4), predictions=np.zeros(4))
    assert caught.value.field == "labels"


def test_cross_entropy_with_class_missing_from_train_labels_is_rejected():
    with pytest.raises(InvalidArgument) as caught:
        prediction_advantage(
            Loss.CROSS_ENTROPY, np.array([0, 1]), probabilities=np.array([[0.5, 0.5], [0.5, 0.5]]),
            train_labels=np.array([0, 0]),
        )
    assert caught.value.field == "train_labels"


def brute_force_aurc(losses, confidence):
    """Mean over coverage levels, expected over every order of tied confidences."""
    values = []
    groups = {}
    for loss, c in zip(losses, confidence):
        groups.setdefault(c, []).append(loss)
    orders = [list(itertools.permutations(groups[c])) for c in sorted(groups, reverse=True)]
    for combination in itertools.product(*orders):
        ranked = np.concatenate(combination)
        values.append(np.mean(np.cumsum(ranked) / np.arange(1, len(ranked) + 1)))
    return float(np.mean(values))


@pytest.mark.parametrize("seed", range(5))
def test_aurc_with_ties_is_the_expectation_over_tie_orders(seed):
    generator = np.random.default_rng(seed)
    losses = generator.integers(0, 2, 8).astype(float)
    confidence = generator.integers(0, 3, 8).astype(float)  # heavy ties
    curve = risk_coverage(losses, confidence)
    assert curve.aurc == pytest.approx(brute_force_aurc(losses, confidence), rel=1e-12)


def test_aurc_does_not_depend_on_input_order_under_ties():
    losses = np.array([1, 0, 0, 1, 0, 1], dtype=float)
    confidence = np.array([0.5, 0.5, 0.9, 0.5, 0.1, 0.1])
    permutation = np.array([5, 3, 1, 0, 2, 4])
    assert risk_coverage(losses, confidence).aurc == pytest.approx(
        risk_coverage(losses[permutation], confidence[permutation]).aurc
    )


def test_optimal_aurc_is_the_exact_discrete_optimum_for_zero_one():
    losses = np.array([1, 0, 1, 0, 0, 0, 1, 0, 0, 0], dtype=float)
    n, errors = losses.size, int(losses.sum())
    expected = np.mean([max(0, k - (n - errors)) / k for k in range(1, n + 1)])
    curve = risk_coverage(losses, rng.random(n))
    assert curve.optimal_aurc == pytest.approx(expected)
    assert curve.e_aurc == pytest.approx(curve.aurc - expected)
    assert curve.e_aurc >= 0


def test_perfect_ranking_has_zero_e_aurc():
    losses = np.array([0, 0, 0, 1, 1], dtype=float)
    curve = risk_coverage(losses, np.array([5, 4, 3, 2, 1.0]))
    assert curve.e_aurc == pytest.approx(0.0)


def test_risk_at_coverage_and_coverage_at_risk():
    losses = np.array([0, 1, 0, 1], dtype=float)  # ordered by confidence below
    curve = risk_coverage(losses, np.array([0.9, 0.8, 0.7, 0.1]), coverage=0.75, risk=0.4)
    assert curve.risk_at_coverage == pytest.approx(1 / 3)
    assert curve.coverage_at_risk == pytest.approx(0.75)
    impossible = risk_coverage(np.ones(3), np.arange(3.0), risk=0.5)
    assert impossible.coverage_at_risk == 0.0


def test_regression_selective_risk_uses_squared_error():
    losses = per_example_loss(Loss.SQUARED, np.array([1.0, 2.0]), np.array([1.5, 0.0]))
    assert list(losses) == [0.25, 4.0]


@pytest.mark.parametrize("coverage", [0.0, 1.5, float("nan")])
def test_coverage_out_of_range_is_rejected(coverage):
    with pytest.raises(InvalidArgument) as caught:
        risk_coverage(np.zeros(3), np.arange(3.0), coverage=coverage)
    assert caught.value.field == "coverage"


def test_downsampling_keeps_full_coverage():
    curve = risk_coverage(rng.integers(0, 2, 1000).astype(float), rng.random(1000))
    coverage, risk, _ = downsample(curve, 7)
    assert len(coverage) == 7 and coverage[-1] == 1.0 and risk[-1] == pytest.approx(curve.error_rate)


@pytest.mark.parametrize("error_rate", [0.0, 0.01, 0.3, 1.0])
def test_optimal_aurc_for_zero_one_losses_needs_no_sort_and_matches_the_sorted_optimum(error_rate):
    rng = np.random.default_rng(7)
    losses = (rng.random(5_000) < error_rate).astype(np.float64)
    confidence = rng.random(5_000)
    curve = risk_coverage(losses, confidence)
    counts = np.arange(1, losses.size + 1)
    assert curve.optimal_aurc == pytest.approx(float((np.cumsum(np.sort(losses)) / counts).mean()), abs=1e-12)
    # float32 confidences are sorted in their own dtype: same curve as float64
    assert risk_coverage(losses, confidence.astype(np.float32)).aurc == pytest.approx(
        risk_coverage(losses, confidence.astype(np.float32).astype(np.float64)).aurc, abs=1e-12)
