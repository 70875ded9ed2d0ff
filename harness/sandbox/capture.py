"""The one helper every call into candidate code goes through: whatever happened becomes a CallOutcome.

pytest's `CallInfo.from_call` style: `capture(fn, ...)` never raises (bar SandboxError, which means this machine
cannot sandbox at all). `assemble` turns the raw pieces of a sandboxed call (the child's JSON result, the
zygote's exit report, why the grader stopped it, the captured output, the EvalServer's record) into one frozen
CallOutcome with a status and a message in plain words that quotes the candidate's exception and the last frames
of *their* traceback.
"""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.errors import SandboxError
from harness.results import CallOutcome, TrialStatus
from harness.sandbox.policy import CallRequest, Policy
from harness.sandbox.protocol import RESULT_LOST_EXIT
from harness.sandbox.server import EvalServer

PRINTED_CAP = 200
# What the grader keeps of a trial's result document, whoever wrote it (a candidate can write its own to the
# result pipe): every string and list read from it is capped here, so one result cannot put megabytes into
# each trial's message, results.json and reports.
TEXT_CAP = 2000  # an exception message or a return error
NAME_CAP = 200  # an exception type, a frame's file, function or line of code
FRAMES_CAP = 4
NOTES_CAP = 50  # load notes per call
MODULES_CAP = 20000  # imported module names per call (scipy.optimize alone imports ~680)


