"""iNAS, the incremental architecture search of active-iNAS (Geifman & El-Yaniv, NeurIPS 2019).

The search space is ResNet-style A(B, b, s): s stacks of b basic blocks each. From the current (b, s) a
round considers its local neighbourhood (`neighbourhood`):
- keep: [b] * s;
- one block deeper: [b + 1] * s, while b < 12;
- one more stack at about the same total blocks: [floor(b * s / (s + 1)) + 1] * (s + 1), while s < 5
  (e.g. [2, 2] -> [2, 2, 2], [12, 12, 12, 12] -> [10, 10, 10, 10, 10]; not "+1 stack of 1 block").
Each candidate is trained from scratch on a seeded 80 % of the labelled set and scored by its accuracy on
the other 20 %; the best (ties to the earlier candidate, so "keep" wins a tie) is taken. With more than one
iteration the search moves on from the winner and stops when the winner is the current structure; scores
are cached per structure within a search. Capacity never shrinks: the search starts where the last left off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tessel.runtime.errors import InvalidArgument

MAX_BLOCKS_PER_STACK = 12
MAX_STACKS = 5
VALIDATION_FRACTION = 0.2


@dataclass(frozen=True)
class Structure:
    blocks: int  # basic blocks per stack
    stacks: int

    def __post_init__(self) -> None:
        if self.blocks < 1 or self.stacks < 1:
            raise InvalidArgument(f"needs >= 1 block and >= 1 stack, got {self.blocks} x {self.stacks}",
                                  field="structure")

    @property
    def blocks_per_stack(self) -> tuple[int, ...]:
        return (self.blocks,) * self.stacks

    @property
    def total_blocks(self) -> int:
        return self.blocks * self.stacks

    @classmethod
    def from_blocks(cls, blocks_per_stack: tuple[int, ...] | list[int]) -> Structure:
        if not blocks_per_stack or len(set(blocks_per_stack)) != 1:
            raise InvalidArgument(f"iNAS structures have equal stacks, got {list(blocks_per_stack)}", field="structure")
        return cls(int(blocks_per_stack[0]), len(blocks_per_stack))


INITIAL = Structure(1, 1)  # A(B, 1, 1)


def neighbourhood(current: Structure, max_blocks: int = MAX_BLOCKS_PER_STACK,
                  max_stacks: int = MAX_STACKS) -> list[Structure]:
    """keep, deeper, more stacks (in that order; the last two only inside the search space)."""
    moves = [current]
    if current.blocks < max_blocks:
        moves.append(Structure(current.blocks + 1, current.stacks))
    if current.stacks < max_stacks:
        moves.append(Structure(current.total_blocks // (current.stacks + 1) + 1, current.stacks + 1))
    return moves


@dataclass(frozen=True)
class CandidateScore:
    structure: Structure
    validation_accuracy: float
    parameters: int


@dataclass
class SearchOutcome:
    structure: Structure  # the winner: it serves the round and is where the next search starts
    scores: list[CandidateScore] = field(default_factory=list)  # every candidate trained, in order
    iterations: int = 0


Scorer = Callable[[Structure], CandidateScore]


def search(start: Structure, score: Scorer, *, iterations: int = 1, max_blocks: int = MAX_BLOCKS_PER_STACK,
           max_stacks: int = MAX_STACKS) -> SearchOutcome:
    """Up to `iterations` neighbourhood steps from `start`, stopping once the current structure wins."""
    if iterations < 1:
        raise InvalidArgument(f"must be >= 1, got {iterations}", field="inas_iterations")
    cache: dict[Structure, CandidateScore] = {}
    outcome = SearchOutcome(structure=start)
    current = start
    for _ in range(iterations):
        outcome.iterations += 1
        scored = []
        for candidate in neighbourhood(current, max_blocks, max_stacks):
            if candidate not in cache:
                cache[candidate] = score(candidate)
                outcome.scores.append(cache[candidate])
            scored.append(cache[candidate])
        # max() keeps the first of equal scores: the current structure, then the deeper one.
        best = max(scored, key=lambda s: s.validation_accuracy).structure
        outcome.structure = best
        if best == current:
            break
        current = best
    return outcome


def split_labelled(labelled: np.ndarray, seed: int, fraction: float = VALIDATION_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """A seeded (train, validation) split of the labelled indices: about `fraction` held out, at least one
    example on each side."""
    labelled = np.asarray(labelled, dtype=np.int64)
    if len(labelled) < 2:
        raise InvalidArgument(f"needs at least 2 labelled examples to split, got {len(labelled)}", field="labelled")
    held_out = min(len(labelled) - 1, max(1, round(fraction * len(labelled))))
    order = np.random.default_rng(seed).permutation(len(labelled))
    return np.sort(labelled[order[held_out:]]), np.sort(labelled[order[:held_out]])
