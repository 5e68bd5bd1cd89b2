"""The search problem: budgets, per-layer rules, the linear measures they bound, and the exact check.

Every budget becomes an upper limit on one linear measure (a sum over the chosen variants plus the
non-block overhead), so the MIP, the baselines and the re-check share one definition:
  params ≤ max_params; weights + KV cache ≤ max_memory_bytes; prefill ≤ max_time_to_first_token_seconds;
  latency = prefill + (generation − 1) × decode step ≤ max_latency_seconds (the prefill yields the first
  token; the block-scorer's measurement job predicts and times a generation the same way);
  throughput = batch × generation / latency ≥ min ⇔ latency ≤ batch × generation / min;
  speedup = parent latency / latency ≥ target ⇔ latency ≤ parent latency / target.
The scored library's `kv_cache_bytes` already covers the scenario's batch (see tessel.llm.scored_library).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tessel.llm.scored_library import SUBBLOCKS, Cost, Scenario, ScoredLibrary
from tessel.runtime.errors import FailedPrecondition, InvalidArgument

def decode_steps(scenario: Scenario) -> int:
    """Decode steps of one generation: the prefill gives the first token."""
    return max(scenario.generation_length - 1, 1)


# Linear measures: the cost of one variant (or of the overhead) under each.
MEASURES: dict[str, Callable[[Cost, Scenario], float]] = {
    "params": lambda c, s: c.params,
    "memory_bytes": lambda c, s: c.weight_bytes + c.kv_cache_bytes,
    "time_to_first_token_seconds": lambda c, s: c.prefill_seconds,
    "latency_seconds": lambda c, s: c.prefill_seconds + decode_steps(s) * c.decode_seconds_per_token,
}
INTEGER_MEASURES = ("params", "memory_bytes")
# Budget name (the proto field of tessel.arch.v1.Budget) -> the measure it bounds.
BUDGET_MEASURES = {
    "max_params": "params",
    "max_memory_bytes": "memory_bytes",
    "max_time_to_first_token_seconds": "time_to_first_token_seconds",
    "max_latency_seconds": "latency_seconds",
    "min_throughput_tokens_per_second": "latency_seconds",
    "target_speedup": "latency_seconds",
}
LOWER_BOUNDS = ("min_throughput_tokens_per_second", "target_speedup")  # budgets that must be positive
MAX_VARIANTS = 100_000  # a request's MIP size bound (Llama-70B's whole space is 80 × 15 = 1,200)


class InfeasibleBudget(FailedPrecondition):
    """No architecture meets the budgets; `budget` is the binding one, `tightest` its best achievable value."""

    def __init__(self, budget: str, limit: float, tightest: float, *, prefix: str = "budget") -> None:
        bound = "at least" if budget in LOWER_BOUNDS else "at most"
        super().__init__(
            f"no architecture meets {budget} {bound} {limit:g} under the other budgets and rules; "
            f"the tightest achievable is {tightest:.6g}", field=f"{prefix}.{budget}")
        self.budget, self.limit, self.tightest = budget, limit, tightest


@dataclass(frozen=True)
class LayerRules:
    keep_attention_layers: frozenset[int] = frozenset()  # attention is not a no-op at these layers
    keep_parent: frozenset[tuple[int, str]] = frozenset()  # (layer, subblock) that keep the parent variant
    max_no_op_attention: int | None = None
    max_no_op_ffn: int | None = None


@dataclass
class Problem:
    """A validated scored library with its groups, the budgets as measure limits, and the rules."""

    library: ScoredLibrary
    metric: str
    budgets: dict[str, float]
    rules: LayerRules
    groups: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # -> indices into variants

    @property
    def variants(self):
        return self.library.variants

    def parent_choice(self) -> list[int] | None:
        parents = {key: [i for i in members if self.variants[i].is_parent] for key, members in self.groups.items()}
        return None if any(len(p) != 1 for p in parents.values()) else [p[0] for p in parents.values()]

    def coefficient(self, measure: str, index: int) -> float:
        return MEASURES[measure](self.variants[index].cost, self.library.scenario)

    def measure(self, measure: str, chosen: Iterable[int]) -> float:
        scenario = self.library.scenario
        cost_of = MEASURES[measure]
        total = cost_of(self.library.overhead, scenario) + sum(cost_of(self.variants[i].cost, scenario) for i in chosen)
        return int(total) if measure in INTEGER_MEASURES else float(total)

    def parent_latency(self) -> float | None:
        parent = self.parent_choice()
        return None if parent is None else self.measure("latency_seconds", parent)

    def limit(self, budget: str, value: float | None = None) -> float:
        """The upper limit `budget` (at `value`, default its requested value) puts on its measure."""
        value = self.budgets[budget] if value is None else value
        if budget == "min_throughput_tokens_per_second":
            return self.tokens_per_request() / value
        if budget == "target_speedup":
            return self.parent_latency() / value
        return value

    def budget_value(self, budget: str, measure_value: float) -> float:
        """The inverse of `limit`: the budget's own unit for a measure value (e.g. latency -> tokens/s)."""
        if budget == "min_throughput_tokens_per_second":
            return self.tokens_per_request() / measure_value if measure_value > 0 else math.inf
        if budget == "target_speedup":
            return self.parent_latency() / measure_value if measure_value > 0 else math.inf
        return measure_value

    def tokens_per_request(self) -> int:
        return self.library.scenario.batch_size * self.library.scenario.generation_length

    def is_no_op(self, index: int) -> bool:
        return self.variants[index].config.get("kind") == "no_op"

    def totals(self, chosen: list[int]) -> dict[str, float]:
        """Every measure of an assignment plus the derived throughput and speedup (for reports)."""
        out: dict[str, float] = {name: self.measure(name, chosen) for name in MEASURES}
        out["weight_bytes"] = self.library.overhead.weight_bytes + sum(self.variants[i].cost.weight_bytes for i in chosen)
        out["kv_cache_bytes"] = self.library.overhead.kv_cache_bytes + sum(
            self.variants[i].cost.kv_cache_bytes for i in chosen)
        latency = out["latency_seconds"]
        out["throughput_tokens_per_second"] = self.tokens_per_request() / latency if latency > 0 else math.inf
        parent_latency = self.parent_latency()
        out["speedup"] = parent_latency / latency if parent_latency and latency > 0 else 0.0
        return out

    def violations(self, chosen: list[int]) -> list[str]:
        """What an assignment breaks, checked exactly in Python arithmetic (never the solver's tolerance)."""
        broken = []
        keys = [(self.variants[i].layer, self.variants[i].subblock) for i in chosen]
        if sorted(keys) != sorted(self.groups):
            broken.append("not exactly one variant per (layer, subblock)")
        for name in self.budgets:
            value = self.measure(BUDGET_MEASURES[name], chosen)
            if value > self.limit(name):
                broken.append(f"{name} (measure {value:.6g} > {self.limit(name):.6g})")
        rules = self.rules
        for i in chosen:
            v = self.variants[i]
            if (v.layer, v.subblock) in rules.keep_parent and not v.is_parent:
                broken.append(f"rules.keep_parent ({v.layer}, {v.subblock})")
            if v.subblock == "attention" and v.layer in rules.keep_attention_layers and self.is_no_op(i):
                broken.append(f"rules.keep_attention_layers ({v.layer})")
        for subblock, limit in (("attention", rules.max_no_op_attention), ("ffn", rules.max_no_op_ffn)):
            count = sum(1 for i in chosen if self.variants[i].subblock == subblock and self.is_no_op(i))
            if limit is not None and count > limit:
                broken.append(f"rules.max_no_op_{subblock} ({count} > {limit})")
        return broken

    def allowed(self, index: int) -> bool:
        """Whether the per-(layer, subblock) rules allow a variant at all (the count rules are global)."""
        v = self.variants[index]
        if (v.layer, v.subblock) in self.rules.keep_parent and not v.is_parent:
            return False
        return not (v.subblock == "attention" and v.layer in self.rules.keep_attention_layers and self.is_no_op(index))

    def score(self, index: int) -> float:
        return self.variants[index].scores[self.metric].mean

    def objective(self, chosen: list[int]) -> float:
        return sum(self.score(i) for i in chosen)


