"""Whose lease is it: a worker names itself "host:pid:thread" (queue.default_owner), so a
lease held on this host by a process that no longer runs can be given back at once
instead of waiting for it to run out."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def process_gone(pid: int) -> bool:
    """True only when the pid is known not to run: absent, or a zombie nobody reaped."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's live process
    try:
        # a killed child its parent has not waited for yet is dead, but still in the table
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def owner_is_dead(owner: str | None, *, host: str | None = None) -> bool:
    """A lease owner "host:pid:thread" on this host whose process is gone. Any other
    owner (another host, an unparseable name, this very process) is not known dead."""
    if not owner:
        return False
    name, sep, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if not sep or name != (host or socket.gethostname()) or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and process_gone(pid)
