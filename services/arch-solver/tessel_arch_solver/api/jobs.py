"""The assembly-job handler: solution document -> child from the block library -> Hugging Face folder
in the artifact store (a manifest of its files) -> result + tessel.arch.v1.child_assembled."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.arch.v1 import arch_pb2 as pb
from tessel.arch.v1 import events_pb2
from tessel.common.v1 import artifact_pb2, scenario_pb2
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, fields_renamed
from tessel_arch_solver.api.convert import costs_message
from tessel_arch_solver.core.document import read_solution_document

CHILD_ASSEMBLED_SUBJECT = "tessel.arch.v1.child_assembled"
CHILD_SCHEMA = "tessel.arch.child"
_DTYPES = {scenario_pb2.PRECISION_UNSPECIFIED: "float32", scenario_pb2.PRECISION_FLOAT32: "float32",
           scenario_pb2.PRECISION_BFLOAT16: "bfloat16", scenario_pb2.PRECISION_FLOAT16: "float16"}


def validate_spec(spec: pb.AssemblyJobSpec) -> None:
    if not spec.solution.uri:
        raise InvalidArgument("is required (Solution.artifact from Solve)", field="spec.solution")
    if spec.precision not in _DTYPES:
        raise InvalidArgument(f"unknown precision {spec.precision}", field="spec.precision")


def read_inputs(spec: pb.AssemblyJobSpec, store) -> tuple[dict[str, Any], dict[str, Any]]:
    """The solution document and the block library manifest it names (both from the store)."""
    with fields_renamed({"artifact": "spec.solution"}):
        document = read_solution_document(store.get_json(spec.solution))
    library = document["library"]
    if not isinstance(library, dict) or not library.get("uri"):
        raise FailedPrecondition("the solution's scored library names no block library manifest", field="spec.solution")
    with fields_renamed({"artifact": "spec.solution"}):
        manifest = store.get_json(artifact_pb2.ArtifactRef(uri=library["uri"], sha256=library.get("sha256", "")))
    return document, manifest


def assemble(spec: pb.AssemblyJobSpec, store, job_id: str) -> tuple[artifact_pb2.ArtifactRef, Any, dict[str, Any]]:
    import torch

    from tessel_arch_solver.core.assemble import assemble_and_export

    document, manifest = read_inputs(spec, store)
    choice = {(row["layer"], row["subblock"]): row["config"] for row in document["choices"]}
    with tempfile.TemporaryDirectory(prefix="tessel-assembly-") as scratch:
        result = assemble_and_export(
            manifest, choice, Path(scratch) / "child", store=store, dtype=getattr(torch, _DTYPES[spec.precision]),
            report={"solution": {"uri": spec.solution.uri, "sha256": spec.solution.sha256},
                    "predicted_costs": document["costs"], "scenario": document["scenario"]},
            field="spec.solution", manifest_field="spec.solution",
        )
        files = {}
        for path in sorted(result.folder.iterdir()):
            media_type = "application/json" if path.suffix == ".json" else (
                "application/x-safetensors" if path.suffix == ".safetensors" else "application/octet-stream")
            ref = store.put_file(path, media_type=media_type)
            files[path.name] = {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes,
                                "media_type": ref.media_type}
    child = {
        "schema": CHILD_SCHEMA, "schema_version": 1, "job_id": job_id,
        "solution": {"uri": spec.solution.uri, "sha256": spec.solution.sha256},
        "library": document["library"], "parent": document.get("parent", {}),
        "block_configs": [b.to_dict() for b in result.blocks], "sources": result.sources,
        "nemotron_nas_exact": result.nemotron_nas_exact, "flags": result.flags,
        "predicted_costs": document["costs"], "files": files,
    }
    return store.put_json(child, name=f"arch/assembly/{job_id}/model"), result, document


def flag_text(flag: dict[str, Any]) -> str:
    where = "" if flag.get("layer") is None else f"layer {flag['layer']} {flag.get('subblock') or ''}: "
    return f"{where}{flag.get('message') or flag.get('code', '')}"


async def run_assembly_job(ctx, spec: pb.AssemblyJobSpec) -> pb.AssemblyJobResult:
    validate_spec(spec)
    model_ref, result, document = await asyncio.to_thread(assemble, spec, ctx.artifacts, ctx.job_id)
    ctx.add_result(model_ref)
    stamp = Timestamp()
    stamp.GetCurrentTime()
    await ctx.publish(CHILD_ASSEMBLED_SUBJECT, events_pb2.ChildAssembled(
        job_id=ctx.job_id, solution=spec.solution, model=model_ref, time=stamp))
    return pb.AssemblyJobResult(model=model_ref, nemotron_nas_exact=result.nemotron_nas_exact,
                                flags=[flag_text(f) for f in result.flags],
                                predicted_costs=costs_message(document["costs"]))
