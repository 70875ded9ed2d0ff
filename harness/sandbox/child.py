"""The sandbox's entry script: a zygote that forks one fresh trial process per call into candidate code.

Runs inside the sandbox as an unprivileged uid (stdlib and numpy only; imports `protocol`, `trial` and
`candidate` from its own folder). The zygote pre-imports numpy, freezes its heap and waits on the control socket;
it never loads candidate code, so nothing a candidate does at import time reaches the next trial. Per trial it
rewrites the candidate's files into a wiped /tmp, forks (the trial is `trial.run_trial`), and reports the trial's
exit and CPU time after sweeping every process the trial left behind and checking that nothing a later fork
would inherit from the zygote was changed (`inherited`: a change makes the grader restart the sandbox).
"""

import base64
import gc
import json
import os
import resource
import shutil
import signal
import socket
import sys
import time

import numpy as np
import numpy.random  # noqa: F401  (numpy 2 loads it lazily: 20 ms per trial if the zygote does not)

import protocol
import seccomp
import trial


# ----------------------------------------------------------------------------------------------- zygote


def _prctl(option: int, value: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def wipe(folder: str) -> None:
    """Empty `folder` (the trial's /tmp) without following any link a trial left there."""

    def fix(func, path, _exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass

    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=fix)
        else:
            try:
                os.unlink(path)
            except OSError:
                fix(None, path, None)


def write_code(code_dir: str, files: list) -> None:
    """The candidate's files, fresh for every trial."""
    os.makedirs(code_dir, mode=0o755)
    for rel, data in files:
        if os.path.isabs(rel) or os.path.normpath(rel).startswith(".."):
            continue  # the grader only sends relative paths inside the folder; never write elsewhere
        path = os.path.join(code_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def _others(me: int, pid_namespace: bool) -> list:
    """Processes left by trials: every pid but 1 and ours inside a pid namespace, else our children."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, me):
            continue
        if pid_namespace:
            found.append(int(name))
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            if int(stat[stat.rindex(b")") + 2:].split()[1]) == me:
                found.append(int(name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def sweep(trial_pid: int, pid_namespace: bool) -> tuple:
    """Kill and reap everything a trial left running; (ok, how many were left)."""
    me = os.getpid()
    linux = os.path.isdir("/proc/self")
    left, deadline = None, time.monotonic() + 3.0
    while True:
        _reap()
        others = _others(me, pid_namespace) if linux else []
        if left is None:
            left = len(others)
        if not others:
            if not linux:
                _killpg(trial_pid)
            return True, left
        if time.monotonic() > deadline:
            return False, left
        if pid_namespace:
            try:
                os.kill(-1, signal.SIGKILL)  # every process of our uid in the namespace, except us and pid 1
            except OSError:
                pass
        else:
            _killpg(trial_pid)
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.0005)


def inherited(sysv: bool) -> dict:
    """What a trial inherits from the zygote that a process of the same uid can change from outside: rlimits
    (prlimit), nice value (setpriority), scheduling policy, CPU affinity, and the SysV IPC objects of the
    sandbox's own IPC namespace (`sysv`: not in plain mode, where they are the host's). A trial that changes
    any of them could pass what it learned to the next trial."""
    state: dict = {}
    for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        try:
            state[name] = resource.getrlimit(getattr(resource, name))
        except (ValueError, OSError):
            pass
    probes = {"nice": lambda: os.getpriority(os.PRIO_PROCESS, 0),
              "scheduler": lambda: (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority),
              "affinity": lambda: sorted(os.sched_getaffinity(0))}
    for kind in ("shm", "msg", "sem") if sysv else ():
        probes[f"sysv {kind}"] = lambda kind=kind: _sysv_count(kind)
    for key, probe in probes.items():
        try:
            state[key] = probe()
        except (AttributeError, OSError, ValueError):
            pass
    return state


def _sysv_count(kind: str) -> int:
    with open(f"/proc/sysvipc/{kind}", "rb") as fh:
        return max(0, len(fh.read().splitlines()) - 1)  # a header line, then one line per object


def changes(baseline: dict, sysv: bool) -> str:
    """Which inherited settings differ from the zygote's start ("" when none)."""
    now = inherited(sysv)
    return ", ".join(sorted(k for k in set(baseline) | set(now) if baseline.get(k) != now.get(k)))


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def zygote(ctl_fd: int, bundle_fd: int, tmp: str, pid_namespace: bool, use_seccomp: bool) -> None:
    """Serve trials forever: one control message in, one fork, one exit report out."""
    ctl = socket.socket(fileno=ctl_fd)
    with os.fdopen(bundle_fd, "rb") as fh:
        fh.seek(0)
        bundle = json.loads(fh.read().decode("utf-8"))
    files = [(rel, base64.b64decode(data)) for rel, data in bundle["files"]]
    code_dir = os.path.join(tmp, "code")
    filtered = use_seccomp and seccomp.install(seccomp.build())  # inherited by every trial: no per-trial cost
    gc.collect()
    gc.freeze()
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: trials (same uid) cannot ptrace us or read our memory
    _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans of a trial come back to us for the sweep
    baseline = inherited(pid_namespace)
    protocol.send_message(ctl, {"op": "ready", "python": sys.version.split()[0], "numpy": np.__version__,
                                "seccomp": filtered})
    while True:
        msg, fds, eof = protocol.recv_message(ctl)
        if eof:
            os._exit(0)
        if not isinstance(msg, dict) or msg.get("op") != "trial" or len(fds) != 5:
            for fd in fds:
                os.close(fd)
            protocol.send_message(ctl, {"op": "error", "message": "malformed trial request"})
            continue
        try:
            wipe(tmp)
            write_code(code_dir, files)
            pid = os.fork()
        except Exception as exc:  # say why instead of dying: a dead zygote would look like the candidate's doing
            for fd in fds:
                os.close(fd)
            protocol.send_message(ctl, {"op": "error", "message": f"could not prepare the trial: {exc}"})
            continue
        if pid == 0:
            ctl.close()
            trial.run_trial(msg, fds, code_dir, not pid_namespace)
        for fd in fds:
            os.close(fd)
        protocol.send_message(ctl, {"op": "started", "pid": pid})
        _, status, usage = os.wait4(pid, 0)
        ok, left = sweep(pid, pid_namespace)
        changed = changes(baseline, pid_namespace) if ok else ""  # with every trial process gone, it is final
        protocol.send_message(ctl, {
            "op": "exit",
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
            "leftovers": left,
            "swept": ok and not changed,
            "changed": changed,
        })


def main(argv: list) -> None:
    args = dict(zip(argv[1::2], argv[2::2]))
    zygote(int(args["--ctl"]), int(args["--bundle"]), args["--tmp"], args["--mode"] == "bwrap",
           args.get("--seccomp") == "1")


if __name__ == "__main__":
    main(sys.argv)
