"""Export a heterogeneous child as a complete Hugging Face folder: nemotron-nas config.json, safetensors
weights, the bundled modeling/configuration files with `auto_map`, the parent's tokenizer files and a
generation config, and `tessel_export.json` listing what the nemotron-nas schema cannot express exactly.

`AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True)` loads it with only torch and
transformers installed; `tessel.llm.nemotron_nas.load_heterogeneous` loads it without remote code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tessel.llm.model import block_configs_of
from tessel.llm.nemotron_nas import save_heterogeneous
from tessel.llm.nemotron_nas_schema import nemotron_nas_problems

EXPORT_REPORT = "tessel_export.json"
EXPORT_SCHEMA = "tessel.arch.export"
EXPORT_SCHEMA_VERSION = 1
GENERATION_CONFIG = "generation_config.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                   "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: dict[str, str]  # file name -> sha256, every file of the folder but the report
    flags: list[dict[str, Any]]  # per (layer, subblock): what servers reading block_configs get wrong
    nemotron_nas_exact: bool


def export_hf_folder(model, folder: str | Path, *, blocks=None, source_folder: str | Path | None = None,
                     dtype: torch.dtype | None = None, report: dict[str, Any] | None = None) -> ExportResult:
    """Write the folder (absent or empty: stale files would ship with it). `source_folder` is the parent's folder: its tokenizer files and
    generation config are copied (without it the generation config is derived from the model config and the
    folder has no tokenizer, which the report flags). `dtype` casts the model, in place, before saving."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"export folder {folder} is not empty")
    if dtype is not None:
        model.to(dtype)
    blocks = list(blocks or block_configs_of(model))
    save_heterogeneous(model, folder, blocks=blocks, remote_code=True)
    config = json.loads((folder / "config.json").read_text())
    problems = nemotron_nas_problems(config)
    if problems:  # our own writer broke the schema: a bug, not the caller's input
        raise RuntimeError(f"exported config.json is not nemotron-nas: {problems}")
    flags = list(config["tessel_nemotron_nas_flags"])
    source = Path(source_folder) if source_folder is not None else None
    copied = [name for name in TOKENIZER_FILES if source is not None and (source / name).is_file()]
    for name in copied:
        shutil.copyfile(source / name, folder / name)
    if not copied:
        flags.append({"layer": None, "subblock": None, "code": "no_tokenizer",
                      "message": "no tokenizer files were found to copy: the folder cannot tokenize text"})
    if source is not None and (source / GENERATION_CONFIG).is_file():
        shutil.copyfile(source / GENERATION_CONFIG, folder / GENERATION_CONFIG)
    else:
        from transformers import GenerationConfig

        GenerationConfig.from_model_config(model.config).to_json_file(folder / GENERATION_CONFIG)
    files = {path.name: _sha256(path) for path in sorted(folder.iterdir()) if path.is_file() and path.name != EXPORT_REPORT}
    document = {
        "schema": EXPORT_SCHEMA,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "block_configs": [block.to_dict() for block in blocks],
        "nemotron_nas_exact": config["tessel_nemotron_nas_exact"],
        "flags": flags,
        "files": files,
        **(report or {}),
    }
    (folder / EXPORT_REPORT).write_text(json.dumps(document, indent=2, sort_keys=True))
    return ExportResult(folder=folder, files=files, flags=flags, nemotron_nas_exact=config["tessel_nemotron_nas_exact"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
