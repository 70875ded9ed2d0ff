"""One trial, inside the sandbox: limits, seeds, the candidate's entry file, the planned call, a JSON result.

Forked from the zygote (child.py). The proxy `func` checks and copies each point and reaches the grader only
through float64 frames; the count and the budget live on the grader's side. Everything sent back is plain JSON.
"""

import math
import os
import random
import resource
import signal
import sys
import threading
import traceback

import numpy as np

import candidate
import protocol
from protocol import HEADER, OP_BATCH, OP_EVAL, REPLY_EXHAUSTED, REPLY_OK, SINGLE_REPLY, EvaluationBudgetExhausted

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES_KEPT = 4
MESSAGE_CAP = 2000
STR_TIMEOUT_S = 0.2


# ----------------------------------------------------------------------------------------------- proxy func


def make_func(req_fd: int, rep_fd: int, dim: int, allow_batch: bool):
    """The `func` candidates call: checks and copies x, sends it to the grader, returns a Python float."""
    frame = protocol.struct.Struct(f"<II{dim}d")
    state = [False, ""]  # stopped, why
    lock = threading.Lock()
    ndarray, f64, shape, unpack, pack = np.ndarray, np.dtype(np.float64), (dim,), SINGLE_REPLY.unpack, frame.pack
    write, read, floats = os.write, os.read, frozenset((float, np.float64))

    def stop(why: str):
        state[0], state[1] = True, why
        raise EvaluationBudgetExhausted(why)

    def func(x):
        if state[0]:
            raise EvaluationBudgetExhausted(state[1])
        kind = type(x)
        if kind is ndarray and x.shape == shape and x.dtype == f64:
            values = x.tolist()  # the copy: later changes to x cannot reach what is sent
        elif (kind is list or kind is tuple) and len(x) == dim and all(type(v) in floats for v in x):
            values = list(x)
        else:
            a = _as_points(x, dim, allow_batch)
            if a.ndim == 2:
                return batch(a)
            values = a.tolist()
        total = sum(values)
        if total - total != 0:  # NaN or infinity somewhere (or an overflowing sum: then check each)
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"func(x) needs finite numbers; got {candidate.safe_repr(values)}")
        with lock:
            if state[0]:
                raise EvaluationBudgetExhausted(state[1])
            data = pack(OP_EVAL, dim, *values)
            sent = write(req_fd, data)
            if sent != len(data):  # only a frame past PIPE_BUF (dim > 500) can be split
                protocol.write_all(req_fd, data[sent:])
            reply = read(rep_fd, 16)
            if len(reply) != 16 and reply:
                reply += protocol.read_exact(rep_fd, 16 - len(reply))
        if len(reply) != 16:
            stop("the grader stopped answering evaluations")
        code, _, value = unpack(reply)
        if code == REPLY_OK:
            return value
        if code == REPLY_EXHAUSTED:
            stop("the evaluation budget is spent: func cannot be called any more")
        raise ValueError(f"func could not evaluate {candidate.safe_repr(values)}")

    def batch(a):
        k = a.shape[0]
        if not 1 <= k <= protocol.MAX_BATCH_POINTS:
            raise ValueError(f"func(X) takes 1 to {protocol.MAX_BATCH_POINTS} points at once; got {k}")
        if not np.isfinite(a).all():
            raise ValueError("func(X) needs finite numbers; the batch holds NaN or infinity")
        with lock:
            if state[0]:
                raise EvaluationBudgetExhausted(state[1])
            protocol.write_all(req_fd, HEADER.pack(OP_BATCH, k * dim) + a.tobytes())
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


