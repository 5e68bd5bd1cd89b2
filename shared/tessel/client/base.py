"""Channel handling shared by every client: address resolution, message limits, tracing."""

from __future__ import annotations

import numpy as np

from tessel.common.v1 import array_pb2
from tessel.runtime.arrays import array_to_proto, npy_bytes
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.server import channel_options
from tessel.runtime.settings import Settings, get_settings
from tessel.runtime.tracing import setup_tracing
from tessel.runtime.transport import client_channel
from tessel.stack.state import service_address

# Arrays larger than this go through the artifact store instead of inline (the gRPC limit is 64 MiB).
INLINE_LIMIT_BYTES = 16 * 1024 * 1024


def encode_array(values: np.ndarray, *, settings: Settings | None = None) -> array_pb2.Array:
    """Inline when small; otherwise an .npy artifact where the services read artifacts
    (the same TESSEL_ARTIFACTS_URI: the local store, a shared volume or S3)."""
    values = np.asarray(values)
    if values.nbytes <= INLINE_LIMIT_BYTES:
        return array_to_proto(values)
    header = array_to_proto(values[:0])
    store = ArtifactStore((settings or get_settings()).artifacts_root)
    ref = store.put_bytes(npy_bytes(values), media_type="application/x-npy")
    return array_pb2.Array(dtype=header.dtype, shape=list(values.shape), artifact=ref)


class ServiceClient:
    """Owns one grpc.aio channel to a service; use as `async with MetricsClient() as client:`."""

    service_name: str
    stub_type: type

    def __init__(self, address: str | None = None, *, settings: Settings | None = None) -> None:
        settings = settings or get_settings()
        setup_tracing("tessel-client")  # instruments grpc.aio channels before the first one exists
        self.address = address or service_address(self.service_name, settings)
        self.channel = client_channel(self.address, settings, channel_options(settings))
        self.stub = self.stub_type(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
