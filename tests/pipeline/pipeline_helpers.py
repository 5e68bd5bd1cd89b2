"""The pipeline spec the tests run on the tiny random Llama (2 layers, hidden 64, 2 KV heads, FFN 128)."""

from __future__ import annotations

from tessel.arch.v1 import arch_pb2
from tessel.common.v1 import scenario_pb2
from tessel.compress.v1 import compress_pb2 as pb
from tessel.distill.v1 import distill_pb2

PARENT = "tiny-llama-2l"


def tiny_spec(corpus: str, budget: arch_pb2.Budget, **changes) -> pb.CompressionJobSpec:
    values = dict(
        parent_model=PARENT, corpus=corpus, budget=budget, kd_tokens=1024,
        scenario=scenario_pb2.Scenario(name="tiny", device="cpu", batch_size=1, prompt_length=16,
                                       generation_length=4, precision=scenario_pb2.PRECISION_FLOAT32),
        search_space=distill_pb2.SearchSpace(kv_heads=[1], ffn_intermediate_sizes=[64], attention_no_op=True,
                                             ffn_no_op=True),
        options=pb.StageOptions(library_tokens=1024, held_out_tokens=512, sequence_length=64, timing_repeats=1,
                                evaluation_tokens=512, cloze_items=20, solve_time_limit_seconds=10),
    )
    values.update(changes)
    return pb.CompressionJobSpec(**values)


def parent_params() -> int:
    from tessel.assets.models import load_causal_lm

    model, _ = load_causal_lm(PARENT)
    return sum(p.numel() for p in model.parameters())