def _as_points(x, dim: int, allow_batch: bool):
    """x as a fresh float64 array of shape (dim,) or, for a batch, (k, dim); ValueError in plain words."""
    kind = getattr(getattr(x, "dtype", None), "kind", "f") if isinstance(x, np.ndarray) else "f"
    if isinstance(x, (str, bytes, bytearray, dict)) or x is None or kind not in "biuf":
        raise ValueError(f"func(x) needs {dim} numbers (a list, tuple or numpy array); got "
                         f"{candidate.safe_repr(x)}")
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"func(x) needs {dim} real numbers; got {candidate.safe_repr(x)} ({exc})") from None
    if a.shape == (dim,):
        return a
    if a.size == dim and (a.ndim == 0 or (a.ndim == 2 and a.shape[0] == 1 and not allow_batch)):
        return a.reshape(dim)  # a scalar for a 1-D objective, or one point as a (1, dim) row
    if a.ndim == 2 and a.shape[1] == dim:
        if not allow_batch:
            raise ValueError(f"func(x) takes one point of {dim} numbers; batches of points (a 2-D array) "
                             "are not allowed by this rubric")
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
    """An exception as JSON: type, message, and the last frames that are not the harness's own.

    Reads everything through the base types' descriptors, so no code of the candidate's runs here (an
    exception whose __str__ never returns must not wedge the trial).
    """
    kind = type(exc)
    name = candidate._type_name(exc)
    message = _bounded_str(exc)
    if message is None:  # its __str__ (or a repr inside it) hung or failed: read the arguments instead
        text = candidate.exception_text(exc)
        message = text[len(name) + 2:] if text.startswith(name + ": ") else ""
    frames = []
    try:
        tb = BaseException.__dict__["__traceback__"].__get__(exc)
        for fr in traceback.extract_tb(tb):
            if os.path.dirname(os.path.abspath(fr.filename)) == HERE:
                continue
            frames.append([_short_path(fr.filename, code_dir), fr.lineno or 0, fr.name, (fr.line or "")[:200]])
    except Exception:
        frames = []
    exit_code = None
    if issubclass(kind, SystemExit):
        exit_code = candidate.safe_repr(SystemExit.__dict__["code"].__get__(exc), 100)
    return {
        "type": name,
        "message": message[:MESSAGE_CAP],
        "frames": frames[-FRAMES_KEPT:],
        "memory": issubclass(kind, MemoryError),
        "exhausted": issubclass(kind, EvaluationBudgetExhausted),
        "exit_code": exit_code,
    }


class _TooSlow(BaseException):
    """Raised by the alarm that bounds str() of a candidate's exception."""


def _bounded_str(exc: BaseException) -> str | None:
    """str(exc) given STR_TIMEOUT_S at most (the call is over: the alarm is ours), or None if it fails."""
    def on_alarm(signum, frame):
        raise _TooSlow()

    try:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, STR_TIMEOUT_S)
        try:
            text = str(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    except BaseException:
        return None
    return text[:MESSAGE_CAP] if type(text) is str else None


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
        out["harness_error"] = issubclass(type(exc), candidate.PlanError)
    try:
        out["imported"] = candidate.imported_modules()
    except BaseException:
        pass
    return out


def run_trial(msg: dict, fds: list, code_dir: str, plain: bool) -> None:
    """The forked trial process: never returns (os._exit, so the candidate's threads and atexit never run)."""
    req_fd, rep_fd, res_fd, out_fd, err_fd = fds
    streams = (sys.stdout, sys.stderr)  # the real ones: a candidate's replacement must not run at the end
    try:
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.close(out_fd)
        os.close(err_fd)
        if plain:
            os.setsid()  # without a pid namespace, the sweep kills the trial's process group
        set_limits(msg["limits"])
        result = execute(msg, req_fd, rep_fd, code_dir)
    except BaseException as exc:  # a fault in this script, not the candidate's: say so
        result = {"stage": "harness", "outcome": "raised", "harness_error": True,
                  "exc": {"type": type(exc).__name__, "message": str(exc)[:MESSAGE_CAP], "frames": []}}
    for stream in streams:
        try:
            stream.flush()
        except BaseException:
            pass
    try:
        protocol.write_all(res_fd, protocol.encode_result(result))
    except BaseException:
        os._exit(protocol.RESULT_LOST_EXIT)
    os._exit(0)
