import numpy as np

from tessel_active_learner.core.uncertainty_scores import entropy, least_confidence, margin, top_k_unlabelled


def test_scores_rank_the_uncertain_point_first() -> None:
    probs = np.array([[0.98, 0.01, 0.01], [0.4, 0.35, 0.25], [0.7, 0.2, 0.1]])
    for score in (least_confidence, margin, entropy):
        assert top_k_unlabelled(score(probs), np.arange(3), 2) == [1, 2]


def test_top_k_returns_unique_unlabelled_indices() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=100)
    unlabelled = np.setdiff1d(np.arange(100), rng.choice(100, 30, replace=False))
    picks = top_k_unlabelled(entropy(probs), unlabelled, 25)
    assert len(set(picks)) == 25 and set(picks) <= set(unlabelled.tolist())
