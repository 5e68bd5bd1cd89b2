"""Content-addressed artifact store over fsspec (file:// locally, s3:// or a shared volume in a cluster).

Layout under the root URL:
  sha256/<first two hex>/<digest>   immutable content, written to a temp name then renamed, so a crash
                                     never leaves a partial object under a digest name;
  names/<name>.json                 mutable named pointers to content (how a restarted job finds the
                                     units of work it already finished).
Readers always verify the digest.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import stat
import shutil
import tempfile
import uuid
from pathlib import Path

import fsspec
from fsspec.core import url_to_fs

from tessel.common.v1 import artifact_pb2
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted

_CHUNK = 1 << 20
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")
_DIGEST_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# The only objects a reference may name: content under its digest, relative to the store root.
_CONTENT_KEY = re.compile(r"^sha256/([0-9a-f]{2})/([0-9a-f]{64})$")
DEFAULT_MAX_READ_BYTES = 4 * 1024**3


class ArtifactStore:
    def __init__(self, root_uri: str, *, cache_dir: Path | None = None, max_read_bytes: int = DEFAULT_MAX_READ_BYTES) -> None:
        self.root_uri = root_uri.rstrip("/")
        self.fs, self._root = url_to_fs(self.root_uri)
        self._root = posixpath.normpath(self._root)
        self.max_read_bytes = max_read_bytes
        self._local = isinstance(self.fs, fsspec.implementations.local.LocalFileSystem)
        self._cache_dir = cache_dir
        self.fs.makedirs(self._root, exist_ok=True)

    # -- writing ---------------------------------------------------------------------------------

    def put_bytes(self, data: bytes, *, media_type: str, name: str | None = None) -> artifact_pb2.ArtifactRef:
        digest = hashlib.sha256(data).hexdigest()
        path = self._content_path(digest)
        if not self.fs.exists(path):
            self._atomic_write(path, lambda handle: handle.write(data))
        return self._finish(digest, len(data), media_type, name)

    def put_file(self, local_path: Path | str, *, media_type: str, name: str | None = None) -> artifact_pb2.ArtifactRef:
        local_path = Path(local_path)
        digest = _file_digest(local_path)
        path = self._content_path(digest)
        if not self.fs.exists(path):

            def copy(handle) -> None:
                with local_path.open("rb") as source:
                    shutil.copyfileobj(source, handle, _CHUNK)

            self._atomic_write(path, copy)
        return self._finish(digest, local_path.stat().st_size, media_type, name)

    def put_json(self, document: object, *, name: str | None = None) -> artifact_pb2.ArtifactRef:
        data = json.dumps(document, indent=2, sort_keys=True).encode()
        return self.put_bytes(data, media_type="application/json", name=name)

    # -- reading ---------------------------------------------------------------------------------

    def get_bytes(self, ref: artifact_pb2.ArtifactRef, *, max_bytes: int | None = None) -> bytes:
        """The artifact's content, at most `max_bytes` (default: the store's cap) or RESOURCE_EXHAUSTED."""
        path = self._path_of(ref)
        limit = min(max_bytes or self.max_read_bytes, self.max_read_bytes)
        size = self._regular_file_size(path, ref)
        if size > limit:
            raise ResourceExhausted(
                f"artifact {ref.uri} holds {size} bytes, more than the {limit} this read accepts", field="artifact.uri"
            )
        try:
            with self.fs.open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except PermissionError as exc:
            raise InvalidArgument(f"artifact {ref.uri} is not readable", field="artifact.uri") from exc
        if len(data) > limit:  # grew since the size check
            raise ResourceExhausted(f"artifact {ref.uri} is larger than {limit} bytes", field="artifact.uri")
        if ref.sha256 and hashlib.sha256(data).hexdigest() != ref.sha256:
            raise FailedPrecondition(f"artifact {ref.uri} does not match its sha256", field="artifact.sha256")
        return data

    def get_json(self, ref: artifact_pb2.ArtifactRef) -> object:
        return json.loads(self.get_bytes(ref))

    def fetch(self, ref: artifact_pb2.ArtifactRef) -> Path:
        """A verified local file with the artifact's content (the object itself for file:// roots)."""
        path = self._path_of(ref)
        self._regular_file_size(path, ref)
        if self._local:
            local = Path(path)
        else:
            cache = Path(self._cache_dir or tempfile.gettempdir()) / "artifacts" / ref.sha256
            if not cache.exists():
                cache.parent.mkdir(parents=True, exist_ok=True)
                partial = cache.with_suffix(f".{uuid.uuid4().hex}.part")
                self.fs.get(path, str(partial))
                partial.replace(cache)
            local = cache
        if ref.sha256 and _file_digest(local) != ref.sha256:
            raise FailedPrecondition(f"artifact {ref.uri} does not match its sha256", field="artifact.sha256")
        return local

    def verify(self, ref: artifact_pb2.ArtifactRef) -> bool:
        try:
            self.fetch(ref)
        except (NotFound, FailedPrecondition):
            return False
        return True

    def lookup(self, name: str) -> artifact_pb2.ArtifactRef | None:
        """The artifact a name points to, or None when the name was never written."""
        try:
            with self.fs.open(self._name_path(name), "rb") as handle:
                pointer = json.load(handle)
        except FileNotFoundError:
            return None
        return artifact_pb2.ArtifactRef(**pointer)

    # -- internals -------------------------------------------------------------------------------

    def _finish(self, digest: str, size: int, media_type: str, name: str | None) -> artifact_pb2.ArtifactRef:
        ref = artifact_pb2.ArtifactRef(
            uri=self._uri_of(digest), sha256=digest, size_bytes=size, media_type=media_type
        )
        if name is not None:
            pointer = json.dumps(
                {"uri": ref.uri, "sha256": digest, "size_bytes": size, "media_type": media_type}
            ).encode()
            self._atomic_write(self._name_path(name), lambda handle: handle.write(pointer))
        return ref

    def _atomic_write(self, path: str, write) -> None:
        parent = path.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        temporary = f"{parent}/.tmp-{uuid.uuid4().hex}"
        try:
            with self.fs.open(temporary, "wb") as handle:
                write(handle)
            self.fs.mv(temporary, path)
        finally:
            if self.fs.exists(temporary):
                self.fs.rm(temporary)

    def _content_path(self, digest: str) -> str:
        return f"{self._root}/sha256/{digest[:2]}/{digest}"

    def _uri_of(self, digest: str) -> str:
        return f"{self.root_uri}/sha256/{digest[:2]}/{digest}"

    def _name_path(self, name: str) -> str:
        if not _NAME_PATTERN.match(name) or ".." in name:
            raise InvalidArgument(f"artifact name {name!r} is not a safe relative key", field="name")
        return f"{self._root}/names/{name}.json"

    def _path_of(self, ref: artifact_pb2.ArtifactRef) -> str:
        """The store path a reference names: only `<root>/sha256/<aa>/<digest>` after normalisation, so a
        client's URI can never reach another file (`..`, another folder, another scheme)."""
        if ref.sha256 and not _DIGEST_PATTERN.match(ref.sha256):
            raise InvalidArgument("must be 64 lowercase hex characters", field="artifact.sha256")
        if not ref.uri:
            raise InvalidArgument("is required", field="artifact.uri")
        if "\x00" in ref.uri:
            raise InvalidArgument("contains a NUL byte", field="artifact.uri")
        outside = InvalidArgument(f"{ref.uri} is not an object of this store ({self.root_uri})", field="artifact.uri")
        try:
            fs, path = url_to_fs(ref.uri)
        except (ValueError, ImportError) as exc:
            raise InvalidArgument(f"{ref.uri} has an unsupported scheme", field="artifact.uri") from exc
        if type(fs) is not type(self.fs):
            raise outside
        path = posixpath.normpath(path)
        if not path.startswith(self._root + "/"):
            raise outside
        key = _CONTENT_KEY.match(path[len(self._root) + 1 :])
        if key is None or key.group(2)[:2] != key.group(1):
            raise outside
        if ref.sha256 and ref.sha256 != key.group(2):
            raise FailedPrecondition(f"artifact {ref.uri} does not match its sha256", field="artifact.sha256")
        return path

    def _regular_file_size(self, path: str, ref: artifact_pb2.ArtifactRef) -> int:
        """The object's size; a missing object is NOT_FOUND, anything but a regular file INVALID_ARGUMENT."""
        try:
            if self._local:
                info = Path(path).lstat()
                if not stat.S_ISREG(info.st_mode):
                    raise InvalidArgument(f"artifact {ref.uri} is not a regular file", field="artifact.uri")
                return info.st_size
            info = self.fs.info(path)
        except FileNotFoundError as exc:
            raise NotFound(f"artifact {ref.uri} does not exist", field="artifact.uri") from exc
        except PermissionError as exc:
            raise InvalidArgument(f"artifact {ref.uri} is not readable", field="artifact.uri") from exc
        if info.get("type") != "file":
            raise InvalidArgument(f"artifact {ref.uri} is not a regular file", field="artifact.uri")
        return int(info["size"])


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