def make_problem(library: ScoredLibrary, *, metric: str = "kl", budgets: dict[str, float] | None = None,
                 rules: LayerRules | None = None, scenario: Scenario | None = None) -> Problem:
    """Validate the request (fields named as in tessel.arch.v1.SolveRequest) and index the library."""
    if not library.variants:
        raise InvalidArgument("the scored library has no variants", field="scored_library")
    if len(library.variants) > MAX_VARIANTS:
        raise InvalidArgument(f"has {len(library.variants)} variants, more than the {MAX_VARIANTS} a solve accepts",
                              field="scored_library")
    library.validate(field="scored_library")
    if scenario is not None and _scenario_key(scenario) != _scenario_key(library.scenario):
        raise InvalidArgument(
            f"the scored library's costs are for scenario {_scenario_key(library.scenario)}, "
            f"not {_scenario_key(scenario)}", field="scenario")
    for v in library.variants:
        _check_cost(v.cost, f"layer {v.layer} {v.subblock}")
    _check_cost(library.overhead, "overhead")
    if metric not in library.metrics():
        raise InvalidArgument(f"unknown metric {metric!r}; library has {sorted(library.metrics())}",
                              field="options.metric")
    budgets = dict(budgets or {})
    for name, value in budgets.items():
        if name not in BUDGET_MEASURES:
            raise InvalidArgument(f"unknown budget; one of {', '.join(BUDGET_MEASURES)}", field=f"budget.{name}")
        if not math.isfinite(value) or value < 0 or (name in LOWER_BOUNDS and value == 0):
            raise InvalidArgument(f"must be {'positive' if name in LOWER_BOUNDS else 'non-negative'}, got {value}",
                                  field=f"budget.{name}")
    rules = rules or LayerRules()
    _check_rules(rules, library)
    problem = Problem(library=library, metric=metric, budgets=budgets, rules=rules)
    for i, v in enumerate(library.variants):
        problem.groups.setdefault((v.layer, v.subblock), []).append(i)
    if "target_speedup" in budgets and problem.parent_latency() is None:
        raise InvalidArgument("needs exactly one parent variant per (layer, subblock) in the scored library",
                              field="budget.target_speedup")
    if rules.keep_parent and problem.parent_choice() is None:
        raise InvalidArgument("needs exactly one parent variant per (layer, subblock)", field="options.rules.keep_parent")
    for key, members in problem.groups.items():
        if not any(problem.allowed(i) for i in members):
            raise FailedPrecondition(f"the rules leave no variant for {key}", field="options.rules")
    return problem


