"""Memory a closed window freed goes back to the system, so an office or a kiosk that serves
account after account all day stays near the size it had after the first.

Measured on Linux (``benchmarks/office_memory.py``; no Python object or Qt widget is left
behind by a closed window): glibc's allocator keeps what the windows freed. Its threshold
for giving large blocks their own mapping rises to the largest block freed so far, so once
the first window's 4 MB backing store is freed, every later window's is carved from the heap
and stays there (+4–5 MB at the second account); and freed pages inside the heap are kept
for reuse. So the threshold is fixed at its usual 128 KiB (``tune_allocator``: large blocks
are mapped and unmapped as they come and go) and, once a main window is deleted, the heap's
free pages are handed back (``release_freed_memory``, ~1 ms).

Elsewhere (Windows, macOS, another C library) both are no-ops: their allocators are not
glibc's.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 128 * 1024  # glibc's own initial threshold, kept from rising


@cache
def _glibc() -> Any:
    """The C library's functions, if it is glibc (``ctypes.CDLL(None)``: the symbols the
    process already has; ``ctypes.util.find_library`` would run ``ldconfig``)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # on the way to the first paint only here, and only on Linux

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    except (OSError, AttributeError):
        return None
    return libc


def tune_allocator() -> bool:
    """Once, early (the application: after the first paint, before the services open):
    large blocks get their own mapping, given back as soon as they are freed, and the heap
    is trimmed above twice that. True if the allocator took it."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, 2 * LARGE_BLOCK)
    )


def release_freed_memory() -> bool:
    """Hand the free pages of every heap back to the system; True if any were."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
