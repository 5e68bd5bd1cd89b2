"""AES and PES on constructed snapshots; AURC with the metrics service's tie rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.runtime.errors import InvalidArgument
from tessel.zoo import softmax_response
from tessel.zoo.evaluation import aurc
from tessel.zoo.snapshot_confidence import (
    averaged_early_stopping,
    class_confidence,
    evenly_spaced,
    fit_pointwise_early_stopping,
)


def test_aurc_matches_the_hand_toy_and_averages_ties():
    # §7.4 toy: losses by decreasing confidence 0, 1, 0, 1, 0 -> risks 0, 1/2, 1/3, 2/4, 2/5
    losses = np.array([0, 1, 0, 1, 0], float)
    confidence = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    area, excess = aurc(losses, confidence)
    assert area == pytest.approx((0 + 1 / 2 + 1 / 3 + 2 / 4 + 2 / 5) / 5)
    assert area - excess == pytest.approx((0 + 0 + 0 + 1 / 4 + 2 / 5) / 5)
    # one tie group: its members share the mean loss, whatever their input order
    tied = np.array([0.5, 0.5, 0.5, 0.5, 0.5])
    assert aurc(losses, tied)[0] == pytest.approx(0.4)
    assert aurc(losses[::-1], tied)[0] == pytest.approx(0.4)


def test_aes_with_one_snapshot_is_its_softmax_response_for_the_final_class():
    logits = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    probabilities = torch.softmax(logits, -1).numpy()[None]
    predicted = probabilities[0].argmax(-1)
    aes = averaged_early_stopping(class_confidence(probabilities, predicted))
    np.testing.assert_allclose(aes, softmax_response(logits).numpy(), rtol=1e-6)


def test_aes_reads_the_final_class_not_each_snapshots_own_argmax():
    early = np.array([[[0.9, 0.1]], [[0.2, 0.8]]])  # snapshot 0 prefers class 0, the final one class 1
    values = class_confidence(early, np.array([1]))
    assert values[:, 0].tolist() == [0.1, 0.8]
    assert averaged_early_stopping(values)[0] == pytest.approx(0.45)


def _constructed(n: int, rng: np.random.Generator):
    """An early snapshot that ranks the confident region well and the rest badly; the final one the other
    way round (its confident region is jittered), errors rising with the latent difficulty."""
    difficulty = rng.random(n)
    losses = (rng.random(n) < np.where(difficulty < 0.3, difficulty, 0.3 + difficulty)).astype(float)
    easy = difficulty < 0.3
    early = np.where(easy, 1.0 - difficulty, 0.7 * rng.random(n))
    final = np.where(easy, 0.7 + 0.3 * rng.random(n), 1.0 - difficulty)
    return np.stack([early, final]), losses


def test_pes_beats_the_final_snapshots_sr_where_an_earlier_snapshot_ranks_the_top_better():
    rng = np.random.default_rng(0)
    val_conf, val_losses = _constructed(3000, rng)
    test_conf, test_losses = _constructed(3000, rng)
    pes = fit_pointwise_early_stopping(val_conf, val_losses, peel_fraction=0.05, min_region=20)
    assert pes.rules[0].snapshot == 0 and pes.rules[-1].snapshot == 1
    _, sr_excess = aurc(test_losses, test_conf[1])
    _, pes_excess = aurc(test_losses, pes.confidence(test_conf))
    assert pes_excess < 0.8 * sr_excess
    # a one-snapshot PES ranks exactly like that snapshot
    single = fit_pointwise_early_stopping(val_conf[1:], val_losses)
    assert aurc(test_losses, single.confidence(test_conf[1:])) == pytest.approx(aurc(test_losses, test_conf[1]))


def test_pes_rules_cover_validation_and_levels_order_new_points():
    rng = np.random.default_rng(1)
    conf, losses = _constructed(500, rng)
    pes = fit_pointwise_early_stopping(conf, losses, peel_fraction=0.1, min_region=10)
    fired = pes.confidence(conf)
    assert np.isfinite(fired).all()
    top = fired >= len(pes.rules)  # the first rule's level
    assert (conf[pes.rules[0].snapshot][top] >= pes.rules[0].threshold).all()
    assert pes.to_dict()["validation_examples"] == 500


def test_bad_inputs_name_their_field():
    with pytest.raises(InvalidArgument) as error:
        fit_pointwise_early_stopping(np.zeros((2, 5)), np.zeros(4))
    assert error.value.field == "losses"
    with pytest.raises(InvalidArgument) as error:
        class_confidence(np.zeros((1, 3, 2)), np.array([0, 2, 1]))
    assert error.value.field == "predictions"
    with pytest.raises(InvalidArgument) as error:
        averaged_early_stopping(np.zeros((0, 3)))
    assert error.value.field == "snapshots"
    assert evenly_spaced(20, 5) == [0, 5, 10, 14, 19]
    assert evenly_spaced(11, 4, start_fraction=0.4) == [4, 6, 8, 10]
    assert evenly_spaced(3, 10) == [0, 1, 2]


def test_zoo_risk_coverage_uses_the_metrics_tie_rule():
    from tessel.zoo import risk_coverage_table, selective_risk_at_coverage
    from tessel_metrics.core.risk_coverage import risk_coverage

    rng = np.random.default_rng(3)
    confidence = rng.integers(0, 4, 200).astype(float)  # four big tie groups
    losses = (rng.random(200) < 0.3).astype(float)
    metrics = risk_coverage(losses, confidence, coverage=0.5)
    assert selective_risk_at_coverage(confidence, losses, 0.5) == pytest.approx(metrics.risk_at_coverage)
    assert aurc(losses, confidence) == pytest.approx((metrics.aurc, metrics.e_aurc))
    # input order cannot change the answer
    order = rng.permutation(200)
    assert selective_risk_at_coverage(confidence[order], losses[order], 0.5) == pytest.approx(metrics.risk_at_coverage)
    assert dict(risk_coverage_table(confidence, losses))[0.5] == pytest.approx(metrics.risk_at_coverage)
