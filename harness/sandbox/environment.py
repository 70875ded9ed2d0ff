"""`harness doctor`: which sandbox mode is in use here, and what a sandboxed process can and cannot do."""

from __future__ import annotations

import shutil
import subprocess

from harness.sandbox import bwrap


def describe_environment() -> str:
    """A few lines for `harness doctor`: the mode, the tools, and what the sandbox was measured to block."""
    lines = []
    try:
        mode = bwrap.sandbox_mode()
    except Exception as exc:  # HARNESS_SANDBOX=bwrap on a machine without it: say so, doctor must not crash
        return f"sandbox: unusable: {exc}"
    usable, why = bwrap.bwrap_usable()
    lines.append(f"sandbox mode: {mode}" + ("" if mode == "bwrap" else f"  ({bwrap.PLAIN_NOTE})"))
    lines.append(f"  bubblewrap: {shutil.which('bwrap') or 'not installed'}"
                 + (f" ({_version()})" if shutil.which("bwrap") else "") + ("" if usable else f"; unusable: {why}"))
    lines.append(f"  python inside: {bwrap.python_executable()} (read-only: {', '.join(bwrap.python_roots())})")
    lines.append(f"  uid slots: {bwrap.SLOT_COUNT} from uid {bwrap.UID_BASE} (one per concurrent sandbox)")
    if mode == "bwrap":
        lines.append("  isolation: new pid/net/ipc/uts/mount namespaces, no capabilities, unprivileged uid, "
                     "read-only system, private size-capped /tmp, cleared environment")
    else:
        lines.append("  isolation: a separate process with rlimits only: it can read what this user can read "
                     "and reach the network; install bubblewrap (apt-get install bubblewrap) and run as root")
    return "\n".join(lines)


def _version() -> str:
    try:
        done = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return done.stdout.strip() or "version unknown"
