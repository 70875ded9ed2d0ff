"""The sandbox's entry script: a zygote that forks one fresh trial process per call into candidate code.

Runs inside the sandbox as an unprivileged uid (stdlib and numpy only; imports `protocol` and `candidate` from
its own folder). The zygote pre-imports numpy, freezes its heap and waits on the control socket; it never loads
candidate code. Per trial it rewrites the candidate's files into a wiped /tmp, forks, and reports the trial's exit
and CPU time after sweeping every leftover process. The trial sets its limits, reseeds, loads the entry file and
calls the planned function with a proxy `func` that reaches the grader only through float64 frames.
"""

import base64
import gc
import json
import os
import random
import resource
import shutil
import signal
import sys
import threading
import time
import traceback

import numpy as np
import numpy.random  # noqa: F401  (numpy 2 loads it lazily: 20 ms per trial if the zygote does not)

import candidate
import protocol
from protocol import HEADER, OP_BATCH, OP_EVAL, REPLY_EXHAUSTED, REPLY_OK, SINGLE_REPLY, EvaluationBudgetExhausted

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES_KEPT = 4
MESSAGE_CAP = 2000


# ----------------------------------------------------------------------------------------------- proxy func


def make_func(req_fd: int, rep_fd: int, dim: int, allow_batch: bool):
    """The `func` candidates call: checks and copies x, sends it to the grader, returns a Python float."""
    head = HEADER.pack(OP_EVAL, dim)
    state = [False, ""]  # stopped, why
    lock = threading.Lock()
    array, isfinite, float64, unpack = np.array, np.isfinite, np.float64, SINGLE_REPLY.unpack

    def stop(why: str):
        state[0], state[1] = True, why
        raise EvaluationBudgetExhausted(why)

    def func(x):
        if state[0]:
            raise EvaluationBudgetExhausted(state[1])
        a = _as_points(x, dim, array, float64)
        if a.ndim == 2:
            if not allow_batch:
                raise ValueError(f"func(x) takes one point of {dim} numbers; batches of points (a 2-D array) "
                                 "are not allowed by this rubric")
            return batch(a)
        if not isfinite(a).all():
            raise ValueError(f"func(x) needs finite numbers; got {candidate.safe_repr(a.tolist())}")
        with lock:
            if state[0]:
                raise EvaluationBudgetExhausted(state[1])
            os.write(req_fd, head + a.tobytes())
            reply = protocol.read_exact(rep_fd, 16)
        if len(reply) != 16:
            stop("the grader stopped answering evaluations")
        code, _, value = unpack(reply)
        if code == REPLY_OK:
            return value
        if code == REPLY_EXHAUSTED:
            stop("the evaluation budget is spent: func cannot be called any more")
        raise ValueError(f"func could not evaluate {candidate.safe_repr(a.tolist())}")

    def batch(a):
        k = a.shape[0]
        if not 1 <= k <= protocol.MAX_BATCH_POINTS:
            raise ValueError(f"func(X) takes 1 to {protocol.MAX_BATCH_POINTS} points at once; got {k}")
        if not isfinite(a).all():
            raise ValueError("func(X) needs finite numbers; the batch holds NaN or infinity")
        with lock:
            if state[0]:
                raise EvaluationBudgetExhausted(state[1])
            os.write(req_fd, HEADER.pack(OP_BATCH, k * dim) + a.tobytes())
            head_bytes = protocol.read_exact(rep_fd, HEADER.size)
            if len(head_bytes) != HEADER.size:
                stop("the grader stopped answering evaluations")
            code, n = HEADER.unpack(head_bytes)
            body = protocol.read_exact(rep_fd, 8 * n)
        if code == REPLY_EXHAUSTED:
            stop("the evaluation budget is spent: func cannot be called any more")
        if code != REPLY_OK or len(body) != 8 * k:
            raise ValueError("func could not evaluate this batch")
        return np.frombuffer(body, dtype="<f8").copy()

    func.__name__ = func.__qualname__ = "func"
    func.__doc__ = f"The objective: func(x) -> float for x of {dim} numbers (calls are counted by the grader)."
    return func, lambda why: state.__setitem__(slice(0, 2), [True, why])


