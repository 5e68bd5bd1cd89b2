"""Cloze / multiple-choice confidence of a tiny causal LM (parent folder and compressed child) against a
hand computation: full forward passes, log-softmax sums, per-token means, softmax over options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tessel.assets.cloze import ClozeItem, ClozeTask
from tessel.assets.corpus import tokenizer_fingerprint
from tessel.runtime.errors import InvalidArgument
from tessel.zoo.lm_choice import choice_confidence, load_choice_model, score_choice_task

WORDS = ["<pad>", "<eos>", "<unk>", "the", "cat", "sat", "on", "mat", "big", "dog", "ran", "red"]


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<eos>", pad_token="<pad>", unk_token="<unk>")


def _ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from transformers import LlamaConfig, LlamaForCausalLM

    from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
    from tessel.llm.model import derive_child
    from tessel.llm.nemotron_nas import save_heterogeneous

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(WORDS), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    parent = LlamaForCausalLM(config).eval()
    tokenizer = _tokenizer()
    root = tmp_path_factory.mktemp("lm")
    parent.save_pretrained(root / "parent")
    tokenizer.save_pretrained(root / "parent")
    blocks = [BlockConfig(AttentionConfig("gqa", 2), FFNConfig("mlp", 64)), BlockConfig(AttentionConfig("gqa", 2), FFNConfig("linear"))]
    save_heterogeneous(derive_child(parent, blocks), root / "child", blocks=blocks)
    return root / "parent", root / "child", tokenizer


def _task(tokenizer):
    contexts = ["the cat sat on the", "the dog ran on the"]
    options = [["mat", "big red mat", "dog", "cat"], ["red", "mat", "the big dog", "sat"]]
    items = [
        ClozeItem(id=str(i), document_id="d", context_text=c, context_ids=_ids(tokenizer, c), options=o,
                  option_ids=[_ids(tokenizer, " " + w) for w in o], answer=0)
        for i, (c, o) in enumerate(zip(contexts, options))
    ]
    return ClozeTask(version="test", corpus="test", split_sha256="", tokenizer=tokenizer_fingerprint(tokenizer),
                     seed=0, context_tokens=8, items=items)


def _by_hand(model, task):
    scores = np.zeros((len(task.items), 4))
    with torch.no_grad():
        for i, item in enumerate(task.items):
            for j, option in enumerate(item.option_ids):
                logits = model(torch.tensor([item.context_ids + option])).logits[0].double()
                log_probs = torch.log_softmax(logits, -1)
                start = len(item.context_ids)
                scores[i, j] = sum(log_probs[start - 1 + t, token].item() for t, token in enumerate(option)) / len(option)
    probabilities = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    return probabilities


@pytest.mark.parametrize("which", ["parent", "child"])
def test_choice_confidence_equals_the_hand_computation(folders, which):
    parent, child, tokenizer = folders
    folder = parent if which == "parent" else child
    model, loaded_tokenizer = load_choice_model(folder, tokenizer_folder=parent if which == "child" else None)
    task = _task(loaded_tokenizer)
    assert max(len(ids) for ids in task.items[0].option_ids) == 3  # the normalisation has work to do
    result = score_choice_task(model, loaded_tokenizer, task)
    expected = _by_hand(model, task)
    np.testing.assert_allclose(result.probabilities, expected, atol=1e-5)
    np.testing.assert_array_equal(result.predictions, expected.argmax(1))
    np.testing.assert_allclose(result.confidence, expected.max(1), atol=1e-5)
    top2 = -np.sort(-expected, 1)[:, :2]
    np.testing.assert_allclose(result.margin, top2[:, 0] - top2[:, 1], atol=1e-5)


def test_length_normalisation_changes_the_choice_on_a_hand_case():
    summed = np.array([[-2.0, -3.0]])  # a 1-token and a 3-token option: -2.0 vs -1.0 per token
    normalised = choice_confidence(summed, np.array([[1, 3]]))
    assert normalised.predictions.tolist() == [1]
    assert normalised.confidence[0] == pytest.approx(np.exp(-1) / (np.exp(-1) + np.exp(-2)))
    assert choice_confidence(summed, np.array([[1, 3]]), length_normalised=False).predictions.tolist() == [0]


def test_bad_inputs_name_their_field(tmp_path):
    with pytest.raises(InvalidArgument) as error:
        choice_confidence(np.zeros((2, 3)), np.ones((2, 2)))
    assert error.value.field == "option_lengths"
    with pytest.raises(InvalidArgument) as error:
        choice_confidence(np.zeros((2, 1)), np.ones((2, 1)))
    assert error.value.field == "option_logprobs"
    with pytest.raises(InvalidArgument) as error:
        load_choice_model(tmp_path)
    assert error.value.field == "model"
