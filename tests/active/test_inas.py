"""iNAS moves follow the paper's rule (keep / deeper / one more stack at about the same total blocks)."""

from __future__ import annotations

import numpy as np
import pytest

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.inas import INITIAL, CandidateScore, Structure, neighbourhood, search, split_labelled


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ([1], [[1], [2], [1, 1]]),
        ([2, 2], [[2, 2], [3, 3], [2, 2, 2]]),
        ([3, 3], [[3, 3], [4, 4], [3, 3, 3]]),  # 6 blocks -> 3 stacks of floor(6/3)+1 = 3
        ([4, 4, 4], [[4, 4, 4], [5, 5, 5], [4, 4, 4, 4]]),  # 12 -> floor(12/4)+1 = 4
        ([5, 5], [[5, 5], [6, 6], [4, 4, 4]]),  # 10 -> floor(10/3)+1 = 4: fewer blocks per stack
        ([12, 12, 12, 12], [[12] * 4, [10] * 5]),  # no deeper past 12 blocks; 48 -> floor(48/5)+1 = 10
        ([7] * 5, [[7] * 5, [8] * 5]),  # no more stacks past 5
        ([12] * 5, [[12] * 5]),  # the corner of the search space: only keep
    ],
)
def test_neighbourhood_matches_the_paper(current, expected):
    moves = neighbourhood(Structure.from_blocks(current))
    assert [list(m.blocks_per_stack) for m in moves] == expected


def scorer(table: dict[tuple[int, int], float], calls: list):
    def score(structure: Structure) -> CandidateScore:
        calls.append(structure)
        return CandidateScore(structure, table.get((structure.blocks, structure.stacks), 0.0), structure.total_blocks)
    return score


def test_one_iteration_takes_the_best_candidate():
    calls: list = []
    outcome = search(INITIAL, scorer({(1, 1): 0.5, (2, 1): 0.7, (1, 2): 0.6}, calls))
    assert outcome.structure == Structure(2, 1) and outcome.iterations == 1
    assert calls == [Structure(1, 1), Structure(2, 1), Structure(1, 2)]


def test_ties_keep_the_current_structure():
    outcome = search(Structure(2, 2), scorer({(2, 2): 0.6, (3, 2): 0.6, (2, 3): 0.6}, []))
    assert outcome.structure == Structure(2, 2)


def test_more_iterations_walk_on_and_stop_when_the_current_wins_with_cached_scores():
    calls: list = []
    table = {(1, 1): 0.1, (2, 1): 0.2, (1, 2): 0.3, (2, 2): 0.2, (1, 3): 0.25}
    outcome = search(INITIAL, scorer(table, calls), iterations=5)
    # [1] -> [1,1] (0.3) -> candidates [1,1] (cached), [2,2], [1,1,1]: [1,1] wins, stop.
    assert outcome.structure == Structure(1, 2) and outcome.iterations == 2
    assert calls == [Structure(1, 1), Structure(2, 1), Structure(1, 2), Structure(2, 2), Structure(1, 3)]
    assert [s.structure for s in outcome.scores] == calls


def test_split_is_80_20_seeded_and_disjoint():
    labelled = np.arange(100, 150)
    train, validation = split_labelled(labelled, seed=3)
    assert len(validation) == 10 and len(train) == 40
    assert sorted(np.concatenate([train, validation]).tolist()) == labelled.tolist()
    again = split_labelled(labelled, seed=3)
    assert train.tolist() == again[0].tolist() and validation.tolist() == again[1].tolist()
    assert split_labelled(labelled, seed=4)[1].tolist() != validation.tolist()
    assert [len(part) for part in split_labelled(np.array([1, 2]), seed=0)] == [1, 1]


def test_unequal_stacks_are_not_inas_structures():
    with pytest.raises(InvalidArgument):
        Structure.from_blocks([2, 1])
