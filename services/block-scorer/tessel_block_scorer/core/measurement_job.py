"""The measurement job: an assembled architecture measured end to end on each scenario and compared with
the additive prediction from a scored library's costs (exactly the numbers the arch-solver budgets with).
The measuring itself is `core.measure.measure_architecture`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
from tessel.llm.scored_library import Scenario, ScoredLibrary
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel_block_scorer.core.cost import CostTable
from tessel_block_scorer.core.library import load_manifest
from tessel_block_scorer.core.measure import MeasureOptions, Measurement, measure_architecture

MEASUREMENT_REPORT_SCHEMA = "tessel.scoring.measurement"
MAX_LAYERS = 1024


@dataclass(frozen=True)
class MeasurementRequest:
    scored_library: Any  # ArtifactRef of a scored library (schema tessel.scoring.scored_library)
    block_configs: tuple[BlockConfig, ...] = ()
    architecture: Any = None  # ArtifactRef of {"block_configs": [...]} when block_configs is empty
    scenarios: tuple[Scenario, ...] = ()
    options: MeasureOptions = field(default_factory=MeasureOptions)


@dataclass(frozen=True)
class ResolvedMeasurement:
    parent_config: dict[str, Any]
    blocks: list[BlockConfig]
    scenarios: list[Scenario]
    table: CostTable


def read_json(store, ref, *, field: str) -> Any:
    if ref is None or not ref.uri:
        raise InvalidArgument("is required", field=field)
    try:
        with fields_renamed({"artifact": field}):
            return json.loads(store.get_bytes(ref))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidArgument("is not JSON", field=field) from error


def cost_table_of(library: ScoredLibrary) -> CostTable:
    """The scored library's costs as a table of shapes (a shape costs the same in every layer)."""
    attention, ffn = {}, {}
    for v in library.variants:
        if v.subblock == "attention":
            attention[AttentionConfig(**v.config)] = v.cost
        else:
            ffn[FFNConfig(**v.config)] = v.cost
    device = library.extra.get("cost", {}).get("device", library.scenario.device)
    return CostTable(scenario=library.scenario, device=device, overhead=library.overhead, attention=attention, ffn=ffn)


def resolve(request: MeasurementRequest, store) -> ResolvedMeasurement:
    library = ScoredLibrary.from_dict(read_json(store, request.scored_library, field="spec.scored_library"),
                                      field="spec.scored_library")
    from tessel.common.v1 import artifact_pb2

    manifest = load_manifest(store, artifact_pb2.ArtifactRef(**library.library), field="spec.scored_library")
    blocks = list(request.block_configs)
    if not blocks:
        document = read_json(store, request.architecture, field="spec.architecture")
        items = document.get("block_configs") if isinstance(document, dict) else None
        if not isinstance(items, list) or not 0 < len(items) <= MAX_LAYERS:
            raise InvalidArgument("needs block_configs (a list, one per layer)", field="spec.architecture")
        blocks = [BlockConfig.from_dict(item, field=f"spec.architecture.block_configs[{i}]") for i, item in enumerate(items)]
    scenarios = list(request.scenarios) or [library.scenario]
    for index, scenario in enumerate(scenarios):
        if dataclasses.replace(scenario, name="") != dataclasses.replace(library.scenario, name=""):
            raise InvalidArgument("the scored library's costs were measured for another scenario",
                                  field=f"spec.scenarios[{index}]")
    request.options.validate(field="spec.options")
    return ResolvedMeasurement(manifest["parent"]["config"], blocks, scenarios, cost_table_of(library))


def run_measurement(request: MeasurementRequest, *, store, progress, job_id: str) -> tuple[Any, list[Measurement]]:
    resolved = resolve(request, store)
    measurements = []
    for index, scenario in enumerate(resolved.scenarios):
        progress(done=index, total=len(resolved.scenarios), unit="scenarios",
                 message=f"measuring {scenario.name or scenario.device} end to end")
        measurements.append(measure_architecture(
            resolved.parent_config, resolved.blocks, scenario, table=resolved.table, options=request.options,
            field=f"spec.scenarios[{index}]", blocks_field="spec.block_configs"))
    progress(done=len(measurements), total=len(measurements), unit="scenarios", message="measured")
    report = {
        "schema": MEASUREMENT_REPORT_SCHEMA, "schema_version": 1, "job_id": job_id,
        "block_configs": [b.to_dict() for b in resolved.blocks],
        "measurements": [dataclasses.asdict(m) for m in measurements],
    }
    return store.put_json(report, name=f"block-scorer/{job_id}/measurement"), measurements