def _as_points(x, dim: int, array, float64):
    """x as a fresh float64 array of shape (dim,) or, for a batch, (k, dim); ValueError in plain words."""
    if isinstance(x, (str, bytes, bytearray, dict)) or x is None:
        raise ValueError(f"func(x) needs {dim} numbers (a list, tuple or numpy array); got "
                         f"{candidate.safe_repr(x)}")
    try:
        a = array(x, dtype=float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"func(x) needs {dim} real numbers; got {candidate.safe_repr(x)} ({exc})") from None
    if a.shape == (dim,) or (a.ndim == 2 and a.shape[1] == dim):
        return a
    if a.ndim == 0 and dim == 1:
        return a.reshape(1)
    if a.ndim == 2 and a.shape[0] == 1 and a.shape[1] == dim:
        return a
    raise ValueError(f"func(x) needs {dim} numbers; got {a.size} (shape {a.shape}): {candidate.safe_repr(x)}")


# ----------------------------------------------------------------------------------------------- one trial


def set_limits(limits: dict) -> None:
    """rlimits of this trial process (and what it forks); a limit the platform lacks is skipped."""
    mib = 1 << 20
    wanted = [
        ("RLIMIT_AS", int(limits["memory_mb"]) * mib, int(limits["memory_mb"]) * mib),
        ("RLIMIT_CPU", max(1, int(limits["cpu_s"] + 0.999)), max(1, int(limits["cpu_s"] + 0.999)) + 1),
        ("RLIMIT_NPROC", int(limits["processes"]), int(limits["processes"])),
        ("RLIMIT_NOFILE", int(limits["open_files"]), int(limits["open_files"])),
        ("RLIMIT_FSIZE", int(limits["file_size_mb"]) * mib, int(limits["file_size_mb"]) * mib),
        ("RLIMIT_CORE", 0, 0),
    ]
    for name, soft, hard in wanted:
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass


def describe_exception(exc: BaseException, code_dir: str) -> dict:
    """An exception as JSON: type, message, and the last frames that are not the harness's own."""
    try:
        message = str(exc)
    except BaseException:
        message = "<the exception's message could not be printed>"
    frames = []
    try:
        for fr in traceback.extract_tb(exc.__traceback__):
            if os.path.dirname(os.path.abspath(fr.filename)) == HERE:
                continue
            name = _short_path(fr.filename, code_dir)
            frames.append([name, fr.lineno or 0, fr.name, (fr.line or "")[:200]])
    except BaseException:
        frames = []
    return {
        "type": candidate._type_name(exc),
        "message": message[:MESSAGE_CAP],
        "frames": frames[-FRAMES_KEPT:],
        "memory": isinstance(exc, MemoryError),
        "exhausted": isinstance(exc, EvaluationBudgetExhausted),
        "exit_code": repr(exc.code)[:100] if isinstance(exc, SystemExit) else None,
    }


