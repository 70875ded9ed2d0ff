"""A sandbox per submission: one bwrap sandbox holding a zygote, one forked trial per `run`.

`open_session(code_dir, entry, policy)` copies the candidate's files (bytes, from the grader-owned staging
folder) into the sandbox and starts its zygote; `SandboxSession.run(request, objective)` forks a trial there,
serves its evaluations from this process and returns a CallOutcome. When a trial has to be stopped (wall clock,
output flood, protocol abuse) the whole sandbox is killed (SIGKILL of its pid-namespace init through a pidfd and
of the outer bwrap, then EOF on a lifeline pipe every sandboxed process holds) and the next `run` starts a
fresh one.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

from harness.errors import SandboxError
from harness.results import CallOutcome
from harness.sandbox import bundle, bwrap, procs
from harness.sandbox.capture import OutputBuffer, RawCall, assemble, capture
from harness.sandbox.policy import CallRequest, Policy
from harness.sandbox.protocol import RESULT_LIMIT, control_pair, decode_result, recv_message, send_message
from harness.sandbox.server import EvalServer, ProtocolViolation

START_TIMEOUT_S = 30.0
TEARDOWN_TIMEOUT_S = 5.0
DRAIN_GRACE_S = 2.0
EXIT_AFTER_RESULT_S = 5.0
CONTROL_TIMEOUT_S = 5.0
POLL_SLICE_S = 0.5  # no single poll waits longer than this, so every deadline is checked
POLL_SLICE_MS = int(POLL_SLICE_S * 1000)
READ_CHUNK = 1 << 16


class SandboxSession:
    """An open sandbox for one submission's code; use through `open_session`."""

    def __init__(self, code_dir: Path, entry: str, policy: Policy) -> None:
        self.policy = policy
        self.entry = entry
        self.mode = bwrap.sandbox_mode()
        self.sandbox_note = "bwrap" if self.mode == "bwrap" else bwrap.plain_note()
        self.files, self.notes = bundle.read_code(Path(code_dir), entry)
        self.starts = 0  # sandboxes started (1 + restarts after kills)
        self._slot = bwrap.acquire_slot()
        self._proc: subprocess.Popen | None = None
        self._ctl: socket.socket | None = None
        self._life_r = -1
        self._init = -1  # pidfd of the sandbox's pid-namespace init (bwrap mode)
        self._zerr: OutputBuffer | None = None
        self._zerr_r = -1
        self._plain_tmp = ""
        self._core = procs.core_for(self._slot.index) if policy.pin_cpu else None

    # ------------------------------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the sandbox and wait until its zygote is ready; SandboxError if this machine cannot."""
        ctl, ctl_child = control_pair()
        ctl.settimeout(CONTROL_TIMEOUT_S)  # a zygote that stalls mid-message must not block the grader
        life_r, life_w = os.pipe()
        zerr_r, zerr_w = os.pipe()
        info_r, info_w = os.pipe()
        with bundle.write_bundle(self.files) as code:
            fds = {"ctl": ctl_child.fileno(), "bundle": code.fileno(), "info": info_w}
            keep = (ctl_child.fileno(), code.fileno(), life_w)
            uid = self._slot.uid
            try:
                with procs.pinned(self._core):
                    if self.mode == "bwrap":
                        argv = bwrap.bwrap_command(uid, self.policy.tmp_mb << 20, fds, self.policy.seccomp)
                        self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                      stderr=zerr_w, pass_fds=keep + (info_w,),
                                                      env={"PATH": "/usr/bin:/bin"})
                    else:
                        root = bwrap.plain_switches_uid()
                        self._plain_tmp = self._plain_tmp or bwrap.make_plain_tmp(uid if root else None)
                        argv, env = bwrap.plain_command(self._plain_tmp, fds, self.policy.seccomp)
                        ids = {"user": uid, "group": uid, "extra_groups": []} if root else {}
                        self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                      stderr=zerr_w, pass_fds=keep, env=env, cwd=self._plain_tmp,
                                                      start_new_session=True, **ids)
            except OSError as exc:
                _close_all([life_r, zerr_r, info_r])
                ctl.close()
                raise SandboxError(f"could not start the sandbox ({exc}); run `harness doctor`") from None
            finally:
                ctl_child.close()
                _close_all([life_w, zerr_w, info_w])
        self._ctl, self._life_r, self._zerr_r = ctl, life_r, zerr_r
        self._zerr = OutputBuffer(8192)
        os.set_blocking(zerr_r, False)
        self.starts += 1
        ready = self._wait_ready()
        if self.mode == "bwrap":
            self._init = procs.open_init_pidfd(info_r)  # closes info_r
        else:
            os.close(info_r)
        if not ready:
            why = self._zerr.texts()
            self.kill()
            raise SandboxError(f"the sandbox did not start ({self.mode} mode): {(why[0] + why[1]).strip()[-800:]}"
                               " ; run `harness doctor`, or set HARNESS_SANDBOX=plain to test without bubblewrap")

    def _wait_ready(self) -> bool:
        assert self._ctl is not None and self._zerr is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self._ctl, self._zerr_r], [], [], POLL_SLICE_S)
            if self._zerr_r in readable:
                self._zerr.feed(_read(self._zerr_r) or b"")
            if self._ctl in readable:
                msg, fds, eof = recv_message(self._ctl)
                _close_all(fds)
                return not eof and isinstance(msg, dict) and msg.get("op") == "ready"
        return False

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._ctl is not None

    def kill(self) -> None:
        """Kill the whole sandbox and return once no process of it is left."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if self._init >= 0:
                try:  # the pid namespace's init: the kernel kills the rest, and bwrap exits once all are reaped
                    signal.pidfd_send_signal(self._init, signal.SIGKILL)
                except OSError:
                    pass
            if self.mode != "bwrap":
                procs.kill_plain_tree(proc.pid, self._slot.uid if bwrap.plain_switches_uid() else None)
            try:
                proc.kill()  # the outer bwrap; --die-with-parent and the pid namespace take the rest
            except OSError:
                pass
            self._reap(proc)
        self._release_fds()

    def close(self) -> None:
        """End the sandbox (politely first: the zygote exits when its control socket closes) and clean up."""
        proc = self._proc
        if proc is not None and self._ctl is not None:
            self._ctl.close()
            self._ctl = None
            try:
                proc.wait(timeout=TEARDOWN_TIMEOUT_S)
                self._proc = None
                self._reap(proc)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        if self._plain_tmp:
            import shutil

            shutil.rmtree(self._plain_tmp, ignore_errors=True)  # fd-based: never follows a planted link
            self._plain_tmp = ""
        self._slot.release()

    def _reap(self, proc: subprocess.Popen) -> None:
        """Wait for the outer process, then for EOF on the lifeline every sandboxed process holds."""
        try:
            proc.wait(timeout=TEARDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        if self._life_r >= 0:
            deadline = time.monotonic() + TEARDOWN_TIMEOUT_S
            while time.monotonic() < deadline:
                ready, _, _ = select.select([self._life_r], [], [], POLL_SLICE_S)
                if ready and not os.read(self._life_r, 4096):
                    break

    def _release_fds(self) -> None:
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
        _close_all([fd for fd in (self._life_r, self._zerr_r, self._init) if fd >= 0])
        self._life_r = self._zerr_r = self._init = -1

    def __enter__(self) -> "SandboxSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ one call
    def run(self, request: CallRequest, objective: Any) -> CallOutcome:
        """One call into candidate code, sandboxed; never raises for anything the candidate does."""
        with procs.pinned(self._core):
            if not self.alive():
                self.kill()
                self.start()
            return capture(lambda: self._run(request, objective), request, self.sandbox_note)

    def _run(self, request: CallRequest, objective: Any) -> CallOutcome:
        policy = self.policy
        plan = request.plan  # the trial can read this message from its own stack: only what the call passes
        bounds = request.bounds if "bounds" in plan.args or "bounds" in plan.kwargs.values() else None
        message = {
            "op": "trial", "seed": int(request.seed), "dim": int(request.dim), "phase": request.phase.value,
            "plan": request.plan.to_json(), "entry": self.entry, "allow_batch": bool(policy.allow_batch),
            "point": None if request.point is None else [float(v) for v in request.point],
            "bounds": [[float(lo), float(hi)] for lo, hi in bounds] if bounds else None,
            "limits": {"cpu_s": policy.cpu_s, "memory_mb": policy.memory_mb, "processes": policy.processes,
                       "open_files": policy.open_files, "file_size_mb": policy.file_size_mb},
        }
        for attempt in (1, 2):
            server = EvalServer(objective, request.dim, request.budget, request.target_value,
                                request.record_path, policy.allow_batch)
            raw = RawCall(stdout=OutputBuffer(policy.output_bytes), stderr=OutputBuffer(policy.output_bytes),
                          file_notes=list(self.notes))
            started = time.monotonic()
            self._trial(message, server, raw, started + policy.wall_s)
            raw.wall_s = time.monotonic() - started
            if raw.stopped != "sandbox" or attempt == 2:
                break
            self.start()  # the zygote could not prepare the trial (say, a mess an earlier trial left): fresh one
        return assemble(request, policy, server, raw, self.sandbox_note)

    def _trial(self, message: dict, server: EvalServer, raw: RawCall, deadline: float) -> None:
        """Send one trial to the zygote over fresh pipes and serve it until it is over."""
        pipes = [os.pipe() for _ in range(5)]  # eval requests, eval replies, result, stdout, stderr
        (req_r, req_w), (rep_r, rep_w), (res_r, res_w), (out_r, out_w), (err_r, err_w) = pipes
        assert self._ctl is not None
        # Every sandboxed process holds the lifeline's write end: empty it, or how full an earlier trial left
        # it would tell this trial something (the earlier trial and all it started are gone by now).
        while self._life_r >= 0 and select.select([self._life_r], [], [], 0)[0] and os.read(self._life_r, READ_CHUNK):
            pass
        try:
            try:
                send_message(self._ctl, message, (req_w, rep_r, res_w, out_w, err_w))
            except OSError:  # the zygote died since the last call (its trial killed it): one fresh start
                self.kill()
                self.start()
                assert self._ctl is not None
                send_message(self._ctl, message, (req_w, rep_r, res_w, out_w, err_w))
        finally:
            _close_all([req_w, rep_r, res_w, out_w, err_w])
        for fd in (req_r, res_r, out_r, err_r, rep_w):
            os.set_blocking(fd, False)
        try:
            self._serve(server, raw, req_r, rep_w, res_r, out_r, err_r, deadline)
        except BaseException:
            self.kill()  # a fault here leaves the trial's state unknown: never reuse that sandbox
            raise
        finally:
            _close_all([req_r, rep_w, res_r, out_r, err_r])

    def _serve(self, server: EvalServer, raw: RawCall, req_r: int, rep_w: int, res_r: int, out_r: int,
               err_r: int, deadline: float) -> None:
        """The poll loop: answer evaluations, drain output, read the result, watch the clock."""
        assert self._ctl is not None
        ctl_fd = self._ctl.fileno()
        result = bytearray()
        streams = {out_r: raw.stdout, err_r: raw.stderr}
        open_fds = {req_r, res_r, out_r, err_r, ctl_fd, self._zerr_r}
        poller = select.poll()
        for fd in open_fds:
            poller.register(fd, select.POLLIN)
        limit = self.policy.output_limit_mb << 20
        grace: float | None = None  # set once the trial is over: drain what is left, then stop

        def forget(fd: int) -> None:
            open_fds.discard(fd)
            poller.unregister(fd)

        def stop(why: str, detail: str = "") -> None:
            raw.stopped, raw.detail = why, detail
            self.kill()
            self._drain_after_kill(streams, res_r, result, raw)

        poll, feed, read, write, monotonic = poller.poll, server.feed, os.read, os.write, time.monotonic
        while True:
            now = monotonic()
            if grace is not None:
                if now >= grace or not open_fds & {res_r, out_r, err_r}:
                    return
                left = grace - now
            else:
                if now > deadline:
                    if raw.result is None:
                        return stop("timeout")
                    raw.notes.append("its process did not end after sending its result; the sandbox was restarted")
                    return stop("")
                left = deadline - now
            for fd, _ in poll(POLL_SLICE_MS if left > POLL_SLICE_S else left * 1000):
                if fd == req_r:  # the hot path: one evaluation request, one reply
                    data = b""
                    try:
                        data = read(req_r, READ_CHUNK)
                        if data:
                            reply = feed(data)
                            if reply:
                                write(rep_w, reply)  # never blocks: the proxy reads each reply first
                            continue
                    except BlockingIOError:
                        if data:
                            return stop("protocol", "sent evaluation requests without reading the replies")
                        continue
                    except ProtocolViolation as exc:
                        return stop("protocol", f"wrote {exc} on the evaluation pipe (bypassing func)")
                    except BrokenPipeError:
                        continue  # the trial is gone; its reply does not matter
                    except OSError:
                        pass
                    forget(fd)
                    continue
                data = _read(fd) if fd != ctl_fd else None
                if data == b"":
                    forget(fd)
                    continue
                if fd in streams and data:
                    streams[fd].feed(data)
                    if raw.stdout.total + raw.stderr.total > limit:
                        return stop("output")
                elif fd == res_r and data:
                    result += data
                    if len(result) > RESULT_LIMIT + 4:
                        return stop("result", f"sent more than {RESULT_LIMIT >> 20} MiB of result data")
                    raw.result = decode_result(bytes(result))
                    if raw.result is not None:  # the trial exits right after this: give it a moment, not wall_s
                        deadline = min(deadline, monotonic() + EXIT_AFTER_RESULT_S)
                elif fd == self._zerr_r and data:
                    assert self._zerr is not None
                    self._zerr.feed(data)
                elif fd == ctl_fd:
                    msg, fds, eof = recv_message(self._ctl)
                    _close_all(fds)
                    if eof:
                        forget(fd)
                        raw.supervisor_died = True
                    elif isinstance(msg, dict) and msg.get("op") == "error":
                        return stop("sandbox", str(msg.get("message", ""))[:500])
                    elif isinstance(msg, dict) and msg.get("op") == "exit":
                        raw.exit = {k: msg.get(k) for k in ("code", "signal", "cpu_s", "maxrss_kb", "leftovers")}
                        grace = time.monotonic() + DRAIN_GRACE_S
                        if msg.get("swept") is not True:
                            changed = str(msg.get("changed") or "")[:300]
                            raw.notes.append(f"it changed what the next trial would inherit ({changed}); the sandbox "
                                             "was restarted" if changed else
                                             "the sandbox could not clear the trial's leftovers; it was restarted")
                            return stop(raw.stopped, raw.detail)
            if raw.supervisor_died and (raw.result is not None or res_r not in open_fds):
                self.kill()  # no one is left to report the exit or sweep: end the sandbox, keep what arrived
                self._drain_after_kill(streams, res_r, result, raw)
                return

    def _drain_after_kill(self, streams: dict[int, OutputBuffer], res_r: int, result: bytearray,
                          raw: RawCall) -> None:
        """Read what the pipes still hold once every sandboxed process is gone (all writers closed)."""
        for fd, buffer in streams.items():
            while buffer.total < (self.policy.output_limit_mb << 20):
                data = _read(fd)
                if not data:
                    break
                buffer.feed(data)
        if raw.result is None and not raw.stopped:
            while len(result) <= RESULT_LIMIT + 4:
                data = _read(res_r)
                if not data:
                    break
                result += data
            raw.result = decode_result(bytes(result))


# ---------------------------------------------------------------------------------------------- helpers
def _read(fd: int) -> bytes | None:
    """Up to one chunk; b"" at EOF, None when nothing is there right now."""
    try:
        return os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


@contextlib.contextmanager
def open_session(code_dir: Path, entry: str, policy: Policy) -> Iterator[SandboxSession]:
    """A started sandbox for the code in `code_dir` (entry relative to it); killed and cleaned on exit."""
    session = SandboxSession(Path(code_dir), entry, policy)
    try:
        session.start()
        yield session
    finally:
        session.close()
