"""A library the block-distiller really built (training-free init + BLD on a tiny Llama, its local
worker processes) scores end to end: the two services agree on the manifest."""

from __future__ import annotations

import pytest

from tessel.llm.scored_library import ScoredLibrary, Scenario
from tessel.runtime.executors.local import LocalExecutor
from tessel_block_distiller.core.library import build_library
from tessel_block_distiller.core.settings import WORKER as DISTILL_WORKER
from tessel_block_distiller.core.spec import LibraryRequest, SearchSpace
from tessel_block_scorer.core.cost import CostOptions
from tessel_block_scorer.core.job import score_library
from tessel_block_scorer.core.settings import WORKER as SCORE_WORKER
from tessel_block_scorer.core.spec import ScoringRequest


@pytest.mark.slow  # ~1 min on 2 shared cores: BLD and scoring each start worker processes
def test_a_distilled_library_is_scored_and_costed(store, corpus_dir, tmp_path):
    space = SearchSpace(kv_heads=(1,), ffn_sizes=(64,), layers=(1,))
    library = build_library(
        LibraryRequest(parent_model="tiny-llama-2l", corpus=corpus_dir, search_space=space, token_budget=2048,
                       held_out_tokens=512, sequence_length=64),
        job_id="lib", store=store, executor=LocalExecutor(DISTILL_WORKER), progress=lambda **_: None, max_shards=1)
    scenario = Scenario(device="cpu", dtype="float32", batch_size=1, prompt_length=16, generation_length=4)
    request = ScoringRequest(library=library.manifest_ref, scenarios=(scenario,), held_out_tokens=512,
                             batch_sequences=2, cost_options=CostOptions(warmup=0, repeats=1, stack_depth=1))
    outcome = score_library(request, job_id="score", store=store, executor=LocalExecutor(SCORE_WORKER),
                            progress=lambda **_: None, max_shards=1, group_variants=8, cost_cache=tmp_path / "costs")
    scored = ScoredLibrary.from_dict(store.get_json(outcome.scored_libraries[0]))
    by_id = {v.variant_id: v for v in scored.variants}
    assert outcome.scored_now == 4  # layer 1: kv1, attention no-op, ffn64, ffn no-op (the BLD-trained ones included)
    assert by_id["L001-attention-kv2"].is_parent and by_id["L001-attention-kv2"].scores["kl"].mean == 0.0
    assert 0 < by_id["L001-ffn-ffn64"].scores["kl"].mean < by_id["L001-ffn-no_op"].scores["kl"].mean
    assert sum(v.layer == 0 and v.is_parent for v in scored.variants) == 2  # outside the library: the parent
