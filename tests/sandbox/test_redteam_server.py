"""Red-team findings against the EvalServer on raw frames (no sandbox, fast)."""

from __future__ import annotations

import numpy as np

from harness.sandbox import protocol
from harness.sandbox.server import EvalServer


class PickyTeamFunction:
    """Like a team's own pickle (`harness bank add`): its function raises outside the region it is defined on."""

    noisy = False
    dim = 2

    def __init__(self) -> None:
        self.calls = 0

    def value(self, x: np.ndarray) -> float:
        self.calls += 1
        if x[0] > 500.0:
            raise ValueError("the function returned nan")
        return float(np.sum(x ** 2))

    def evaluate(self, x: np.ndarray, index: int) -> float:
        return self.value(x)


def _frame(*x: float) -> bytes:
    return protocol.HEADER.pack(protocol.OP_EVAL, len(x)) + np.asarray(x, "<f8").tobytes()


def test_points_the_objective_refuses_are_counted_against_the_budget():
    # Before the fix a refused point cost nothing: a candidate could map where the team's function is defined
    # (one bit per call) with unlimited, uncounted calls.
    objective = PickyTeamFunction()
    server = EvalServer(objective, dim=2, budget=5)
    codes = [protocol.SINGLE_REPLY.unpack(server.feed(_frame(600.0 + i, 0.0)))[0] for i in range(8)]
    assert codes == [protocol.REPLY_REFUSED] * 5 + [protocol.REPLY_EXHAUSTED] * 3
    assert server.evaluations == objective.calls == 5
    assert server.best_f is None and server.exhausted
