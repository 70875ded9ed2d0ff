"""The grader's side of the evaluation pipe: evaluates, counts every call, enforces the budget, keeps the record.

The count lives only here. A request is validated from the raw frame (the child's proxy checks too, but a
candidate can write to the pipe directly), counted, evaluated with `objective.evaluate(x, i)`, and the noise-free
value (`objective.value(x)`, only when the objective is noisy) updates the best point, `first_hit` and the
trajectory. Past the budget every request is answered "exhausted" and nothing more is evaluated.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from harness.sandbox.protocol import (
    HEADER,
    MAX_BATCH_POINTS,
    OP_BATCH,
    OP_EVAL,
    REPLY_EXHAUSTED,
    REPLY_OK,
    REPLY_REFUSED,
    SINGLE_REPLY,
)

TRAJECTORY_CAP = 2000
PATH_CAP = 4000


class ProtocolViolation(Exception):
    """The child wrote something the proxy never sends: the candidate bypassed `func`."""


class EvalServer:
    """Answers evaluation frames for one call; `feed` takes raw bytes and returns the reply bytes."""

    def __init__(self, objective: Any, dim: int, budget: int, target_value: float | None = None,
                 record_path: bool = False, allow_batch: bool = False) -> None:
        self.objective = objective
        self.dim = int(dim)
        self.budget = int(budget)
        self.target_value = target_value
        self.allow_batch = allow_batch
        self.evaluations = 0
        self.refused = 0  # requests answered "exhausted"
        self.objective_errors: list[str] = []
        self.best_f: float | None = None
        self.first_hit: int | None = None
        self._best_x: np.ndarray | None = None
        self._evaluate = objective.evaluate
        self._value = objective.value if getattr(objective, "noisy", False) else None
        self._trajectory: list[tuple[int, float]] = []
        self._path: list[tuple[float, ...]] | None = [] if record_path and self.dim <= 2 else None
        self._path_stride = 1
        self._buffer = bytearray()
        self._single_size = HEADER.size + 8 * self.dim
        self._single_head = HEADER.pack(OP_EVAL, self.dim)
        self._unpack = struct.Struct(f"<{self.dim}d").unpack_from
        self._exhausted_reply = SINGLE_REPLY.pack(REPLY_EXHAUSTED, 0, math.nan)
        self._refused_reply = SINGLE_REPLY.pack(REPLY_REFUSED, 0, math.nan)

    # ------------------------------------------------------------------------------------------ frames
    def feed(self, data: bytes) -> bytes:
        """Handle every complete frame in `data` (plus any earlier partial frame); the replies, concatenated."""
        if not self._buffer and len(data) == self._single_size and data[:8] == self._single_head:
            return self._single(data)  # the common case: exactly one single-point frame
        self._buffer += data
        replies = []
        while len(self._buffer) >= HEADER.size:
            op, n = HEADER.unpack_from(self._buffer)
            if op == OP_EVAL:
                if n != self.dim:
                    raise ProtocolViolation(f"an evaluation request of {n} numbers for a {self.dim}-D objective")
            elif op == OP_BATCH:
                if not self.allow_batch:
                    raise ProtocolViolation("a batch evaluation request, which this rubric does not allow")
                if n == 0 or n % self.dim or n // self.dim > MAX_BATCH_POINTS:
                    raise ProtocolViolation(f"a batch request of {n} numbers for a {self.dim}-D objective")
            else:
                raise ProtocolViolation(f"an unknown request code {op}")
            size = HEADER.size + 8 * n
            if len(self._buffer) < size:
                break
            frame = bytes(self._buffer[:size])
            del self._buffer[:size]
            replies.append(self._single(frame) if op == OP_EVAL else self._batch(frame, n // self.dim))
        return b"".join(replies)

    @property
    def partial(self) -> bool:
        """True while part of a frame has arrived and the rest has not."""
        return bool(self._buffer)

    def _single(self, frame: bytes) -> bytes:
        values = self._unpack(frame, HEADER.size)
        total = sum(values)
        x = np.array(values)  # the grader's own copy, float64
        if total - total != 0 and not np.isfinite(x).all():  # a finite sum means every value is finite
            raise ProtocolViolation("an evaluation request holding NaN or infinity")
        if self.evaluations >= self.budget:
            self.refused += 1
            return self._exhausted_reply
        value = self._one(x)
        return self._refused_reply if value is None else SINGLE_REPLY.pack(REPLY_OK, 1, value)

    def _batch(self, frame: bytes, k: int) -> bytes:
        points = np.frombuffer(frame, dtype="<f8", offset=HEADER.size).reshape(k, self.dim).copy()
        if not np.isfinite(points).all():
            raise ProtocolViolation("a batch request holding NaN or infinity")
        values = []
        for x in points:
            if self.evaluations >= self.budget:
                self.refused += 1
                return HEADER.pack(REPLY_EXHAUSTED, len(values)) + np.asarray(values, "<f8").tobytes()
            value = self._one(x)
            if value is None:
                return HEADER.pack(REPLY_REFUSED, 0)
            values.append(value)
        return HEADER.pack(REPLY_OK, k) + np.asarray(values, "<f8").tobytes()

    # ------------------------------------------------------------------------------------------ one point
    def _one(self, x: np.ndarray) -> float | None:
        index = self.evaluations
        try:
            value = float(self._evaluate(x, index))
            true = float(self._value(x)) if self._value is not None else value
        except Exception as exc:  # an objective that rejects a point: refuse it, but count it (a refusal is
            self.evaluations = index + 1  # information: uncounted, it would map the function's domain for free)
            if len(self.objective_errors) < 5:
                self.objective_errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return None
        self.evaluations = index + 1
        if self._path is not None and index % self._path_stride == 0:
            self._record_path(x)
        if true == true and (self.best_f is None or true < self.best_f):
            self.best_f = true
            self._best_x = x
            self._trajectory.append((index + 1, true))
            if len(self._trajectory) > TRAJECTORY_CAP:
                last = self._trajectory[-1]
                self._trajectory = self._trajectory[:-1:2] + [last]
            if self.first_hit is None and self.target_value is not None and true <= self.target_value:
                self.first_hit = index + 1
        return value

    def _record_path(self, x: np.ndarray) -> None:
        assert self._path is not None
        self._path.append(tuple(float(v) for v in x))
        if len(self._path) >= PATH_CAP:
            self._path = self._path[::2]
            self._path_stride *= 2

    # ------------------------------------------------------------------------------------------ record
    @property
    def exhausted(self) -> bool:
        """The candidate asked for more evaluations than the budget allows."""
        return self.refused > 0

    @property
    def best_x(self) -> tuple[float, ...] | None:
        return None if self._best_x is None else tuple(float(v) for v in self._best_x)

    @property
    def trajectory(self) -> tuple[tuple[int, float], ...]:
        """(1-based evaluation, noise-free best so far) at each improvement; thinned past the cap."""
        return tuple(self._trajectory)

    @property
    def path(self) -> tuple[tuple[float, ...], ...]:
        return tuple(self._path or ())
