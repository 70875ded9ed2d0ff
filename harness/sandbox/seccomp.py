"""A seccomp filter for the sandbox: deny the syscalls a minimizer never needs and a kernel exploit would.

Installed by the zygote (child.py) before its first fork, so every trial inherits it; standard library only.
A hand-assembled classic-BPF program for x86_64 (elsewhere `build()` returns None: no filter): namespaces
(unshare, setns, clone with any CLONE_NEW* flag), mounts, ptrace and cross-process memory access, bpf, keys,
perf, userfaultfd, io_uring, module and kexec loading, SysV and POSIX IPC, ioprio_set, sched_setattr, and
every socket family but AF_UNIX get EPERM; clone3 gets ENOSYS so that libc falls back to clone, whose flags
the filter can read. 32-bit and x32 syscalls are refused outright (their numbers differ, so the list would not
apply).
"""

import ctypes
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
EPERM, ENOSYS = 1, 38
LD_ABS_W, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16
AF_UNIX = 1
CLONE_NEW_FLAGS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 \
    | 0x40000000  # NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
NR_SOCKET, NR_CLONE, NR_CLONE3 = 41, 56, 435
DENIED_X86_64 = {
    "ptrace": 101, "personality": 135, "vhangup": 153, "pivot_root": 155, "chroot": 161, "acct": 163,
    "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "lookup_dcookie": 212, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
    "unshare": 272, "perf_event_open": 298, "name_to_handle_at": 303, "open_by_handle_at": 304,
    "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313, "kcmp": 312,
    "bpf": 321, "userfaultfd": 323, "kexec_file_load": 320, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    # System V and POSIX IPC objects outlive the trial that made them, so they could carry what one trial
    # learned to the next (the zygote also restarts a sandbox left with SysV objects); ioprio_set and
    # sched_setattr reach settings of the zygote (I/O priority, utilisation clamps) that trials inherit.
    "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66, "shmdt": 67,
    "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semtimedop": 220, "mq_open": 240,
    "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
    "ioprio_set": 251, "sched_setattr": 314,
}
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def build() -> bytes | None:
    """The filter program as packed sock_filter structs, or None where this filter does not apply."""
    if not platform.system() == "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    prog: list[tuple] = []  # (code, jt label or offset, jf label or offset, k)

    def op(code, k, jt=0, jf=0):
        prog.append((code, jt, jf, k))

    op(LD_ABS_W, OFFSET_ARCH)
    op(JEQ_K, AUDIT_ARCH_X86_64, jt=0, jf="nosys")
    op(LD_ABS_W, OFFSET_NR)
    op(JGE_K, X32_SYSCALL_BIT, jt="nosys", jf=0)
    op(JEQ_K, NR_SOCKET, jt="socket", jf=0)
    op(JEQ_K, NR_CLONE, jt="clone", jf=0)
    op(JEQ_K, NR_CLONE3, jt="nosys", jf=0)
    for nr in sorted(DENIED_X86_64.values()):
        op(JEQ_K, nr, jt="deny", jf=0)
    labels = {"allow": len(prog)}
    op(RET_K, RET_ALLOW)
    labels["deny"] = len(prog)
    op(RET_K, RET_ERRNO | EPERM)
    labels["nosys"] = len(prog)
    op(RET_K, RET_ERRNO | ENOSYS)
    labels["socket"] = len(prog)  # classic BPF jumps only forward: each check ends in its own returns
    op(LD_ABS_W, OFFSET_ARG0)
    op(JEQ_K, AF_UNIX, jt=0, jf=1)
    op(RET_K, RET_ALLOW)
    op(RET_K, RET_ERRNO | EPERM)
    labels["clone"] = len(prog)
    op(LD_ABS_W, OFFSET_ARG0)
    op(JSET_K, CLONE_NEW_FLAGS, jt=1, jf=0)
    op(RET_K, RET_ALLOW)
    op(RET_K, RET_ERRNO | EPERM)
    out = []
    for index, (code, jt, jf, k) in enumerate(prog):
        jt = labels[jt] - index - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - index - 1 if isinstance(jf, str) else jf
        if not (0 <= jt <= 255 and 0 <= jf <= 255):
            raise ValueError("seccomp program too long for its jumps")
        out.append(struct.pack("=HBBI", code, jt, jf, k))
    return b"".join(out)


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(program: bytes | None) -> bool:
    """Apply `program` to this (single-threaded) process and all it starts; False if it could not be."""
    if not program:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _Prog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


if __name__ == "__main__":  # a quick manual check: python seccomp.py
    print("installed" if install(build()) else "not installed", os.getpid())
