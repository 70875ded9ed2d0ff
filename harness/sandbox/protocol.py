"""Wire formats between the grader and the sandbox: float64 frames for evaluations, JSON for control.

Imported on both sides of the boundary (the child imports it from its own folder), so it uses the standard
library only. Nothing here ever unpickles: evaluation frames are struct-packed little-endian float64, control
and result messages are length-checked JSON.

Evaluation request (child -> grader): header `<II` (op, n) then n float64. `OP_EVAL` carries one point of
`dim` numbers; `OP_BATCH` carries k points (n = k * dim). Reply (grader -> child): header `<II` (code, n) then
n float64 values. `REPLY_EXHAUSTED` means the budget is spent (a batch reply may still carry the values of the
points evaluated before it ran out).
"""

from __future__ import annotations

import array
import json
import os
import socket
import struct

HEADER = struct.Struct("<II")
SINGLE_REPLY = struct.Struct("<IId")  # the reply to one point: (code, 1, value), always 16 bytes
OP_EVAL = 1
OP_BATCH = 2
REPLY_OK = 0
REPLY_EXHAUSTED = 1
REPLY_REFUSED = 2  # the grader could not evaluate this point (say, the objective rejected it)
MAX_BATCH_POINTS = 4096  # keeps a batch reply (<= 32 KiB) inside one pipe buffer, so replies never block
RESULT_LIMIT = 4 << 20  # bytes of result JSON the grader accepts from a trial
CONTROL_LIMIT = 1 << 16  # bytes of one control message
MAX_FDS = 8
RESULT_LOST_EXIT = 125  # a trial's exit code when its result pipe was unusable (the candidate closed it)


class EvaluationBudgetExhausted(BaseException):
    """Raised by `func` once the evaluation budget is spent; a BaseException so `except Exception` misses it."""


EvaluationBudgetExhausted.__module__ = "builtins"  # shows as a plain name in candidates' tracebacks


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes from a blocking fd; fewer only at EOF."""
    data = os.read(fd, n)
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        chunk = os.read(fd, n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to a blocking fd."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def encode_result(result: dict) -> bytes:
    """A trial's outcome as a length-prefixed JSON document (the only thing a trial sends back)."""
    body = json.dumps(result, default=repr, allow_nan=True).encode("utf-8", "replace")
    return struct.pack("<I", len(body)) + body


def decode_result(data: bytes) -> dict | None:
    """Parse what a trial wrote on its result pipe; None when it is not one well-formed result document."""
    if len(data) < 4:
        return None
    (size,) = struct.unpack_from("<I", data)
    if size != len(data) - 4 or size > RESULT_LIMIT:
        return None
    try:
        value = json.loads(data[4:].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def control_pair() -> tuple[socket.socket, socket.socket]:
    """The grader-zygote control channel: a UNIX stream socket pair (SOCK_SEQPACKET is missing on macOS)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def send_message(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    """One length-prefixed JSON control message, with file descriptors attached (SCM_RIGHTS)."""
    body = json.dumps(message).encode("utf-8")
    if len(body) > CONTROL_LIMIT:
        raise ValueError(f"control message of {len(body)} bytes exceeds {CONTROL_LIMIT}")
    data = struct.pack("<I", len(body)) + body
    ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())] if fds else []
    sent = sock.sendmsg([data], ancillary)
    if sent < len(data):
        sock.sendall(data[sent:])


def recv_message(sock: socket.socket) -> tuple[dict | None, list[int], bool]:
    """(message, fds, eof): one control message. eof is also true when the stream is no longer well framed
    (a malformed or oversized message, or a peer that stalls mid-message on a socket with a timeout)."""
    fds: list[int] = []
    try:
        head, ancillary, flags, _ = sock.recvmsg(4, socket.CMSG_SPACE(MAX_FDS * 4))
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(array.array("i", data[: len(data) - len(data) % 4]))
        if not head:
            return None, fds, True
        head += _recv_exact(sock, 4 - len(head))
        (size,) = struct.unpack("<I", head)
        if flags & socket.MSG_CTRUNC or size > CONTROL_LIMIT:
            return None, fds, True
        body = _recv_exact(sock, size)
    except (OSError, struct.error):
        return None, fds, True
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, fds, False
    return (message if isinstance(message, dict) else None), fds, False


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(n - got)
        if not chunk:
            raise ConnectionResetError("control stream ended mid-message")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
