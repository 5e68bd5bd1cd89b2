from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tessel.assets import cloze
from tessel.assets.cloze import build_cloze_task, score_cloze
from tessel.assets.models import load_causal_lm
from tessel.runtime.errors import InvalidArgument


@pytest.fixture(scope="module")
def task(default_corpus, smollm2_tokenizer) -> cloze.ClozeTask:
    return build_cloze_task(default_corpus, smollm2_tokenizer, n_items=24, seed=0)


def test_cloze_is_deterministic_and_seeded(task, default_corpus, smollm2_tokenizer) -> None:
    again = build_cloze_task(default_corpus, smollm2_tokenizer, n_items=24, seed=0)
    other = build_cloze_task(default_corpus, smollm2_tokenizer, n_items=24, seed=1)
    assert again.digest == task.digest
    assert other.digest != task.digest
    assert task.version == cloze.CLOZE_VERSION


def test_cloze_items_are_well_formed(task, default_corpus, smollm2_tokenizer) -> None:
    texts = dict(zip(default_corpus.document_ids("evaluation"), default_corpus.documents("evaluation")))
    vocabulary = cloze._vocabulary(default_corpus.all_documents())
    rank = {w: i for i, w in enumerate(vocabulary)}
    assert len({item.id for item in task.items}) == len(task.items)
    for item in task.items:
        assert len(item.options) == 4 and len(set(item.options)) == 4
        assert 0 <= item.answer < 4
        # The answer is the word that really follows the context in a held-out document.
        text, start = texts[item.document_id], int(item.id.rsplit("@", 1)[1])
        assert text[start - 1] == " " and text[start:].startswith(item.answer_word)
        assert 0 < len(item.context_ids) <= 256
        assert item.context_ids == smollm2_tokenizer(text[: start - 1], add_special_tokens=False)["input_ids"][-256:]
        for option, ids in zip(item.options, item.option_ids):
            assert ids == smollm2_tokenizer(" " + option, add_special_tokens=False)["input_ids"]
        # Distractors are frequency-matched and never the answer.
        for option in item.options:
            assert abs(rank[option] - rank[item.answer_word]) <= 2 * cloze.FREQUENCY_NEIGHBOURS
        assert rank[item.answer_word] >= cloze.MIN_TARGET_RANK
    # Answers are spread over positions, not always first.
    assert len({item.answer for item in task.items}) > 1


def test_cloze_round_trips_through_json(task, tmp_path: Path) -> None:
    task.save(tmp_path / "task.json")
    assert cloze.ClozeTask.load(tmp_path / "task.json").digest == task.digest


def test_scores_are_consistent_and_both_scorers_agree(task, asset_cache: Path, smollm2_tokenizer) -> None:
    model, tokenizer = load_causal_lm("tiny-llama-2l", cache_dir=asset_cache)
    task = dataclasses.replace(task, items=task.items[:6])
    scores = score_cloze(model, tokenizer, task)
    assert cloze.supports_shared_context(model)
    assert scores.option_logprobs.shape == (6, 4) and (scores.option_logprobs < 0).all()
    assert np.allclose(scores.probabilities.sum(axis=1), 1.0)
    assert np.array_equal(scores.predictions, scores.option_logprobs.argmax(axis=1))
    assert np.allclose(scores.confidence, scores.probabilities.max(axis=1))
    assert scores.accuracy == pytest.approx(np.mean(scores.predictions == task.answers))
    # A plain callable gets full context+option sequences; it must score the same.
    generic = score_cloze(lambda ids: model(ids).logits, tokenizer, task, batch_size=3)
    assert np.allclose(generic.option_logprobs, scores.option_logprobs, atol=1e-3)
    # Each option's score equals the log-likelihood of its tokens after the context, computed directly.
    import torch

    item = task.items[0]
    ids = torch.tensor([item.context_ids + item.option_ids[0]])
    with torch.inference_mode():
        logprobs = torch.log_softmax(model(ids).logits[0].float(), dim=-1)
    n = len(item.context_ids)
    direct = sum(logprobs[n - 1 + j, t].item() for j, t in enumerate(item.option_ids[0]))
    assert scores.option_logprobs[0, 0] == pytest.approx(direct, abs=1e-3)


def test_scoring_refuses_a_task_built_for_another_tokenizer(task, asset_cache: Path) -> None:
    model, tokenizer = load_causal_lm("tiny-llama-2l", cache_dir=asset_cache)
    foreign = dataclasses.replace(task, tokenizer="0123456789abcdef")
    with pytest.raises(InvalidArgument, match="tokenizer"):
        score_cloze(model, tokenizer, foreign)
    with pytest.raises(InvalidArgument):
        build_cloze_task(None, tokenizer, n_items=0)
