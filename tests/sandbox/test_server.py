"""EvalServer on raw frames (no sandbox): counting, budget, noise-free record, and refusal of forged frames."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .conftest import Quadratic
from harness.sandbox import protocol
from harness.sandbox.server import PATH_CAP, TRAJECTORY_CAP, EvalServer, ProtocolViolation


def frame(*x: float) -> bytes:
    return protocol.HEADER.pack(protocol.OP_EVAL, len(x)) + np.asarray(x, "<f8").tobytes()


def reply(data: bytes) -> tuple[int, float]:
    code, n, value = protocol.SINGLE_REPLY.unpack(data)
    return code, value


def test_each_request_is_evaluated_with_its_index_and_counted():
    objective = Quadratic()
    server = EvalServer(objective, dim=2, budget=10)
    code, value = reply(server.feed(frame(1.0, 2.0)))
    assert (code, value) == (protocol.REPLY_OK, 1.0)
    reply(server.feed(frame(0.0, 0.0)))
    assert server.evaluations == objective.calls == 2 and objective.indices == [0, 1]
    assert server.best_x == (1.0, 2.0) and server.best_f == 1.0


def test_past_the_budget_every_request_is_refused_without_evaluating():
    objective = Quadratic()
    server = EvalServer(objective, dim=2, budget=3)
    for _ in range(3):
        assert reply(server.feed(frame(5.0, 5.0)))[0] == protocol.REPLY_OK
    for _ in range(4):
        code, value = reply(server.feed(frame(1.0, 2.0)))
        assert code == protocol.REPLY_EXHAUSTED and math.isnan(value)
    assert server.evaluations == objective.calls == 3 and server.refused == 4 and server.exhausted
    assert server.best_f == 26.0  # the refused (better) point was never evaluated


def test_noisy_objective_best_and_first_hit_use_the_noise_free_value():
    objective = Quadratic(noise=5.0)
    server = EvalServer(objective, dim=2, budget=100, target_value=1.5)
    seen = [reply(server.feed(frame(1.0 + d, 2.0)))[1] for d in (3.0, 2.0, 1.0, 0.5, 0.0)]
    assert seen != [10.0, 5.0, 2.0, 1.25, 1.0]  # the candidate saw noise
    assert server.best_f == 1.0 and server.best_x == (1.0, 2.0)
    assert server.first_hit == 4  # 1.25 is the first noise-free value <= 1.5
    assert server.trajectory == ((1, 10.0), (2, 5.0), (3, 2.0), (4, 1.25), (5, 1.0))


def test_trajectory_keeps_only_improvements_and_stays_bounded():
    server = EvalServer(Quadratic(dim=1), dim=1, budget=10 * TRAJECTORY_CAP)
    for i in range(3 * TRAJECTORY_CAP):
        server.feed(frame(1000.0 - i * 0.1))
        server.feed(frame(5000.0))  # never an improvement
    trajectory = server.trajectory
    assert len(trajectory) <= TRAJECTORY_CAP + 1
    assert trajectory[-1][0] == server.evaluations - 1 and trajectory[-1][1] == server.best_f
    assert [f for _, f in trajectory] == sorted((f for _, f in trajectory), reverse=True)


def test_path_is_recorded_for_small_dims_only_and_downsampled():
    server = EvalServer(Quadratic(), dim=2, budget=10 * PATH_CAP, record_path=True)
    for i in range(3 * PATH_CAP):
        server.feed(frame(float(i), 0.0))
    path = server.path
    assert PATH_CAP // 2 <= len(path) < PATH_CAP and path[0] == (0.0, 0.0)
    assert EvalServer(Quadratic(dim=3), dim=3, budget=5, record_path=True).path == ()
    quiet = EvalServer(Quadratic(), dim=2, budget=5)
    quiet.feed(frame(0.0, 0.0))
    assert quiet.path == ()


def test_frames_split_or_joined_across_reads_are_all_answered():
    objective = Quadratic()
    server = EvalServer(objective, dim=2, budget=10)
    data = frame(1.0, 2.0) + frame(0.0, 0.0) + frame(3.0, 3.0)
    replies = server.feed(data[:5]) + server.feed(data[5:30]) + server.feed(data[30:])
    assert len(replies) == 3 * protocol.SINGLE_REPLY.size and not server.partial
    assert objective.calls == 3


@pytest.mark.parametrize("data, words", [
    (frame(1.0, 2.0, 3.0), "3 numbers"),
    (protocol.HEADER.pack(9, 2) + bytes(16), "unknown request"),
    (frame(1.0, math.nan), "NaN"),
    (frame(math.inf, 0.0), "NaN or infinity"),
    (protocol.HEADER.pack(protocol.OP_BATCH, 4) + bytes(32), "does not allow"),
])
def test_forged_frames_are_protocol_violations_and_never_evaluated(data, words):
    objective = Quadratic()
    server = EvalServer(objective, dim=2, budget=10)
    with pytest.raises(ProtocolViolation, match=words):
        server.feed(data)
    assert objective.calls == 0 and server.evaluations == 0


def test_batch_frames_count_every_point_and_stop_at_the_budget():
    objective = Quadratic()
    server = EvalServer(objective, dim=2, budget=5, allow_batch=True)
    points = np.array([[1.0, 2.0], [0.0, 0.0], [2.0, 2.0]])
    out = server.feed(protocol.HEADER.pack(protocol.OP_BATCH, 6) + points.tobytes())
    code, n = protocol.HEADER.unpack_from(out)
    assert (code, n) == (protocol.REPLY_OK, 3)
    assert np.frombuffer(out, "<f8", offset=8).tolist() == [1.0, 6.0, 2.0]
    out = server.feed(protocol.HEADER.pack(protocol.OP_BATCH, 6) + points.tobytes())
    code, n = protocol.HEADER.unpack_from(out)
    assert (code, n) == (protocol.REPLY_EXHAUSTED, 2)  # two fitted in the budget, the third was refused
    assert server.evaluations == objective.calls == 5 and server.exhausted


def test_a_point_the_objective_rejects_is_refused_and_counted():
    class Picky(Quadratic):
        def evaluate(self, x, index):
            if x[0] > 100:
                raise ValueError("outside the domain")
            return super().evaluate(x, index)

    server = EvalServer(Picky(), dim=2, budget=10)
    assert reply(server.feed(frame(500.0, 0.0)))[0] == protocol.REPLY_REFUSED
    assert server.evaluations == 1 and "outside the domain" in server.objective_errors[0]
    assert server.best_f is None
