"""assemble_child: the child a solved choice names, built from a block library's variant weights."""

from __future__ import annotations

import random
from dataclasses import asdict

import pytest
import torch
from safetensors.torch import load, save
from transformers import AutoModelForCausalLM

from tessel.assets.models import resolve_model
from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape, subblock_parameters
from tessel.llm.library_manifest import LIBRARY_SCHEMA, LIBRARY_SCHEMA_VERSION
from tessel.llm.model import build_attention, build_ffn
from tessel.llm.scored_library import Cost, Scenario, Score, ScoredLibrary, ScoredVariant
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.settings import get_settings
from tessel_arch_solver.core.assemble import assemble_child, block_configs_for
from tessel_arch_solver.core.mip import solve
from tessel_block_distiller.core.variants import Variant

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128
ATTENTION = [AttentionConfig("gqa", 2), AttentionConfig("gqa", 1), AttentionConfig("linear"), AttentionConfig("no_op")]
# 96 and 128 are not multiples of 256: inexact in the nemotron-nas schema
FFN = [FFNConfig("mlp", 128), FFNConfig("mlp", 96), FFNConfig("mlp", 64), FFNConfig("linear"), FFNConfig("no_op")]
MIXED = [BlockConfig(AttentionConfig("no_op"), FFNConfig("mlp", 96)), BlockConfig(AttentionConfig("gqa", 1), FFNConfig("linear"))]


@pytest.fixture(scope="module", autouse=True)
def asset_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TESSEL_CACHE_DIR", str(tmp_path_factory.mktemp("asset-cache")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


def load_parent(ref: str = PARENT):
    return AutoModelForCausalLM.from_pretrained(resolve_model(ref), dtype=torch.float32).eval()


def build_library(store: ArtifactStore, *, seed: int = 0) -> tuple[dict, ScoredLibrary]:
    """A block library manifest in the distiller's format (every variant's weights in the store: the parent's
    own for parent-shaped entries, seeded random ones standing in for distilled variants) and a scored library
    over it in the scorer's format."""
    parent = load_parent()
    shape = ParentShape.of(parent.config)
    generator = torch.Generator().manual_seed(seed)
    rng = random.Random(seed)
    entries, scored = [], []
    for layer_index, layer in enumerate(parent.model.layers):
        for subblock, configs, parent_module in (("attention", ATTENTION, layer.self_attn), ("ffn", FFN, layer.mlp)):
            for config in configs:
                variant = Variant(layer_index, subblock, config)
                is_parent = config == configs[0]
                weights = None
                if config.kind != "no_op":
                    if is_parent:
                        module = parent_module
                    else:
                        module = (build_attention(parent.config, config, layer_index) if subblock == "attention"
                                  else build_ffn(parent.config, config))
                        for tensor in module.state_dict().values():
                            tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.05)
                    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
                    ref = store.put_bytes(save(state), media_type="application/x-safetensors")
                    weights = {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes,
                               "media_type": ref.media_type}
                params = subblock_parameters(shape, config)
                entries.append({"id": variant.id, "layer": layer_index, "subblock": subblock,
                                "config": vars(config).copy(), "weights": weights, "parameters": params,
                                "init_loss": 0.0, "final_loss": 0.0, "trained": not is_parent and weights is not None})
                scored.append(ScoredVariant(
                    layer=layer_index, subblock=subblock, config=vars(config).copy(), is_parent=is_parent,
                    scores={"kl": Score(0.0 if is_parent else rng.uniform(0.01, 1.0), 0.01)},
                    cost=Cost(params=params, weight_bytes=4 * params, kv_cache_bytes=0, prefill_seconds=1e-6 * params,
                              decode_seconds_per_token=1e-8 * params),
                    variant_id=variant.id if not is_parent and config.kind != "no_op" else "",
                ))
    manifest = {"schema": LIBRARY_SCHEMA, "schema_version": LIBRARY_SCHEMA_VERSION, "job_id": "library-test",
                "parent": {"model": PARENT, "shape": asdict(shape), "config": parent.config.to_dict()},
                "variants": entries}
    overhead = 2 * parent.config.vocab_size * parent.config.hidden_size
    library = ScoredLibrary(
        num_layers=shape.num_hidden_layers,
        scenario=Scenario(device="cpu", dtype="float32", batch_size=1, prompt_length=8, generation_length=8),
        overhead=Cost(params=overhead, weight_bytes=4 * overhead, kv_cache_bytes=0, prefill_seconds=0.0,
                      decode_seconds_per_token=0.0),
        variants=scored,
    )
    return manifest, library


