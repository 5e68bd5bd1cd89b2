import numpy as np
import pytest
import torch

from tessel.zoo import margin, negative_entropy, softmax_response
from tessel_active_learner.core.uncertainty_sampling import least_confident


def test_each_confidence_queries_the_uncertain_point_first() -> None:
    logits = torch.log(torch.tensor([[0.98, 0.01, 0.01], [0.4, 0.35, 0.25], [0.7, 0.2, 0.1]]))
    for confidence in (softmax_response, margin, negative_entropy):
        assert least_confident(confidence(logits).numpy(), np.arange(3), 2) == [1, 2]


def test_margin_and_negative_entropy_values() -> None:
    probs = torch.tensor([[0.5, 0.3, 0.2]])
    assert margin(probs.log()).item() == pytest.approx(0.2)
    assert negative_entropy(probs.log()).item() == pytest.approx(float((probs * probs.log()).sum()))


def test_ties_go_to_the_lowest_index_and_picks_are_unique_unlabelled() -> None:
    rng = np.random.default_rng(0)
    confidence = np.round(rng.random(100), 1)  # many ties
    unlabelled = np.setdiff1d(np.arange(100), rng.choice(100, 30, replace=False))
    picks = least_confident(confidence, unlabelled, 25)
    assert len(set(picks)) == 25 and set(picks) <= set(unlabelled.tolist())
    expected = sorted(unlabelled.tolist(), key=lambda i: (confidence[i], i))[:25]
    assert picks == expected
