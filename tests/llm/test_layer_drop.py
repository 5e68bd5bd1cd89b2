import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from tessel.llm.block_config import ParentShape
from tessel.llm.layer_drop import DROPPED, block_influence, drop_layers
from tessel.llm.model import derive_child
from tessel.runtime.errors import InvalidArgument


def tiny() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return LlamaForCausalLM(config).eval()


def test_block_influence_equals_hand_computation():
    model = tiny()
    ids = torch.randint(0, 64, (2, 10))
    with torch.no_grad():
        states = model(input_ids=ids, output_hidden_states=True).hidden_states
        # The last layer's output (before the final norm) by hand: run the layers without the norm.
        h = model.model.embed_tokens(ids)
        position_ids = torch.arange(10).unsqueeze(0)
        emb = model.model.rotary_emb(h, position_ids)
        mask = torch.full((10, 10), float("-inf")).triu(1)[None, None]
        outs = [h]
        for layer in model.model.layers:
            out = layer(outs[-1], attention_mask=mask, position_ids=position_ids, position_embeddings=emb)
            outs.append(out[0] if isinstance(out, tuple) else out)
    torch.testing.assert_close(outs[1], states[1], atol=1e-5, rtol=1e-4)
    expected = [1 - torch.nn.functional.cosine_similarity(outs[i], outs[i + 1], dim=-1).mean().item()
                for i in range(4)]
    assert block_influence(model, ids) == pytest.approx(expected, abs=1e-5)


def test_drops_lowest_influence_first_and_stops_at_target():
    parent = ParentShape.of(tiny().config)
    influence = [0.5, 0.1, 0.9, 0.2]
    calls = []

    def kept_at_most_two(blocks):
        calls.append(sum(b == DROPPED for b in blocks))
        return sum(b != DROPPED for b in blocks) <= 2

    blocks = drop_layers(parent, influence, kept_at_most_two)
    assert [b == DROPPED for b in blocks] == [False, True, False, True]
    assert calls == [0, 1, 2]  # stopped as soon as the target held
    assert derive_child(tiny(), blocks)(input_ids=torch.zeros(1, 3, dtype=torch.long)).logits.shape == (1, 3, 64)


def test_infeasible_target_is_invalid_argument():
    parent = ParentShape.of(tiny().config)
    with pytest.raises(InvalidArgument):
        drop_layers(parent, [0.1, 0.2, 0.3, 0.4], lambda blocks: False)