class OutputBuffer:
    """A capped capture of one stream: the first and last `cap // 2` bytes kept, every byte counted."""

    def __init__(self, cap: int) -> None:
        self.half = max(1, cap // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.half:
                del self.tail[: len(self.tail) - self.half]

    def texts(self) -> tuple[str, str]:
        """(head, tail) as text; the tail holds only what came after the head."""
        return self.head.decode("utf-8", "replace"), self.tail.decode("utf-8", "replace")


@dataclass
class RawCall:
    """What the grader saw of one sandboxed call, before it is judged."""

    stdout: OutputBuffer
    stderr: OutputBuffer
    result: dict | None = None  # the child's result document, if one well-formed one arrived
    exit: dict | None = None  # the zygote's report: code, signal, cpu_s, leftovers
    stopped: str = ""  # why the grader ended it: "timeout" | "output" | "protocol" | "result" | ""
    detail: str = ""
    supervisor_died: bool = False
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # added to the message
    file_notes: list[str] = field(default_factory=list)  # files left out of the sandbox: added to load_notes


def capture(fn: Callable[[], CallOutcome], request: CallRequest, sandbox: str) -> CallOutcome:
    """Run `fn` (one sandboxed call); a harness fault becomes a `crashed` outcome instead of an exception."""
    try:
        return fn()
    except SandboxError:
        raise
    except Exception as exc:  # a bug on the grader's side must not stop a batch
        return CallOutcome(status=TrialStatus.CRASHED, phase=request.phase, evaluations=0, sandbox=sandbox,
                           message=f"the harness failed while running this call ({type(exc).__name__}: {exc}); "
                                   "this is a harness bug, please report it")


def assemble(request: CallRequest, policy: Policy, server: EvalServer, raw: RawCall, sandbox: str) -> CallOutcome:
    """Judge a finished call: status, message, returned point, and the server's record."""
    status, message, returned, kind, fx = _judge(request, policy, server, raw)
    extra = list(raw.notes)
    if raw.exit and raw.exit.get("leftovers"):
        extra.append(f"it left {raw.exit['leftovers']} process(es) running; they were killed")
    if raw.supervisor_died:
        extra.append("it killed its parent process (the sandbox's supervisor); the sandbox was restarted")
    if server.objective_errors:
        extra.append("the objective refused some points: " + "; ".join(server.objective_errors))
    if extra:
        message = "; ".join(([message] if message else []) + extra)
    out_head, out_tail = raw.stdout.texts()
    err_head, err_tail = raw.stderr.texts()
    result = raw.result or {}
    cpu = raw.exit.get("cpu_s") if raw.exit else None
    return CallOutcome(
        status=status, message=message, phase=request.phase, evaluations=server.evaluations,
        returned=returned, returned_kind=kind, returned_fx=fx,
        best_x=server.best_x, best_f=server.best_f, first_hit=server.first_hit,
        trajectory=server.trajectory, path=server.path,
        stdout_head=out_head, stdout_tail=out_tail, stdout_bytes=raw.stdout.total,
        stderr_head=err_head, stderr_tail=err_tail, stderr_bytes=raw.stderr.total,
        imported_modules=tuple(_strings(result.get("imported"), MODULES_CAP, NAME_CAP)),
        load_notes=tuple(raw.file_notes + _notes(result.get("load_notes"))),
        sandbox=sandbox, wall_s=raw.wall_s, cpu_s=float(cpu) if isinstance(cpu, (int, float)) else 0.0,
    )


def _judge(request: CallRequest, policy: Policy, server: EvalServer, raw: RawCall) -> tuple:
    """(status, message, returned, returned_kind, returned_fx)."""
    name = request.plan.target or request.phase.value
    used = f"after {server.evaluations} of {request.budget} evaluations"
    if raw.stopped == "timeout":
        spent = " (it had used the whole budget and kept going)" if server.exhausted else ""
        return (TrialStatus.TIMEOUT, f"{name} did not finish within the {policy.wall_s:g} s wall-clock limit; "
                f"stopped {used}{spent}", None, "", None)
    if raw.stopped == "output":
        return (TrialStatus.KILLED, f"{name} printed more than {policy.output_limit_mb} MiB; stopped {used}",
                None, "", None)
    if raw.stopped == "sandbox":
        return (TrialStatus.CRASHED, f"the sandbox could not run {name}: {raw.detail} (if it says no space, "
                "the submission's files need a larger tmp_mb)", None, "", None)
    if raw.stopped in ("protocol", "result"):
        return TrialStatus.KILLED, f"{name} {raw.detail}; stopped {used}", None, "", None
    result = raw.result
    if result is None:
        return _no_result(name, policy, raw, used, server.exhausted) + (None, "", None)
    if result.get("outcome") == "raised":
        return _raised(name, request, policy, server, result) + (None, "", None)
    return _returned(name, request, server, raw, result)


def _no_result(name: str, policy: Policy, raw: RawCall, used: str, exhausted: bool) -> tuple:
    exit_ = raw.exit or {}
    sig, code, cpu = exit_.get("signal"), exit_.get("code"), exit_.get("cpu_s") or 0.0
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and isinstance(cpu, (int, float))
                                 and cpu >= policy.cpu_s):
        spent = " (it had used the whole budget and kept going)" if exhausted else ""
        return TrialStatus.CPU, f"{name} used more than its {policy.cpu_s:g} s of CPU time; stopped {used}{spent}"
    if raw.supervisor_died and not exit_:
        return (TrialStatus.CRASHED, f"{name} killed the sandbox's supervisor (its parent process) and "
                f"returned nothing {used}")
    if code == RESULT_LOST_EXIT:
        return (TrialStatus.CRASHED, f"{name} closed the pipe its result goes back on (file descriptors it did "
                f"not open), so nothing came back {used}")
    if isinstance(code, int):
        return (TrialStatus.CRASHED, f"{name} ended its process with exit code {code} before returning "
                f"(os._exit or a crash) {used}")
    if isinstance(sig, int):
        try:
            signame = signal.Signals(sig).name
        except ValueError:
            signame = f"signal {sig}"
        hint = {"SIGSEGV": " (a crash in native code)", "SIGKILL": " (often the out-of-memory killer)",
                "SIGABRT": " (an abort in native code)"}.get(signame, "")
        return TrialStatus.CRASHED, f"{name} was killed by {signame}{hint} before returning {used}"
    return TrialStatus.CRASHED, f"{name} ended without sending a result {used}"


