"""The model and corpus references a request (or a manifest a client may have written) names, resolved
on the server: the shipped names, or folders inside the configured roots (`tessel.runtime.paths`)."""

from __future__ import annotations

from pathlib import Path

from tessel.runtime.errors import InvalidArgument, NotFound
from tessel.runtime.paths import confined_path


def resolve_confined_model(ref: str, *, field: str) -> Path:
    """A model's local folder; an unknown reference or a folder outside the roots is INVALID_ARGUMENT."""
    from tessel.assets.models import DEFAULT_PARENT, parse_tiny_llama, resolve_model

    ref = ref.strip()
    named = ref == DEFAULT_PARENT or parse_tiny_llama(ref) is not None
    if not named and ref and Path(ref).expanduser().exists():
        ref = str(confined_path(ref, field=field))
    try:
        return resolve_model(ref)
    except (NotFound, InvalidArgument) as error:
        raise InvalidArgument(error.message, field=field) from error


def confined_corpus(corpus_ref: str, *, field: str) -> str:
    """The shipped corpus, or a user folder inside the configured roots (else INVALID_ARGUMENT): a client
    must not make a service read, and publish what it computes from, text that isn't theirs."""
    from tessel.assets.corpus import DEFAULT_CORPUS

    if corpus_ref in ("", DEFAULT_CORPUS):
        return DEFAULT_CORPUS
    return str(confined_path(corpus_ref, field=field))
