"""Dense arrays on the wire (`tessel.common.v1.Array`): inline little-endian bytes or an .npy artifact.

Decoding validates everything a caller can get wrong (dtype, shape, byte length, rank) and names the
field, so a bad request becomes INVALID_ARGUMENT instead of a numpy traceback.
"""

from __future__ import annotations

import io
import math

import numpy as np

from tessel.common.v1 import array_pb2
from tessel.runtime.errors import InvalidArgument, fields_renamed

DTYPES: dict[int, np.dtype] = {
    array_pb2.D_TYPE_FLOAT32: np.dtype("<f4"),
    array_pb2.D_TYPE_FLOAT64: np.dtype("<f8"),
    array_pb2.D_TYPE_INT32: np.dtype("<i4"),
    array_pb2.D_TYPE_INT64: np.dtype("<i8"),
    array_pb2.D_TYPE_UINT8: np.dtype("u1"),
    array_pb2.D_TYPE_BOOL: np.dtype("?"),
}
MAX_RANK = 32
# An artifact-backed array is decoded in memory: at most this many bytes per array.
MAX_ARTIFACT_ARRAY_BYTES = 1024**3
MAX_DIMENSION = 2**31 - 1
_DTYPE_CODES = {dtype.newbyteorder("<") if dtype.itemsize > 1 else dtype: code for code, dtype in DTYPES.items()}


def array_to_proto(values: np.ndarray) -> array_pb2.Array:
    """Encode a numpy array inline (little-endian, row-major)."""
    array = np.asarray(values)
    # The wire has fewer types than numpy: widen the others losslessly.
    if array.dtype.kind == "f" and array.dtype.itemsize not in (4, 8):
        array = array.astype(np.float32)
    elif array.dtype.kind == "i" and array.dtype.itemsize < 4:
        array = array.astype(np.int32)
    elif array.dtype.kind == "u" and array.dtype.itemsize > 1:
        array = array.astype(np.int64)
    key = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    if key not in _DTYPE_CODES:
        raise InvalidArgument(f"unsupported dtype {array.dtype}", field="array")
    little = np.ascontiguousarray(array, dtype=key)
    return array_pb2.Array(dtype=_DTYPE_CODES[key], shape=list(array.shape), data=little.tobytes())


def array_from_proto(
    message: array_pb2.Array,
    *,
    field: str,
    kinds: str | None = None,
    ndim: int | None = None,
    artifacts=None,
) -> np.ndarray:
    """Decode and validate an Array.

    kinds: allowed numpy dtype kinds ("f" float, "i" signed int, "u" unsigned, "b" bool), e.g. "iu".
    ndim: required rank. artifacts: an ArtifactStore to resolve `artifact` sources with.
    """
    source = message.WhichOneof("source")
    if source is None:
        raise InvalidArgument("is required (inline data or an artifact reference)", field=field)
    if source == "artifact":
        if artifacts is None:
            raise InvalidArgument("artifact references are not accepted here", field=f"{field}.artifact")
        with fields_renamed({"artifact": f"{field}.artifact"}):  # the store names its own "artifact.uri"
            data = artifacts.get_bytes(message.artifact, max_bytes=MAX_ARTIFACT_ARRAY_BYTES)
        array = _load_npy(data, field=f"{field}.artifact")
    else:
        array = _decode_inline(message, field=field)
    if ndim is not None and array.ndim != ndim:
        raise InvalidArgument(f"must have {ndim} dimension(s), got shape {list(array.shape)}", field=field)
    if kinds is not None and array.dtype.kind not in kinds:
        raise InvalidArgument(f"has dtype {array.dtype.name}, expected {_describe_kinds(kinds)}", field=field)
    return array


def _decode_inline(message: array_pb2.Array, *, field: str) -> np.ndarray:
    if message.dtype not in DTYPES:
        raise InvalidArgument("dtype is unspecified or unknown", field=f"{field}.dtype")
    dtype = DTYPES[message.dtype]
    shape = tuple(message.shape)
    if len(shape) > MAX_RANK:
        raise InvalidArgument(f"has rank {len(shape)}, at most {MAX_RANK} is accepted", field=f"{field}.shape")
    if any(dim < 0 or dim > MAX_DIMENSION for dim in shape):
        # An empty array may still name a huge dimension ([0, 2**62]); numpy cannot even describe it.
        raise InvalidArgument(
            f"shape {list(shape)} has a dimension outside [0, {MAX_DIMENSION}]", field=f"{field}.shape"
        )
    count = math.prod(shape)
    if len(message.data) != count * dtype.itemsize:
        raise InvalidArgument(
            f"holds {len(message.data)} bytes but shape {list(shape)} of {dtype.name} needs {count * dtype.itemsize}",
            field=f"{field}.data",
        )
    return np.frombuffer(message.data, dtype=dtype).reshape(shape)


def _load_npy(data: bytes, *, field: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise InvalidArgument(f"is not a readable .npy file: {exc}", field=field) from exc


def _describe_kinds(kinds: str) -> str:
    names = {"f": "float", "i": "integer", "u": "unsigned integer", "b": "bool"}
    return " or ".join(names[k] for k in kinds)


def npy_bytes(values: np.ndarray) -> bytes:
    """Serialise an array as .npy (for artifact-backed arrays)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(values), allow_pickle=False)
    return buffer.getvalue()
