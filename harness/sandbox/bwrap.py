"""How the sandbox is launched: the bubblewrap + setpriv command line, the plain fallback, and uid slots.

The bwrap recipe is the one measured in ../shared/research/sandbox.md: root bwrap with new pid, net, ipc, uts
(and, where possible, cgroup) namespaces, `--die-with-parent`, `--new-session`, every capability dropped but
SETUID/SETGID (which setpriv then gives up by switching to an unprivileged uid), read-only /usr and Python
prefix, a size-capped /tmp, read-only / and /dev, and a cleared environment. One uid per concurrent slot,
because RLIMIT_NPROC counts processes per uid (and is not enforced for root at all).
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import SandboxError

CHILD_DIR = Path(__file__).resolve().parent
# all the sandbox sees of the harness:
CHILD_FILES = ("child.py", "trial.py", "protocol.py", "seccomp.py", "candidate.py", "returns.py")
INSIDE_DIR = "/opt/harness"
UID_BASE = int(os.environ.get("HARNESS_SANDBOX_UID_BASE", "1990000"))
SLOT_COUNT = 64
PLAIN_NOTE = "plain (no bubblewrap: weaker isolation)"
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",  # numpy imports under a small address-space limit
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",  # the zygote's hash seed: same inputs, same run
    "PYTHONDONTWRITEBYTECODE": "1",
    "MPLBACKEND": "Agg",
}


@functools.lru_cache(maxsize=1)
def sandbox_mode() -> str:
    """"bwrap" when bubblewrap can run the recommended recipe here, else "plain" (HARNESS_SANDBOX forces one)."""
    forced = os.environ.get("HARNESS_SANDBOX", "").strip().lower()
    if forced == "plain":
        return "plain"
    usable, why = bwrap_usable()
    if forced == "bwrap" and not usable:
        raise SandboxError(f"HARNESS_SANDBOX=bwrap but bubblewrap cannot be used here: {why}; install the "
                           "Debian package `bubblewrap` and run the grader as root, or unset HARNESS_SANDBOX")
    return "bwrap" if usable else "plain"


def bwrap_usable() -> tuple[bool, str]:
    """Whether the recipe works on this machine, and why not."""
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    if not bwrap:
        return False, "bwrap is not installed"
    if not setpriv:
        return False, "setpriv (util-linux) is not installed"
    if os.geteuid() != 0:
        return False, "the grader is not root, so it cannot give each sandbox slot its own unprivileged uid"
    try:
        done = subprocess.run([bwrap, "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind",
                               "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64",
                               "/lib64", "/usr/bin/true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap did not run ({exc})"
    if done.returncode != 0:
        return False, f"bwrap failed: {done.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""


def python_roots() -> list[str]:
    """Folders the child's Python needs, read-only: the real prefix (not a pyenv shim), a venv, numpy."""
    import numpy

    roots: list[str] = []
    candidates = [sys.base_prefix, sys.prefix, str(Path(numpy.__file__).resolve().parent.parent)]
    for path in candidates:
        real = os.path.realpath(path)
        if real.startswith("/usr/") or real == "/usr":
            continue
        if not any(real == r or real.startswith(r + "/") for r in roots):
            roots = [r for r in roots if not r.startswith(real + "/")] + [real]
    return sorted(roots)


def python_executable() -> str:
    """The interpreter that runs the child: this one (its prefix is bound at the same path)."""
    return sys.executable if os.path.isabs(sys.executable) else shutil.which("python3") or "/usr/bin/python3"


def bwrap_command(uid: int, tmp_bytes: int, fds: dict[str, int], use_seccomp: bool = True) -> list[str]:
    """The full argv: bwrap, then setpriv to `uid`, then the child entry script in zygote mode."""
    argv = ["bwrap", "--info-fd", str(fds["info"]), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"]
    made = {"/", "/usr", "/lib", "/lib64", "/bin", "/sbin"}
    for root in python_roots() + [INSIDE_DIR]:
        parents = []
        parent = os.path.dirname(root)
        while parent not in made:
            parents.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(parents):
            argv += ["--perms", "0755", "--dir", folder]
            made.add(folder)
        if root == INSIDE_DIR:
            argv += ["--perms", "0755", "--dir", root]
        else:
            argv += ["--ro-bind", root, root]
        made.add(root)
    for name in CHILD_FILES:
        argv += ["--ro-bind", str(CHILD_DIR / name), f"{INSIDE_DIR}/{name}"]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp",
             "--remount-ro", "/dev", "--remount-ro", "/", "--clearenv"]
    for key, value in {**ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", "/tmp", shutil.which("setpriv") or "/usr/bin/setpriv", "--reuid", str(uid),
             "--regid", str(uid), "--clear-groups", "--", python_executable(), "-s", "-B",
             f"{INSIDE_DIR}/child.py"] + _child_args(fds, "/tmp", "bwrap", use_seccomp)
    return argv


def plain_command(tmp_dir: str, fds: dict[str, int], use_seccomp: bool = True) -> tuple[list[str], dict[str, str]]:
    """argv and environment of the fallback: the same child script as a plain process (no namespaces)."""
    env = {**ENV, "HOME": tmp_dir, "TMPDIR": tmp_dir}
    argv = [python_executable(), "-s", "-B", str(CHILD_DIR / "child.py")] + _child_args(fds, tmp_dir, "plain",
                                                                                       use_seccomp)
    return argv, env


def _child_args(fds: dict[str, int], tmp: str, mode: str, use_seccomp: bool) -> list[str]:
    return ["--ctl", str(fds["ctl"]), "--bundle", str(fds["bundle"]), "--tmp", tmp, "--mode", mode,
            "--seccomp", "1" if use_seccomp else "0"]


@functools.lru_cache(maxsize=1)
def plain_switches_uid() -> bool:
    """Plain mode as root runs the child as the slot's uid when that uid can run this Python and numpy."""
    if os.geteuid() != 0:
        return False
    try:
        done = subprocess.run([python_executable(), "-s", "-c", "import numpy"], user=UID_BASE, group=UID_BASE,
                              extra_groups=[], cwd="/", env=dict(ENV), capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def plain_note() -> str:
    """The loud note every plain-mode outcome carries."""
    return PLAIN_NOTE if os.geteuid() != 0 or plain_switches_uid() else \
        "plain (no bubblewrap: weaker isolation; candidate code runs as root)"


def make_plain_tmp(uid: int | None) -> str:
    """A private host folder standing in for the sandbox's /tmp, owned by the slot uid when we are root."""
    folder = tempfile.mkdtemp(prefix="harness-sandbox-")
    if uid is not None:
        os.chown(folder, uid, uid)
    return folder


@dataclass
class Slot:
    """A uid reserved for one open session (held by an flock until released or the process dies)."""

    index: int
    uid: int
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def acquire_slot() -> Slot:
    """The lowest free slot; slots are shared by every grader process on the machine through lock files."""
    folder = os.path.join(tempfile.gettempdir(), f"harness-sandbox-slots-{os.geteuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SandboxError(f"{folder} is not a private folder owned by this user; remove it and retry")
    for index in range(SLOT_COUNT):
        fd = os.open(os.path.join(folder, f"{index}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Slot(index, UID_BASE + index, fd)
    raise SandboxError(f"all {SLOT_COUNT} sandbox slots are in use; run fewer grading jobs at once")