def _short_path(path: str, code_dir: str) -> str:
    """A traceback path as a reader wants it: relative to the submission, or from site-packages on."""
    if path.startswith(code_dir + os.sep):
        return path[len(code_dir) + 1:]
    for marker in ("site-packages" + os.sep, "python" + sys.version[:4].rstrip(".") + os.sep):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def execute(msg: dict, req_fd: int, rep_fd: int, code_dir: str) -> dict:
    """Load the entry, resolve and call the planned function; the outcome as plain JSON data."""
    seed = int(msg["seed"])
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    os.environ["PYTHONHASHSEED"] = str(seed % (1 << 32))  # for any Python the candidate starts
    dim, phase, plan = int(msg["dim"]), str(msg["phase"]), msg["plan"]
    func, close_func = make_func(req_fd, rep_fd, dim, bool(msg.get("allow_batch")))
    out = {"stage": "load", "load_notes": [], "imported": []}
    candidate.start_import_audit()
    try:
        os.chdir(code_dir)
        entry = os.path.join(code_dir, msg["entry"])
        sys.argv = [entry]
        namespace, notes = candidate.load_entry(entry)
        out["load_notes"] = [str(n) for n in notes]
        out["stage"] = "resolve"
        fn = candidate.resolve(namespace, plan)
        out["stage"] = "call"
        raw = candidate.call(fn, plan, func, msg.get("point"), msg.get("bounds"))
        close_func(f"{phase} already returned: func cannot be called after that")
        out["stage"] = "return"
        out["ret"] = candidate.describe_return(raw, phase, dim)
        out["outcome"] = "returned"
    except BaseException as exc:
        close_func(f"{phase} already ended: func cannot be called after that")
        out["outcome"] = "raised"
        out["exc"] = describe_exception(exc, code_dir)
        out["harness_error"] = isinstance(exc, candidate.PlanError)
    try:
        out["imported"] = candidate.imported_modules()
    except BaseException:
        pass
    return out


def run_trial(msg: dict, fds: list, code_dir: str, plain: bool) -> None:
    """The forked trial process: never returns (os._exit, so the candidate's threads and atexit never run)."""
    req_fd, rep_fd, res_fd, out_fd, err_fd = fds
    try:
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.close(out_fd)
        os.close(err_fd)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        if plain:
            os.setsid()  # without a pid namespace, the sweep kills the trial's process group
        set_limits(msg["limits"])
        result = execute(msg, req_fd, rep_fd, code_dir)
    except BaseException as exc:  # a fault in this script, not the candidate's: say so
        result = {"stage": "harness", "outcome": "raised", "harness_error": True,
                  "exc": {"type": type(exc).__name__, "message": str(exc)[:MESSAGE_CAP], "frames": []}}
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    try:
        protocol.write_all(res_fd, protocol.encode_result(result))
    except BaseException:
        os._exit(3)
    os._exit(0)


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


def zygote(ctl_fd: int, bundle_fd: int, tmp: str, pid_namespace: bool) -> None:
    """Serve trials forever: one control message in, one fork, one exit report out."""
    import socket

    ctl = socket.socket(fileno=ctl_fd)
    with os.fdopen(bundle_fd, "rb") as fh:
        fh.seek(0)
        bundle = json.loads(fh.read().decode("utf-8"))
    files = [(rel, base64.b64decode(data)) for rel, data in bundle["files"]]
    code_dir = os.path.join(tmp, "code")
    gc.collect()
    gc.freeze()
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: trials (same uid) cannot ptrace us or read our memory
    _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans of a trial come back to us for the sweep
    protocol.send_message(ctl, {"op": "ready", "python": sys.version.split()[0], "numpy": np.__version__})
    while True:
        msg, fds, eof = protocol.recv_message(ctl)
        if eof:
            os._exit(0)
        if not isinstance(msg, dict) or msg.get("op") != "trial" or len(fds) != 5:
            for fd in fds:
                os.close(fd)
            protocol.send_message(ctl, {"op": "error", "message": "malformed trial request"})
            continue
        wipe(tmp)
        write_code(code_dir, files)
        pid = os.fork()
        if pid == 0:
            ctl.close()
            run_trial(msg, fds, code_dir, plain=not pid_namespace)
        for fd in fds:
            os.close(fd)
        protocol.send_message(ctl, {"op": "started", "pid": pid})
        _, status, usage = os.wait4(pid, 0)
        ok, left = sweep(pid, pid_namespace)
        wipe(tmp)
        protocol.send_message(ctl, {
            "op": "exit",
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
            "leftovers": left,
            "swept": ok,
        })


def main(argv: list) -> None:
    args = dict(zip(argv[1::2], argv[2::2]))
    zygote(int(args["--ctl"]), int(args["--bundle"]), args["--tmp"], args["--mode"] == "bwrap")


if __name__ == "__main__":
    main(sys.argv)
