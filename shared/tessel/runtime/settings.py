"""Typed configuration from TESSEL_* and OTEL_* environment variables, validated at start."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class Settings(BaseSettings):
    """Settings every service and the CLI share. Service-specific settings subclass this with
    their own `TESSEL_<SERVICE>_` prefix."""

    model_config = SettingsConfigDict(env_prefix="TESSEL_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".tessel")
    stack_dir: Path | None = None
    cache_dir: Path | None = None
    artifacts_uri: str | None = None
    nats_url: str = "nats://127.0.0.1:4222"
    grpc_host: str = "0.0.0.0"
    grpc_port: int | None = Field(default=None, ge=0, le=65535)
    grpc_max_message_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # Work queues: a job whose worker stops heartbeating for this long is redelivered (resumed) ...
    work_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # ... at most this many times in all, then it is FAILED and dead-lettered.
    work_max_attempts: int = Field(default=3, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # Unary calls in flight per service before RESOURCE_EXHAUSTED, and the threads their CPU work runs on
    # (one per usable core, at most 4: more threads than cores only fight the event loop for the GIL,
    # which measured a 2.3 s health check under 20 heavy calls with 8 threads on 2 cores, 0.5 s with 2).
    max_concurrent_rpcs: int = Field(default=64, ge=1)
    rpc_worker_threads: int = Field(default_factory=lambda: min(4, len(os.sched_getaffinity(0))), ge=1)
    # Operator-owned folders a request may name (corpora, models, datasets), besides the cache and a
    # local artifact store; JSON list, e.g. TESSEL_DATA_ROOTS='["/data/corpora"]'.
    data_roots: list[Path] = Field(default_factory=list)
    # The most bytes one artifact read may hold in memory (a hostile ref must not exhaust RAM).
    artifact_max_read_bytes: int = Field(default=4 * 1024**3, gt=0)
    # Transport security (tessel.runtime.transport). Off only by default, for the local stack. Secrets are
    # read from files (Kubernetes Secrets mounted as files), never from the environment or logs.
    # gRPC server: a certificate turns TLS on; a client CA makes it mutual (clients must present certs).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    # gRPC client (CLI, service-to-service): a CA turns TLS on; a cert and key answer mTLS.
    tls_ca_file: Path | None = None
    tls_client_cert_file: Path | None = None
    tls_client_key_file: Path | None = None
    tls_server_name: str | None = None
    # Reflection lists the API to anyone who can connect: on locally, off in the chart's production values.
    grpc_reflection: bool = True
    # A second, plaintext port serving only grpc.health.v1: kubelet gRPC probes cannot speak TLS.
    health_port: int | None = Field(default=None, ge=0, le=65535)
    # Copies of each JetStream stream and of the job bucket (3 on a clustered JetStream).
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    # NATS: user + password file, or a .creds file (JWT + nkey); TLS with a CA (and a client cert for mTLS).
    nats_user: str | None = None
    nats_password_file: Path | None = None
    nats_creds_file: Path | None = None
    nats_tls_ca_file: Path | None = None
    nats_tls_cert_file: Path | None = None
    nats_tls_key_file: Path | None = None

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def stack_path(self) -> Path:
        return (self.stack_dir or self.home / "stack").expanduser()

    @property
    def cache_path(self) -> Path:
        return (self.cache_dir or self.home / "cache").expanduser()

    @property
    def artifacts_root(self) -> str:
        return self.artifacts_uri or (self.home / "artifacts").expanduser().as_uri()


class TracingSettings(BaseSettings):
    """The standard OpenTelemetry variables we honour."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore")

    service_name: str | None = None
    traces_exporter: str = "none"
    exporter_otlp_endpoint: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def torch_device(setting: str | None = None) -> str:
    """Resolve the `TESSEL_DEVICE` setting to a torch device string (CUDA only when present)."""
    import torch

    choice = setting or get_settings().device
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return choice


def requested_torch_device(requested: str, *, field: str) -> str:
    """A client's device choice ('' = the service's setting); CUDA on a node without a GPU is
    FAILED_PRECONDITION on `field`."""
    import torch

    from tessel.runtime.errors import FailedPrecondition

    device = torch_device(requested or None)
    if device == "cuda" and not torch.cuda.is_available():
        raise FailedPrecondition("CUDA was requested but no GPU is visible", field=field)
    return device
