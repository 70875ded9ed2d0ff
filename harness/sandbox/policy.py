"""Limits as data (defaults here, rubric overrides) and the request for one sandboxed call."""

from __future__ import annotations

from dataclasses import dataclass

from harness.results import CallPlan, Phase


@dataclass(frozen=True)
class Policy:
    """Resource limits for one call into candidate code."""

    wall_s: float = 60.0  # enforced by the grader: kills the whole sandbox
    cpu_s: float = 60.0  # RLIMIT_CPU
    memory_mb: int = 1024  # RLIMIT_AS
    processes: int = 32  # RLIMIT_NPROC (per sandbox uid)
    open_files: int = 64  # RLIMIT_NOFILE
    file_size_mb: int = 16  # RLIMIT_FSIZE
    output_bytes: int = 65536  # stdout/stderr kept (head and tail halves); the rest is counted
    allow_batch: bool = False  # func may take a 2-D array of k points and return k values
    output_limit_mb: int = 64  # stdout + stderr past this: the call is killed (status killed)
    tmp_mb: int = 64  # size of the sandbox's private /tmp (holds the candidate's copy of its code)
    seccomp: bool = True  # deny namespaces, mounts, ptrace, bpf, io_uring, non-UNIX sockets... (x86_64 Linux)
    pin_cpu: bool = True  # run the grader thread and the sandbox on one core: halves the round trip


@dataclass(frozen=True)
class CallRequest:
    """One call: minimize from `point` (x0), or gradient at `point`."""

    phase: Phase
    plan: CallPlan
    dim: int
    point: tuple[float, ...] | None
    bounds: tuple[tuple[float, float], ...]
    seed: int
    budget: int
    target_value: float | None = None  # f_star + target: the server records the first evaluation reaching it
    record_path: bool = False  # keep evaluated points (dim <= 2 plots)
    trial_id: str = ""
