"""Host-side process handling for the sandbox: pidfds, killing a plain-mode process tree, CPU pinning."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time
from typing import Iterator

INFO_TIMEOUT_S = 10.0


def open_init_pidfd(info_r: int) -> int:
    """A pidfd for the sandbox's pid-namespace init, from bwrap's --info-fd JSON; -1 when unavailable.

    Killing that init makes the kernel kill everything else in the namespace, and bwrap exits once all of it is
    reaped; a pidfd (not a pid) rules out signalling a recycled pid.
    """
    data = b""
    deadline = time.monotonic() + INFO_TIMEOUT_S
    try:
        while len(data) < 4096 and time.monotonic() < deadline:
            ready, _, _ = select.select([info_r], [], [], 0.5)
            if not ready:
                continue
            chunk = os.read(info_r, 4096)
            if not chunk:
                break
            data += chunk
        pid = json.loads(data.decode("utf-8")).get("child-pid")
        return os.pidfd_open(int(pid)) if hasattr(os, "pidfd_open") and isinstance(pid, int) else -1
    except (OSError, ValueError, AttributeError):
        return -1
    finally:
        os.close(info_r)


def core_for(index: int) -> int | None:
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    return cores[index % len(cores)] if len(cores) > 1 else None


@contextlib.contextmanager
def pinned(core: int | None) -> Iterator[None]:
    """Run this thread (and anything it starts) on one core; restore its affinity afterwards."""
    if core is None:
        yield
        return
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {core})
    except OSError:
        yield
        return
    try:
        yield
    finally:
        try:
            os.sched_setaffinity(0, before)
        except OSError:
            pass


def kill_plain_tree(pid: int, uid: int | None) -> None:
    """Plain mode: kill the zygote's descendants (orphans come back to it: it is a subreaper), its session,
    and, when the slot has its own uid, every process of that uid."""
    if not os.path.isdir("/proc"):
        _signal_group(pid)
        return
    for _ in range(20):
        family = _descendants(pid)
        if not family:
            break
        for child in family:
            _signal(child)
    _signal(pid)
    _signal_group(pid)
    if uid is None:
        return
    for _ in range(3):
        for name in os.listdir("/proc"):
            if name.isdigit() and _status_field(name, "Uid:") == str(uid):
                _signal(int(name))


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        ppid = _status_field(name, "PPid:") if name.isdigit() else ""
        if ppid.isdigit():
            parents.setdefault(int(ppid), []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _status_field(pid: str, key: str) -> str:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            return next((line.split()[1] for line in fh if line.startswith(key)), "")
    except (OSError, IndexError):
        return ""


def _signal(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _signal_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
