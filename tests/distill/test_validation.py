"""Bad inputs are INVALID_ARGUMENT at Create time, naming the field."""

from __future__ import annotations

import pytest

from tessel.common.v1 import artifact_pb2
from tessel.distill.v1 import distill_pb2 as pb
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.rpc_errors import resolve_field_path
from tessel_block_distiller.api.jobs import validate_spec
from tessel_block_distiller.core.settings import DistillerSettings

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128
SETTINGS = DistillerSettings()


def library(**values) -> pb.DistillationJobSpec:
    return pb.DistillationJobSpec(library=pb.LibrarySpec(**{"parent_model": PARENT, **values}))


def block(kv=2, ffn=128):
    return pb.BlockConfig(attention=pb.AttentionConfig(kind=pb.ATTENTION_KIND_GQA, num_key_value_heads=kv),
                          ffn=pb.FfnConfig(kind=pb.FFN_KIND_MLP, intermediate_size=ffn))


def global_kd(**values) -> pb.DistillationJobSpec:
    defaults = {"parent_model": PARENT, "library": artifact_pb2.ArtifactRef(uri="file:///x", sha256="a" * 64),
                "block_configs": [block(), block()]}
    return pb.DistillationJobSpec(global_kd=pb.GlobalDistillationSpec(**{**defaults, **values}))


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        (library(parent_model="no-such-model"), "spec.library.parent_model", "unknown model"),
        (library(parent_model=""), "spec.library.parent_model", "required"),
        (library(search_space=pb.SearchSpace(kv_heads=[3])), "spec.library.search_space.kv_heads", "not a divisor"),
        (library(search_space=pb.SearchSpace(ffn_intermediate_sizes=[512])), "spec.library.search_space.ffn_intermediate_sizes", "outside"),
        (library(search_space=pb.SearchSpace(kv_heads=[1], layers=[5])), "spec.library.search_space.layers", "does not exist"),
        (library(token_budget=0), "spec.library.token_budget", "positive"),
        (library(token_budget=100), "spec.library.token_budget", "less than one sequence"),
        (library(executor=7), "spec.library.executor", "unknown executor"),
        (pb.DistillationJobSpec(), "spec", "library or global_kd"),
        (library(sequence_length=8192), "spec.library.sequence_length", "at most"),
        (global_kd(block_configs=[block(), block(kv=3)]), "spec.global_kd.block_configs[1].attention", "not a divisor"),
        (global_kd(block_configs=[block()]), "spec.global_kd.block_configs", "2 layers"),
        (global_kd(block_configs=[block(), pb.BlockConfig()]), "spec.global_kd.block_configs[1].attention.kind", "required"),
        (global_kd(library=artifact_pb2.ArtifactRef()), "spec.global_kd.library", "required"),
        (global_kd(token_budget=0), "spec.global_kd.token_budget", "positive"),
    ],
)
def test_bad_specs_are_invalid_arguments_naming_the_field(spec, field, words):
    with pytest.raises(InvalidArgument) as raised:
        validate_spec(spec, SETTINGS)
    assert raised.value.field == field
    assert resolve_field_path(pb.CreateDistillationJobRequest.DESCRIPTOR, field) is not None  # a real proto path
    assert words in raised.value.message


def test_a_good_library_spec_passes():
    validate_spec(library(token_budget=4096, search_space=pb.SearchSpace(kv_heads=[2, 1], ffn_intermediate_sizes=[64])),
                  SETTINGS)
