"""Which claim owners are provably dead: only a process on this host whose pid is gone (or a zombie)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from bot.store.owners import local_owner_dead, pid_alive

HOST = socket.gethostname()


def test_only_a_gone_pid_on_this_host_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert not local_owner_dead(f"{HOST}:{child.pid}:abc")  # alive
        os.kill(child.pid, signal.SIGKILL)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped: a zombie
        assert not pid_alive(child.pid)
        assert local_owner_dead(f"{HOST}:{child.pid}:abc")
    finally:
        child.kill()
        child.wait()
    assert local_owner_dead(f"{HOST}:{child.pid}:abc")  # reaped: the pid is gone
    assert not local_owner_dead(f"other-{HOST}:{child.pid}:abc")  # another host: cannot know
    assert not local_owner_dead(f"{child.pid}:abc", hostname=HOST)  # not host:pid:random
    assert not local_owner_dead(f"{HOST}:{os.getpid()}:abc")  # ourselves
    assert not local_owner_dead(f"{HOST}:1:abc")  # init, and pids we may not signal, count as alive
    assert not local_owner_dead(None) and not local_owner_dead("") and not local_owner_dead("a")
    assert local_owner_dead(f"box:{child.pid}:abc", hostname="box")
