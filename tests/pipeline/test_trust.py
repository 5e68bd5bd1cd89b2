"""`tessel compress trust`: child vs parent on the held-out cloze task through the uncertainty-estimator,
metrics and selective-trainer services (tiny random Llama and a derived child); the numbers agree with a
local computation from the same per-item confidences; bad settings name the flag or the field."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from tessel.cli.compress import compress
from tessel.client.trust import TrustSettings, calibration_mask, compare_trust
from tessel.runtime.errors import InvalidArgument

PARENT = "tiny-llama-2l"
ITEMS = 40


@pytest.fixture
async def trust_services(start, monkeypatch):
    from tessel_metrics.service import DEFINITION as METRICS
    from tessel_selective_trainer.service import DEFINITION as TRAINER
    from tessel_uncertainty_estimator.service import DEFINITION as ESTIMATOR

    for name, definition in (("uncertainty-estimator", ESTIMATOR), ("metrics", METRICS),
                             ("selective-trainer", TRAINER)):
        running = await start(definition)
        monkeypatch.setenv(f"TESSEL_{name.upper().replace('-', '_')}_ADDRESS", running.address)


@pytest.fixture(scope="module")
def child_folder(data_root):
    from tessel.assets.models import load_causal_lm
    from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
    from tessel.llm.model import derive_child
    from tessel.llm.nemotron_nas import save_heterogeneous

    parent, tokenizer = load_causal_lm(PARENT)
    heads, width = parent.config.num_key_value_heads, parent.config.intermediate_size
    blocks = [BlockConfig(AttentionConfig("gqa", heads), FFNConfig("mlp", width)),
              BlockConfig(AttentionConfig("gqa", heads), FFNConfig("linear"))]
    folder = data_root / "trust-child"
    save_heterogeneous(derive_child(parent, blocks), folder, blocks=blocks)
    tokenizer.save_pretrained(folder)
    return folder


def _local(folder, corpus_dir, seed, threshold):
    """Accuracy, and the certificate's threshold applied to the test split, from a local scoring."""
    from tessel.assets.cloze import build_cloze_task
    from tessel.assets.corpus import load_corpus
    from tessel.zoo.lm_choice import load_choice_model, score_choice_task

    model, tokenizer = load_choice_model(folder)
    task = build_cloze_task(load_corpus(corpus_dir, seed=seed), tokenizer, n_items=ITEMS, seed=0)
    scores = score_choice_task(model, tokenizer, task)
    errors = scores.predictions != task.answers
    test = ~calibration_mask(ITEMS, 0.5, seed)
    covered = scores.confidence[test] >= threshold
    return 1 - errors.mean(), covered.mean(), errors[test][covered].mean() if covered.any() else 0.0


async def test_trust_command_reports_child_vs_parent(trust_services, corpus_dir, child_folder):
    from tessel.assets.models import resolve_model

    arguments = ["trust", "--parent", PARENT, "--child", str(child_folder), "--corpus", corpus_dir, "--seed", "2",
                 "--cloze-items", str(ITEMS), "--risk", "0.6", "--delta", "0.2", "--device", "cpu", "--json"]
    result = await asyncio.to_thread(CliRunner().invoke, compress, arguments)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    for name, folder in (("parent", resolve_model(PARENT)), ("child", child_folder)):
        numbers = document[name]
        accuracy, coverage, risk = _local(folder, corpus_dir, 2, numbers["threshold"])
        assert numbers["n"] == ITEMS and numbers["accuracy"] == pytest.approx(accuracy)
        # PA against the best constant option, on 4 options
        assert -3.0 <= numbers["prediction_advantage"] <= 1.0
        assert 0.0 <= numbers["e_aurc"] <= numbers["aurc"] <= 1.0
        if numbers["feasible"]:
            assert numbers["certified_bound"] <= 0.6 and 0 < numbers["certified_coverage"] <= 1
            assert numbers["test_coverage"] == pytest.approx(coverage)
            assert numbers["test_risk"] == pytest.approx(risk)
        else:
            assert numbers["certified_coverage"] == 0 and numbers["test_coverage"] == 0
    for key in ("accuracy", "aurc", "certified_coverage"):
        parent, child = document["parent"][key], document["child"][key]
        assert document["retention"][key] == (pytest.approx(child / parent) if parent else None)


@pytest.mark.parametrize(("flag", "value"), [("--risk", "1.5"), ("--risk", "0"), ("--delta", "1"),
                                             ("--calibration-fraction", "0")])
def test_bad_flags_are_usage_errors(flag, value):
    result = CliRunner().invoke(compress, ["trust", "--parent", PARENT, "--child", "x", flag, value])
    assert result.exit_code == 2 and flag in result.output


@pytest.mark.parametrize("field", ["risk_target", "delta", "calibration_fraction"])
async def test_library_settings_outside_the_open_unit_interval_name_the_field(field):
    with pytest.raises(InvalidArgument) as raised:
        await compare_trust(PARENT, "x", TrustSettings(**{field: 1.0}))
    assert raised.value.field == field
