"""Transport security from settings: gRPC TLS / mTLS for servers and clients, NATS authentication and
TLS. Every service, worker and the CLI go through these three functions, so one set of TESSEL_* variables
secures all of them. Everything is off by default (the local stack); a certificate or a credential turns
its part on. Secret files are read here and never logged."""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc

from tessel.runtime.errors import FailedPrecondition
from tessel.runtime.settings import Settings


def _read(path: Path, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise FailedPrecondition(f"cannot read {setting} {path}: {error.strerror}", field=setting) from error


def add_server_port(server: grpc.aio.Server, address: str, settings: Settings) -> int:
    """Bind `address`: TLS when TESSEL_TLS_CERT_FILE is set, mutual TLS when TESSEL_TLS_CLIENT_CA_FILE is too."""
    if settings.tls_cert_file is None:
        return server.add_insecure_port(address)
    if settings.tls_key_file is None:
        raise FailedPrecondition("TESSEL_TLS_CERT_FILE needs TESSEL_TLS_KEY_FILE", field="tls_key_file")
    chain = _read(settings.tls_cert_file, "tls_cert_file")
    key = _read(settings.tls_key_file, "tls_key_file")
    client_ca = _read(settings.tls_client_ca_file, "tls_client_ca_file") if settings.tls_client_ca_file else None
    credentials = grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
    return server.add_secure_port(address, credentials)


def client_channel(address: str, settings: Settings, options: list[tuple[str, object]]) -> grpc.aio.Channel:
    """A channel to a service: TLS when TESSEL_TLS_CA_FILE is set (with a client certificate for mTLS)."""
    if settings.tls_ca_file is None:
        return grpc.aio.insecure_channel(address, options=options)
    cert = _read(settings.tls_client_cert_file, "tls_client_cert_file") if settings.tls_client_cert_file else None
    key = _read(settings.tls_client_key_file, "tls_client_key_file") if settings.tls_client_key_file else None
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(settings.tls_ca_file, "tls_ca_file"), private_key=key, certificate_chain=cert
    )
    if settings.tls_server_name:
        options = [*options, ("grpc.ssl_target_name_override", settings.tls_server_name)]
    return grpc.aio.secure_channel(address, credentials, options=options)


def nats_options(settings: Settings) -> dict[str, object]:
    """Keyword arguments for `nats.connect`: credentials and TLS from settings (none by default)."""
    options: dict[str, object] = {}
    if settings.nats_creds_file is not None:
        _read(settings.nats_creds_file, "nats_creds_file")  # fail clearly now, not inside the client
        options["user_credentials"] = str(settings.nats_creds_file)
    elif settings.nats_user is not None:
        if settings.nats_password_file is None:
            raise FailedPrecondition("TESSEL_NATS_USER needs TESSEL_NATS_PASSWORD_FILE", field="nats_password_file")
        options["user"] = settings.nats_user
        options["password"] = _read(settings.nats_password_file, "nats_password_file").decode().strip()
    if settings.nats_tls_ca_file is not None:
        context = ssl.create_default_context(cafile=str(settings.nats_tls_ca_file))
        if settings.nats_tls_cert_file is not None:
            context.load_cert_chain(str(settings.nats_tls_cert_file), keyfile=settings.nats_tls_key_file)
        options["tls"] = context
    return options
