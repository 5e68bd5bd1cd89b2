"""CPU work of RPC handlers (decoding, validation, metrics) runs here: a small pool, one thread per usable
core (`TESSEL_RPC_WORKER_THREADS`), so under load the event loop keeps the GIL often enough to answer
health checks and streams. Long-running jobs use their own threads, never this pool, so a busy job can't
starve the RPCs."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from tessel.runtime.settings import get_settings

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=get_settings().rpc_worker_threads, thread_name_prefix="tessel-rpc")
        return _pool


async def run_cpu(function: Callable[..., T], *args, **kwargs) -> T:
    """`function(*args, **kwargs)` on the RPC pool, awaited from the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), functools.partial(function, *args, **kwargs))
