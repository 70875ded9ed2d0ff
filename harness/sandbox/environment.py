"""`harness doctor`: which sandbox mode is in use here, and what a sandboxed process can and cannot do."""

from __future__ import annotations

import shutil
import subprocess

from harness.sandbox import bwrap, seccomp


def describe_environment() -> str:
    """A few lines for `harness doctor`: the mode, the tools, and what the sandbox blocks."""
    try:
        mode = bwrap.sandbox_mode()
    except Exception as exc:  # HARNESS_SANDBOX=bwrap on a machine without it: say so, doctor must not crash
        return f"sandbox: unusable: {exc}"
    usable, why = bwrap.bwrap_usable()
    found = shutil.which("bwrap")
    lines = [f"sandbox mode: {mode}" + ("" if mode == "bwrap" else f"  ({bwrap.plain_note()})"),
             f"  bubblewrap: {found or 'not installed'}" + (f" ({_version()})" if found else "")
             + ("" if usable else f"; unusable: {why}"),
             f"  python inside: {bwrap.python_executable()} (read-only: {', '.join(bwrap.python_roots())})",
             f"  uid slots: {bwrap.SLOT_COUNT} from uid {bwrap.UID_BASE} (one per concurrent sandbox)"]
    if mode == "bwrap":
        lines.append("  isolation: new pid/net/ipc/uts/mount namespaces, no capabilities, unprivileged uid, "
                     "read-only system, private size-capped /tmp, cleared environment")
    else:
        lines.append("  isolation: a separate process with rlimits only: it can read what its user can read "
                     "and reach the network; install bubblewrap (apt-get install bubblewrap) and run as root")
    filtered = seccomp.build() is not None
    lines.append("  seccomp filter per trial: " + ("yes (namespaces, mounts, ptrace, bpf, io_uring and network "
                                                   "sockets refused)" if filtered else "no (not x86_64 Linux)"))
    return "\n".join(lines)


def _version() -> str:
    try:
        done = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return done.stdout.strip() or "version unknown"
