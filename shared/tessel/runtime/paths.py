"""Server paths a client names must resolve inside configured roots.

Services are shared by many users: a request may name a folder (a corpus, a model, a dataset) only
when, after resolving symlinks and `..`, it lies inside a root the operator configured — the asset
cache, a local artifact store, or `TESSEL_DATA_ROOTS`. Anything else is INVALID_ARGUMENT, so no client
can make a service read (and republish as artifacts) files that aren't theirs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from tessel.runtime.errors import InvalidArgument
from tessel.runtime.settings import Settings, get_settings


def allowed_roots(settings: Settings | None = None) -> list[Path]:
    """The resolved folders client-named paths may lie in."""
    settings = settings or get_settings()
    roots = [settings.cache_path, *settings.data_roots]
    fs, root = url_to_fs(settings.artifacts_root)
    if isinstance(fs, LocalFileSystem):
        roots.append(Path(root))
    return [Path(os.path.realpath(root)) for root in roots]


def confined_path(text: str, *, field: str, roots: Iterable[Path] | None = None) -> Path:
    """`text` resolved (symlinks and `..` followed) when it is inside one of `roots`, else InvalidArgument."""
    if "\x00" in text:
        raise InvalidArgument("contains a NUL byte", field=field)
    resolved = Path(os.path.realpath(Path(text).expanduser()))
    roots = list(allowed_roots() if roots is None else roots)
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise InvalidArgument(
            f"{text!r} is outside the folders this service may read ({', '.join(map(str, roots))}); "
            "an operator can add data roots with TESSEL_DATA_ROOTS",
            field=field,
        )
    return resolved


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, symlinks resolved, stays inside the resolved `root` (for walking a confined folder)."""
    resolved = Path(os.path.realpath(path))
    return resolved.is_relative_to(Path(os.path.realpath(root)))