def _scenario_key(s: Scenario) -> tuple:
    return (s.device, s.dtype, s.batch_size, s.prompt_length, s.generation_length)


def _check_cost(cost: Cost, where: str) -> None:
    values = (cost.params, cost.weight_bytes, cost.kv_cache_bytes, cost.prefill_seconds, cost.decode_seconds_per_token)
    if not all(math.isfinite(x) and x >= 0 for x in values):
        raise InvalidArgument(f"the cost of {where} is negative or not finite", field="scored_library")


def _check_rules(rules: LayerRules, library: ScoredLibrary) -> None:
    prefix = "options.rules"
    for layer in rules.keep_attention_layers:
        if not 0 <= layer < library.num_layers:
            raise InvalidArgument(f"layer {layer} is out of range [0, {library.num_layers})",
                                  field=f"{prefix}.keep_attention_layers")
    for layer, subblock in rules.keep_parent:
        if not 0 <= layer < library.num_layers or subblock not in SUBBLOCKS:
            raise InvalidArgument(f"({layer}, {subblock!r}) is not a (layer, subblock) of the library",
                                  field=f"{prefix}.keep_parent")
    for name in ("max_no_op_attention", "max_no_op_ffn"):
        value = getattr(rules, name)
        if value is not None and value < 0:
            raise InvalidArgument(f"must be non-negative, got {value}", field=f"{prefix}.{name}")
