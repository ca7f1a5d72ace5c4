"""Is a claim's owner provably dead? Lets a restarted bot take over its predecessor's claims at once.

Owners are ``host:pid:random`` (bot.wiring). Only an owner on this host can be checked, and only
"the pid is gone" (or a zombie that was killed and not yet reaped) counts as dead: an owner on
another host, an owner string of another shape, our own pid, a pid we may not signal, or one that
was reused by another process all count as alive, so the claim simply waits for its lease. Hosts
must therefore have distinct hostnames (containers sharing a hostname and a pid namespace do not).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def local_owner_dead(owner: str | None, *, hostname: str | None = None) -> bool:
    if not owner:
        return False
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != (hostname if hostname is not None else socket.gethostname()):
        return False
    if pid <= 1 or pid == os.getpid():
        return False
    return not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    # A killed process that its parent has not reaped yet still answers signal 0.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    state = stat.rpartition(")")[2].split()[:1]
    return state not in (["Z"], ["X"])
