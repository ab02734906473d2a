"""An exclusive lock on a file, for work one process at a time may do on this machine.

flock: the kernel lets go when the holder dies, SIGKILL included, so a lock is never left
behind by a crash.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold `path` (made, with its folder, if missing) exclusively; wait for it if held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
