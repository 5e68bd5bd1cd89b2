"""Check a config.json against the published nemotron-nas / DeciLM schema (as Nemotron-51B / -49B ship it):
one block config per layer; attention {no_op, replace_with_linear, n_heads_in_group, sparsify, window_length,
num_sink_tokens, use_prefill_window_in_sink_attention, unshifted_sink}; ffn {no_op, replace_with_linear,
ffn_mult, sparsify}; no_op and replace_with_linear exclusive; sizes set exactly when the subblock is real."""

from __future__ import annotations

from typing import Any

ATTENTION_KEYS = frozenset({"no_op", "replace_with_linear", "n_heads_in_group", "sparsify", "window_length",
                            "num_sink_tokens", "use_prefill_window_in_sink_attention", "unshifted_sink"})
FFN_KEYS = frozenset({"no_op", "replace_with_linear", "ffn_mult", "sparsify"})


def nemotron_nas_problems(config: dict[str, Any]) -> list[str]:
    """Every way `config` departs from the schema (empty when it conforms)."""
    problems = []
    if config.get("model_type") != "nemotron-nas":
        problems.append(f"model_type is {config.get('model_type')!r}, not 'nemotron-nas'")
    if config.get("architectures") != ["DeciLMForCausalLM"]:
        problems.append(f"architectures is {config.get('architectures')!r}, not ['DeciLMForCausalLM']")
    blocks = config.get("block_configs")
    layers = config.get("num_hidden_layers")
    if not isinstance(blocks, list) or len(blocks) != layers:
        problems.append(f"block_configs must hold one entry per layer ({layers})")
        return problems
    heads = config.get("num_attention_heads")
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or set(block) != {"attention", "ffn"}:
            problems.append(f"block_configs[{index}] must have exactly attention and ffn")
            continue
        problems += _subblock_problems(block["attention"], ATTENTION_KEYS, "n_heads_in_group", f"block_configs[{index}].attention")
        problems += _subblock_problems(block["ffn"], FFN_KEYS, "ffn_mult", f"block_configs[{index}].ffn")
        group = block["attention"].get("n_heads_in_group") if isinstance(block["attention"], dict) else None
        if isinstance(group, int) and group > 0 and isinstance(heads, int) and heads % group:
            problems.append(f"block_configs[{index}].attention.n_heads_in_group {group} does not divide "
                            f"num_attention_heads {heads}")
    return problems


def _subblock_problems(subblock: Any, keys: frozenset[str], size_key: str, where: str) -> list[str]:
    if not isinstance(subblock, dict):
        return [f"{where} is not an object"]
    problems = [f"{where}.{key} is not in the schema" for key in sorted(set(subblock) - keys)]
    no_op, linear = subblock.get("no_op", False), subblock.get("replace_with_linear", False)
    if not (isinstance(no_op, bool) and isinstance(linear, bool)):
        return [*problems, f"{where}: no_op and replace_with_linear must be booleans"]
    if no_op and linear:
        problems.append(f"{where}: no_op and replace_with_linear are mutually exclusive")
    size = subblock.get(size_key)
    if no_op or linear:
        if size is not None:
            problems.append(f"{where}.{size_key} must be null for a no-op or linear subblock")
    elif isinstance(size, bool) or not isinstance(size, int | float) or size <= 0:
        problems.append(f"{where}.{size_key} must be a positive number, got {size!r}")
    elif size_key == "n_heads_in_group" and not isinstance(size, int):
        problems.append(f"{where}.n_heads_in_group must be an integer, got {size!r}")
    return problems
