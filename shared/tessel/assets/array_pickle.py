"""Read the numpy-array pickles some datasets ship in (CIFAR batches, MNIST's mnist.pkl.gz) without
running code.

A pickle is a program: `pickle.load` on a file a client can place (a shared volume, /tmp) runs whatever
it names. These datasets only hold dicts, lists, tuples, bytes/str, numbers and numpy arrays, so the
unpickler resolves exactly the callables numpy's array pickles need (the same allow-list idea as
`torch.load(weights_only=True)`) and refuses every other global with InvalidArgument.
"""

from __future__ import annotations

import pickle
from typing import IO, Any

from tessel.runtime.errors import InvalidArgument

# (module, name) pairs an array pickle references; numpy 1.x spells the module `numpy.core`, 2.x `numpy._core`.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    # protocol 5 rebuilds an array from its raw buffer
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    # Python 3 writes protocol-2 bytes as _codecs.encode(text, "latin1"): a pure function.
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of a numpy array pickle")
        return super().find_class(module, name)


def load_array_pickle(handle: IO[bytes], *, encoding: str, source: str, field: str) -> Any:
    """The object in an array-only pickle; anything else (code, unknown classes, corruption) is
    InvalidArgument naming `source`."""
    try:
        return _ArrayUnpickler(handle, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise InvalidArgument(f"{source} is not a plain numpy-array pickle: {error}", field=field) from error
