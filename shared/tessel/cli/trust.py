"""`tessel compress trust --parent … --child …`: trust evaluation of a compressed child against its parent on
the held-out cloze task (estimator, metrics and selective-trainer services), retention side by side."""

from __future__ import annotations

import asyncio

import click

from tessel.cli.output import emit_json, json_option, table

OPEN_UNIT = click.FloatRange(0.0, 1.0, min_open=True, max_open=True)
ROWS = (("cloze accuracy", "accuracy"), ("prediction advantage", "prediction_advantage"), ("AURC", "aurc"),
        ("E-AURC", "e_aurc"), ("certified coverage (calibration)", "certified_coverage"),
        ("coverage (test)", "test_coverage"), ("selective risk (test)", "test_risk"))


@click.command("trust")
@click.option("--parent", "parent_model", required=True, help="Parent model reference (shipped name or folder).")
@click.option("--child", "child_model", required=True, help="Compressed child folder (inside the data roots).")
@click.option("--child-tokenizer", default="", help="Tokenizer folder when the child folder has none.")
@click.option("--corpus", default="", help="Corpus whose held-out split gives the cloze items (default: shipped).")
@click.option("--seed", type=int, default=0, show_default=True, help="The pipeline's corpus split seed.")
@click.option("--cloze-items", type=click.IntRange(2, 2000), default=200, show_default=True)
@click.option("--risk", "risk_target", type=OPEN_UNIT, default=0.1, show_default=True, help="Target risk r*.")
@click.option("--delta", type=OPEN_UNIT, default=0.05, show_default=True, help="SGR confidence parameter.")
@click.option("--calibration-fraction", type=OPEN_UNIT, default=0.5, show_default=True,
              help="Share of the items SGR certifies on; the rest is the test split.")
@click.option("--device", default="", help="auto, cpu or cuda (default: the service's setting).")
@json_option
def trust(parent_model, child_model, child_tokenizer, corpus, seed, cloze_items, risk_target, delta,
          calibration_fraction, device, as_json) -> None:
    """Child vs parent: accuracy, PA, AURC, E-AURC and SGR-certified coverage at r*, with retention."""
    from tessel.client.trust import TrustSettings, compare_trust

    settings = TrustSettings(corpus=corpus, corpus_seed=seed, cloze_items=cloze_items, risk_target=risk_target,
                             delta=delta, calibration_fraction=calibration_fraction, split_seed=seed, device=device)
    comparison = asyncio.run(compare_trust(parent_model, child_model, settings, child_tokenizer=child_tokenizer))
    if as_json:
        emit_json(comparison.to_document())
        return
    parent, child, retention = vars(comparison.parent), vars(comparison.child), comparison.retention
    table(f"trust at r* = {risk_target} (delta {delta}, {comparison.parent.n} cloze items)",
          ["", "parent", "child", "retention"],
          [(name, parent[key], child[key], retention.get(key)) for name, key in ROWS])