def _raised(name: str, request: CallRequest, policy: Policy, server: EvalServer, result: dict) -> tuple:
    exc = result.get("exc") if isinstance(result.get("exc"), dict) else {}
    text = _exception_text(exc)
    stage = result.get("stage")
    if exc.get("exhausted") or (server.exhausted and stage == "call"):
        then = "" if exc.get("exhausted") else f", then raised {text}"
        return (TrialStatus.BUDGET_EXHAUSTED, f"{name} used the whole budget of {request.budget} evaluations "
                f"without returning{then}; scored on its best evaluated point")
    if exc.get("memory"):
        return TrialStatus.MEMORY, f"{name} ran out of memory (limit {policy.memory_mb} MiB): {text}"
    if result.get("harness_error"):
        return TrialStatus.ERROR, f"the harness could not call {name} as planned: {text}"
    if stage == "load":
        return TrialStatus.ERROR, f"loading the entry file failed: {text}"
    if stage == "resolve":
        return TrialStatus.ERROR, f"could not get {name} from the entry file: {text}"
    if exc.get("exit_code") is not None:
        return TrialStatus.ERROR, f"{name} called sys.exit({_cap(exc['exit_code'], NAME_CAP)}) instead of returning"
    return TrialStatus.ERROR, f"{name} raised {text}"


def _exception_text(exc: dict) -> str:
    kind = _cap(exc.get("type") or "an exception", NAME_CAP)
    message = _cap(exc.get("message") or "", TEXT_CAP)
    text = f"{kind}: {message}" if message else kind
    frames = exc.get("frames") if isinstance(exc.get("frames"), list) else []
    lines = []
    for frame in frames[-FRAMES_CAP:]:
        if isinstance(frame, list) and len(frame) == 4:
            where, line, func, code = (_cap(part, NAME_CAP) for part in frame)
            lines.append(f"\n  {where}:{line} in {func}" + (f": {code.strip()}" if code else ""))
    return text + "".join(lines)


def _returned(name: str, request: CallRequest, server: EvalServer, raw: RawCall, result: dict) -> tuple:
    ret = result.get("ret") if isinstance(result.get("ret"), dict) else {}
    kind = _cap(ret.get("kind") or "", NAME_CAP)
    point = _point(ret.get("x"), request.dim)
    fx = _real(ret.get("fx"))
    if ret.get("error") or point is None:
        what = _cap(ret.get("error") or f"returned something that is not {request.dim} finite numbers", TEXT_CAP)
        message = f"{name} {what}"
        printed = _last_printed(raw.stdout)
        if kind == "none" and printed:
            message += f"; it printed `{printed}`: return that value instead of printing it"
        if server.exhausted:
            message += f" (it had used the whole budget of {request.budget} evaluations)"
        return TrialStatus.BAD_RETURN, message, None, kind, None
    if server.exhausted:
        return (TrialStatus.BUDGET_EXHAUSTED, f"{name} used the whole budget of {request.budget} evaluations "
                "(func refused further calls) and then returned a point", point, kind, fx)
    return TrialStatus.OK, "", point, kind, fx


def _point(value: Any, dim: int) -> tuple[float, ...] | None:
    if not isinstance(value, list) or len(value) != dim:
        return None
    point = tuple(_real(v) for v in value)
    return None if None in point else point  # type: ignore[return-value]


def _real(value: Any) -> float | None:
    """A finite float from a JSON number; None otherwise (a 400-digit integer overflows float())."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _last_printed(buffer: OutputBuffer) -> str:
    head, tail = buffer.texts()
    lines = [line.strip() for line in (head + tail).splitlines() if line.strip()]
    if not lines:
        return ""
    last = lines[-1]
    return last if len(last) <= PRINTED_CAP else last[:PRINTED_CAP] + "..."


def _cap(value: Any, cap: int) -> str:
    """str() of a JSON value from the result document (so no candidate code runs), cut to `cap` characters."""
    scalar = value is None or isinstance(value, (str, int, float, bool))
    text = str(value)[: cap + 1] if scalar else f"<{type(value).__name__}>"
    return text if len(text) <= cap else text[:cap] + "..."


def _strings(value: Any, count: int, cap: int) -> list[str]:
    return [_cap(v, cap) for v in value[:count]] if isinstance(value, list) else []


def _notes(value: Any) -> list[str]:
    notes = _strings(value, NOTES_CAP, 500)
    if isinstance(value, list) and len(value) > NOTES_CAP:
        notes.append(f"... and {len(value) - NOTES_CAP} more notes like these")
    return notes
