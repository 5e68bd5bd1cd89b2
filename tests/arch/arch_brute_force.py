"""Brute force over every assignment of a small scored library, with its own cost model."""

import itertools
import math

from tessel_arch_solver.core.problem import LayerRules


# An independent cost model (not tessel_arch_solver.core.problem), straight from the scored-library fields.
def measures(library, chosen):
    costs = [library.overhead] + [library.variants[i].cost for i in chosen]
    gen, batch = library.scenario.generation_length, library.scenario.batch_size
    steps = gen - 1  # the prefill gives the first token
    latency = sum(c.prefill_seconds + steps * c.decode_seconds_per_token for c in costs)
    parent = [library.overhead] + [v.cost for v in library.variants if v.is_parent]
    parent_latency = sum(c.prefill_seconds + steps * c.decode_seconds_per_token for c in parent)
    return {
        "max_params": sum(c.params for c in costs),
        "max_memory_bytes": sum(c.weight_bytes + c.kv_cache_bytes for c in costs),
        "max_time_to_first_token_seconds": sum(c.prefill_seconds for c in costs),
        "max_latency_seconds": latency,
        "min_throughput_tokens_per_second": batch * gen / latency,
        "target_speedup": parent_latency / latency,
    }


def meets(library, chosen, budgets, rules=LayerRules()):
    values = measures(library, chosen)
    for name, limit in budgets.items():
        if (values[name] < limit) if name in ("min_throughput_tokens_per_second", "target_speedup") \
                else (values[name] > limit):
            return False
    picked = [library.variants[i] for i in chosen]
    if any(v.subblock == "attention" and v.layer in rules.keep_attention_layers and v.config["kind"] == "no_op"
           for v in picked):
        return False
    if any((v.layer, v.subblock) in rules.keep_parent and not v.is_parent for v in picked):
        return False
    no_op_attention = sum(v.subblock == "attention" and v.config["kind"] == "no_op" for v in picked)
    return rules.max_no_op_attention is None or no_op_attention <= rules.max_no_op_attention


def assignments(library):
    groups = {}
    for i, v in enumerate(library.variants):
        groups.setdefault((v.layer, v.subblock), []).append(i)
    return [list(c) for c in itertools.product(*groups.values())]


def brute_force(library, metric, budgets, rules=LayerRules(), exclude=()):
    feasible = [c for c in assignments(library) if meets(library, c, budgets, rules) and
                all(len(set(c) - set(e)) >= math.ceil(0.5 * len(c)) for e in exclude)]
    return min((sum(library.variants[i].scores[metric].mean for i in c) for c in feasible), default=None)


def parent_and_lightest(library, name, rules=LayerRules()):
    """The budget's value at the parent and its most permissive achievable value under the rules."""
    values = [measures(library, c)[name] for c in assignments(library) if meets(library, c, {}, rules)]
    parent = measures(library, [i for i, v in enumerate(library.variants) if v.is_parent])[name]
    best = max(values) if name in ("min_throughput_tokens_per_second", "target_speedup") else min(values)
    return parent, best
