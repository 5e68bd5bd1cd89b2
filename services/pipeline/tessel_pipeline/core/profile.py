"""Stage sizes per profile. `quick` is sized for SmolLM2-135M on two CPU cores (about a quarter hour for
the whole pipeline): one KV-head variant and two FFN widths per layer plus no-ops, 8k BLD tokens per
variant, 2k held-out tokens, 3 timing repeats, 16k KD tokens. `default` leaves the services' defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageSizes:
    # None: the owning service's default.
    library_tokens: int | None
    held_out_tokens: int  # 0 = the service's default
    sequence_length: int  # 0 = the service's default
    timing_repeats: int  # 0 = the service's default
    kd_tokens: int | None
    evaluation_tokens: int
    cloze_items: int
    solve_time_limit_seconds: float
    # None: the block-distiller's default space; else (kv_heads, ffn_widths), no-ops on.
    search_space: tuple[tuple[int, ...], tuple[int, ...]] | None


PROFILES = {
    "quick": StageSizes(library_tokens=8192, held_out_tokens=2048, sequence_length=256, timing_repeats=3,
                        kd_tokens=16384, evaluation_tokens=4096, cloze_items=100, solve_time_limit_seconds=30.0,
                        search_space=((1,), (1024, 512))),
    "default": StageSizes(library_tokens=None, held_out_tokens=0, sequence_length=0, timing_repeats=0,
                          kd_tokens=None, evaluation_tokens=16384, cloze_items=200, solve_time_limit_seconds=60.0,
                          search_space=None),
}
MAX_EVALUATION_TOKENS = 1 << 20
MAX_CLOZE_ITEMS = 1000
