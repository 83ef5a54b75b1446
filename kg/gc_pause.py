"""Pausing Python's cyclic garbage collector around work that makes millions of objects.

A build or a large page makes some million small acyclic lists, tuples and dicts (YAML values,
fragment rows, N-Triples lines). Each time the young generations fill, the collector runs, and
its full collections rescan the whole growing heap again and again: about 40 % of a 200-paper
build's time. Reference counting still frees all of it; what is cyclic is collected once the
collector is back on.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off (as it was after; nestable)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
