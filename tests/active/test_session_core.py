"""A whole session on a small real dataset (digits): rounds, budgets, iNAS growth, simulated vs external."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import InvalidArgument
from tessel.zoo import BackboneConfig, FitOptions
from tessel_active_learner.core.session import SessionSettings, SessionState, advance, check_budget, pool_indices


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def settings(digits, **changes) -> SessionSettings:
    values = dict(
        strategy="coreset", policy="fixed",
        backbone=BackboneConfig("mlp", digits.input_shape, hidden_sizes=(32,)),
        initial_size=20, batch_size=15, label_budget=50, pool_size=400,
        fit=FitOptions(max_epochs=10, batch_size=10, learning_rate=0.01, seed=1),
    )
    return SessionSettings(**{**values, **changes})


def test_simulated_session_runs_to_the_budget_with_one_log_per_round(digits):
    config = settings(digits)
    pool = pool_indices(len(digits.train), config.pool_size, 1)
    state = SessionState()
    assert advance(config, digits, pool, state, simulated=True)
    assert [r.labelled_count for r in state.rounds] == [20, 35, 50]
    assert len(set(state.labelled)) == 50 and set(state.labelled) <= set(pool.tolist())
    assert state.labels == digits.train.y[state.labelled].tolist()
    assert all(0.0 <= r.test_accuracy <= 1.0 and 1 <= r.selected_epoch <= 10 for r in state.rounds)
    assert state.rounds[-1].test_accuracy > 0.3  # 50 digits labels beat chance (0.1) by far


def test_external_session_stops_for_labels_and_continues_where_it_stopped(digits):
    config = settings(digits, label_budget=35)
    pool = pool_indices(len(digits.train), config.pool_size, 1)
    state = SessionState()
    assert not advance(config, digits, pool, state, simulated=False)
    assert len(state.pending) == 20 and not state.labelled and not state.rounds
    state.labelled, state.labels, state.pending = state.pending, digits.train.y[state.pending].tolist(), []
    assert not advance(config, digits, pool, state, simulated=False)
    assert len(state.rounds) == 1 and len(state.pending) == 15 and not set(state.pending) & set(state.labelled)
    state.labelled += state.pending
    state.labels += digits.train.y[state.pending].tolist()
    state.pending = []
    assert advance(config, digits, pool, state, simulated=False)
    assert [r.labelled_count for r in state.rounds] == [20, 35]


def test_inas_grows_from_one_block_and_logs_its_candidates(digits):
    config = settings(digits, policy="inas", strategy="least_confidence",
                      backbone=BackboneConfig("resnet", digits.input_shape, base_width=4), label_budget=35,
                      fit=FitOptions(max_epochs=2, learning_rate=0.01, seed=1))
    state = SessionState()
    assert advance(config, digits, pool_indices(len(digits.train), 400, 1), state, simulated=True)
    first, second = state.rounds
    assert [list(c.structure.blocks_per_stack) for c in first.candidates] == [[1], [2], [1, 1]]
    best = max(first.candidates, key=lambda c: c.validation_accuracy)
    assert first.backbone.blocks_per_stack == best.structure.blocks_per_stack
    assert first.parameters == best.parameters
    # the second round searches from where the first one ended
    assert second.candidates[0].structure.blocks_per_stack == first.backbone.blocks_per_stack


@pytest.mark.parametrize(("changes", "field"), [(dict(label_budget=500), "label_budget"),
                                                (dict(initial_size=1), "initial_size")])
def test_budgets_are_checked_against_the_pool(digits, changes, field):
    with pytest.raises(InvalidArgument) as raised:
        check_budget(settings(digits, **changes), 400)
    assert raised.value.field == field


def test_pool_is_a_seeded_sorted_subset():
    pool = pool_indices(1000, 100, 3)
    assert len(set(pool.tolist())) == 100 and (np.diff(pool) > 0).all()
    assert pool.tolist() == pool_indices(1000, 100, 3).tolist()
    with pytest.raises(InvalidArgument):
        pool_indices(10, 11, 0)
