"""Replace-one-block scoring on a tiny random Llama: the parent scores exactly 0, the cached-prefix
path equals a naive full forward of the child, chunked KL equals unchunked, and a seed fixes the numbers."""

from __future__ import annotations

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape
from tessel.llm.model import build_attention, build_ffn, derive_child
from tessel_block_scorer.core.scoring import (
    Replacement,
    chunked_token_stats,
    parent_batch,
    score_replacements,
)

CONFIG = dict(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=False)


def tiny_parent(seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(**CONFIG)
    config._attn_implementation = "sdpa"
    return LlamaForCausalLM(config).eval()


def replacements(model, seed: int = 1) -> list[Replacement]:
    """The parent's own subblocks plus a random variant of each kind, at every layer."""
    torch.manual_seed(seed)
    config = model.config
    out = []
    for layer_index, layer in enumerate(model.model.layers):
        out.append(Replacement(f"L{layer_index}-attention-parent", layer_index, "attention", layer.self_attn))
        out.append(Replacement(f"L{layer_index}-ffn-parent", layer_index, "ffn", layer.mlp))
        for attention in (AttentionConfig("gqa", 1), AttentionConfig("linear"), AttentionConfig("no_op")):
            module = build_attention(config, attention, layer_index).eval()
            out.append(Replacement(f"L{layer_index}-attention-{attention.name}", layer_index, "attention", module,
                                   drops_norm=attention.kind == "no_op"))
        for ffn in (FFNConfig("mlp", 16), FFNConfig("linear"), FFNConfig("no_op")):
            out.append(Replacement(f"L{layer_index}-ffn-{ffn.name}", layer_index, "ffn", build_ffn(config, ffn).eval(),
                                   drops_norm=ffn.kind == "no_op"))
    return out


def token_batches(seed: int = 2, count: int = 3, batch: int = 2, length: int = 24) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(0, CONFIG["vocab_size"], (batch, length), generator=generator) for _ in range(count)]


def naive_batch_scores(parent, replacement: Replacement, batches: list[torch.Tensor]) -> list[dict[str, float]]:
    """A full child model (derive_child + the variant's weights), full forward, full-vocab log-softmax."""
    shape = ParentShape.of(parent.config)
    blocks = [shape.parent_block()] * shape.num_hidden_layers
    name = replacement.id.rsplit("-", 1)[-1]
    block = blocks[replacement.layer]
    if replacement.subblock == "attention" and name != "parent":
        attention = {"kv1": AttentionConfig("gqa", 1), "linear": AttentionConfig("linear"), "no_op": AttentionConfig("no_op")}[name]
        block = BlockConfig(attention, block.ffn)
    elif replacement.subblock == "ffn" and name != "parent":
        ffn = {"ffn16": FFNConfig("mlp", 16), "linear": FFNConfig("linear"), "no_op": FFNConfig("no_op")}[name]
        block = BlockConfig(block.attention, ffn)
    blocks = [block if i == replacement.layer else b for i, b in enumerate(blocks)]
    child = derive_child(parent, blocks).eval()
    target = child.model.layers[replacement.layer]
    getattr(target, "self_attn" if replacement.subblock == "attention" else "mlp").load_state_dict(
        replacement.module.state_dict())
    out = []
    for input_ids in batches:
        with torch.no_grad():
            log_p = torch.log_softmax(parent(input_ids).logits[:, :-1].double(), -1)
            log_q = torch.log_softmax(child(input_ids).logits[:, :-1].double(), -1)
        targets = input_ids[:, 1:, None]
        kl = (log_p.exp() * (log_p - log_q)).sum(-1)
        delta = -log_q.gather(-1, targets)[..., 0] + log_p.gather(-1, targets)[..., 0]
        disagree = (log_p.argmax(-1) != log_q.argmax(-1)).double()
        out.append({"kl": float(kl.mean()), "lm_loss_delta": float(delta.mean()),
                    "top1_disagreement": float(disagree.mean())})
    return out


def test_parent_variants_score_exactly_zero_and_every_other_variant_above_zero():
    model = tiny_parent()
    scores = score_replacements(model, token_batches(), replacements(model), vocab_chunk=64)
    for variant_id, score in scores.items():
        if variant_id.endswith("-parent"):
            assert score["kl"].mean == 0.0 and score["kl"].stderr == 0.0, variant_id
            assert score["lm_loss_delta"].mean == 0.0 and score["top1_disagreement"].mean == 0.0
        else:
            assert score["kl"].mean > 1e-6 and score["kl"].stderr > 0, variant_id


def test_cached_prefix_scores_equal_a_naive_full_forward_of_each_child():
    model = tiny_parent()
    batches = token_batches()
    variants = replacements(model)
    scores = score_replacements(model, batches, variants, vocab_chunk=70)  # 300 = 4 chunks of 70 + one of 20
    for replacement in variants:
        naive = naive_batch_scores(model, replacement, batches)
        for metric in ("kl", "lm_loss_delta", "top1_disagreement"):
            expected = sum(b[metric] for b in naive) / len(naive)
            assert scores[replacement.id][metric].mean == pytest.approx(expected, rel=1e-4, abs=1e-6), (
                replacement.id, metric)
        spread = torch.tensor([b["kl"] for b in naive], dtype=torch.float64)
        assert scores[replacement.id]["kl"].stderr == pytest.approx(float(spread.std() / len(naive) ** 0.5),
                                                                    rel=1e-3, abs=1e-7)


def test_chunked_statistics_equal_the_unchunked_ones():
    model = tiny_parent()
    ids = token_batches(count=1)[0]
    with torch.no_grad():
        cached = parent_batch(model, ids, chunk=CONFIG["vocab_size"])
        hidden = torch.randn(cached.targets.shape[0], CONFIG["hidden_size"])
        head = model.lm_head.weight
        whole = chunked_token_stats(hidden, head, cached.targets, chunk=CONFIG["vocab_size"], parent=cached)
        log_p = torch.log_softmax((model.model(ids).last_hidden_state[:, :-1].reshape(-1, CONFIG["hidden_size"])
                                   @ head.T).double(), -1)
        torch.testing.assert_close(cached.probs.double(), log_p.exp(), rtol=1e-4, atol=1e-7)
        log_q = torch.log_softmax((hidden @ head.T).double(), -1)
        for chunk in (1, 7, 64, 1000):
            part = chunked_token_stats(hidden, head, cached.targets, chunk=chunk, parent=cached)
            # float32 log-sum-exps of ~log(300): agreement to a few ulps of them, not of the small KL
            torch.testing.assert_close(part.kl, whole.kl, rtol=1e-5, atol=5e-6)
            torch.testing.assert_close(part.lse, whole.lse)
            assert torch.equal(part.argmax, whole.argmax)
        torch.testing.assert_close(whole.kl.double(), (log_p.exp() * (log_p - log_q)).sum(-1), rtol=1e-4, atol=1e-6)
        assert torch.equal(whole.argmax, log_q.argmax(-1))
        torch.testing.assert_close(whole.loss.double(), -log_q.gather(-1, cached.targets[:, None])[:, 0],
                                   rtol=1e-5, atol=1e-5)


def test_scores_are_deterministic_for_a_seed_and_change_with_the_data():
    def run(data_seed: int):
        model = tiny_parent()
        return score_replacements(model, token_batches(seed=data_seed), replacements(model), vocab_chunk=50)

    first, again, other = run(2), run(2), run(3)
    assert first == again
    assert first["L1-ffn-no_op"]["kl"].mean != other["L1-ffn-no_op"]["kl"].mean