def logits(model, seed: int = 0) -> torch.Tensor:
    ids = torch.randint(0, model.config.vocab_size, (2, 13), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return model(ids).logits


def index_choice(library: ScoredLibrary, blocks: list[BlockConfig]) -> dict[tuple[int, str], int]:
    return {(v.layer, v.subblock): i for i, v in enumerate(library.variants)
            if v.config == vars(getattr(blocks[v.layer], v.subblock)).copy()}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ArtifactStore((tmp_path_factory.mktemp("artifacts")).as_uri())


@pytest.fixture(scope="module")
def library(store):
    return build_library(store)


def test_unbudgeted_solution_is_the_parent_and_reproduces_its_logits_exactly(library, store):
    manifest, scored = library
    solution = solve(scored)  # every non-parent variant scores above 0
    child = assemble_child(manifest, solution.choice, store=store, scored_library=scored)
    assert all(source["source"] == "parent" for source in child.sources)
    assert torch.equal(logits(child.model), logits(load_parent()))


def test_budgeted_solution_carries_each_chosen_variants_library_weights(library, store):
    manifest, scored = library
    parent_params = sum(v.cost.params for v in scored.variants if v.is_parent) + scored.overhead.params
    solution = solve(scored, budgets={"max_params": parent_params - 20_000})
    child = assemble_child(manifest, solution.choice, store=store, scored_library=scored)
    assert [vars(getattr(b, v.subblock)) for b, v in
            ((child.blocks[v.layer], v) for v in (scored.variants[i] for i in solution.choice.values()))] == \
        [v.config for v in (scored.variants[i] for i in solution.choice.values())]
    parent = load_parent()
    weights = {e["id"]: e["weights"] for e in manifest["variants"]}
    replaced = 0
    for source in child.sources:
        layer = child.model.model.layers[source["layer"]]
        module = layer.self_attn if source["subblock"] == "attention" else layer.mlp
        if source["source"] == "library":
            from tessel_arch_solver.core.assemble import _ref

            stored = load(store.get_bytes(_ref(weights[source["variant_id"]])))
            assert {k: torch.equal(v, stored[k]) for k, v in module.state_dict().items()} == dict.fromkeys(stored, True)
            replaced += 1
        elif source["source"] == "parent":
            parent_layer = parent.model.layers[source["layer"]]
            expected = parent_layer.self_attn if source["subblock"] == "attention" else parent_layer.mlp
            assert all(torch.equal(v, expected.state_dict()[k]) for k, v in module.state_dict().items())
        else:
            assert sum(p.numel() for p in module.parameters()) == 0
    assert replaced >= 1
    subblock_params = sum(p.numel() for layer in child.model.model.layers
                          for p in (*layer.self_attn.parameters(), *layer.mlp.parameters()))
    assert subblock_params == sum(scored.variants[i].cost.params for i in solution.choice.values())
    assert not torch.allclose(logits(child.model), logits(parent))


def test_every_choice_form_names_the_same_child(library, store):
    manifest, scored = library
    ids = {(e["layer"], e["subblock"], tuple(sorted(e["config"].items()))): e["id"] for e in manifest["variants"]}
    by_index = index_choice(scored, MIXED)
    forms = {
        "indices": by_index,
        "variant ids": {(layer, sub): ids[(layer, sub, tuple(sorted(vars(getattr(b, sub)).items())))]
                        for layer, b in enumerate(MIXED) for sub in ("attention", "ffn")},
        "config dicts": {(layer, sub): vars(getattr(b, sub)).copy() for layer, b in enumerate(MIXED) for sub in ("attention", "ffn")},
        "triples": [(layer, sub, getattr(b, sub)) for layer, b in enumerate(MIXED) for sub in ("attention", "ffn")],
        "block configs": list(MIXED),
    }
    for name, choice in forms.items():
        assert block_configs_for(choice, manifest, scored_library=scored) == MIXED, name
    first = assemble_child(manifest, forms["indices"], store=store, scored_library=scored)
    second = assemble_child(manifest, forms["variant ids"], store=store)
    assert [s["source"] for s in first.sources] == ["none", "library", "library", "library"]
    assert torch.equal(logits(first.model), logits(second.model))


def _with(choice: dict, key, value) -> dict:
    return {**choice, key: value}


def test_bad_choices_name_the_field(library, store):
    manifest, scored = library
    good = index_choice(scored, MIXED)
    other_layer = good[(0, "ffn")]
    cases = [
        (_with(good, (1, "ffn"), "L001-ffn-ffn7"), "choice[1].ffn", "no variant"),
        (_with(good, (1, "ffn"), other_layer), "choice[1].ffn", "belongs to layer 0"),
        (_with(good, (1, "ffn"), len(scored.variants)), "choice[1].ffn", "outside"),
        (_with(good, (0, "attention"), {"kind": "gqa", "num_key_value_heads": 3}), "choice[0].attention", "divisor"),
        (_with(good, (0, "attention"), FFNConfig("no_op")), "choice[0].attention", "is not an attention"),
        ({k: v for k, v in good.items() if k != (1, "attention")}, "choice", "no variant chosen"),
        (_with(good, (2, "ffn"), 0), "choice", "2-layer parent"),
    ]
    for choice, field, message in cases:
        with pytest.raises(InvalidArgument) as raised:
            assemble_child(manifest, choice, store=store, scored_library=scored)
        assert raised.value.field == field and message in raised.value.message, (choice, raised.value)
    with pytest.raises(InvalidArgument) as raised:
        assemble_child(manifest, good, store=store)  # indices without the scored library they index
    assert raised.value.field == "choice[0].attention"
    # a config the library never distilled: no weights to load
    unknown = [BlockConfig(AttentionConfig("gqa", 2), FFNConfig("mlp", 32)), MIXED[1]]
    with pytest.raises(InvalidArgument) as raised:
        assemble_child(manifest, unknown, store=store)
    assert raised.value.field == "choice[0].ffn" and "no weights" in raised.value.message


def test_library_of_another_parent_or_schema_is_refused(library, store):
    manifest, scored = library
    with pytest.raises(InvalidArgument) as raised:
        assemble_child(manifest, MIXED, store=store, parent_folder=resolve_model("tiny-llama-3l"))
    assert raised.value.field == "library" and "shape" in raised.value.message
    with pytest.raises(InvalidArgument) as raised:
        assemble_child({**manifest, "schema_version": 99}, MIXED, store=store, manifest_field="spec.library")
    assert raised.value.field == "spec.library"
