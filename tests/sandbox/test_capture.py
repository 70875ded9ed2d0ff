"""The capture helper and the wire formats, without a sandbox: statuses and messages from raw call pieces."""

from __future__ import annotations

import os
import signal

import pytest

from .conftest import Quadratic, make_request
from harness.errors import SandboxError
from harness.results import TrialStatus
from harness.sandbox import Policy, protocol
from harness.sandbox.capture import OutputBuffer, RawCall, assemble, capture
from harness.sandbox.server import EvalServer

POLICY = Policy(wall_s=7.0, cpu_s=3.0, memory_mb=256, output_limit_mb=1)


def judge(result=None, exit_=None, stopped="", detail="", stdout=b"", evaluations=0, refused=0, budget=50):
    request = make_request(budget=budget)
    server = EvalServer(Quadratic(), dim=2, budget=budget)
    server.evaluations, server.refused = evaluations, refused
    raw = RawCall(stdout=OutputBuffer(64), stderr=OutputBuffer(64), result=result, exit=exit_,
                  stopped=stopped, detail=detail)
    raw.stdout.feed(stdout)
    return assemble(request, POLICY, server, raw, "bwrap")


def returned(ret, **kw):
    return judge({"stage": "return", "outcome": "returned", "ret": ret, "imported": ["numpy"]}, **kw)


def raised(exc, stage="call", **kw):
    return judge({"stage": stage, "outcome": "raised", "exc": exc}, **kw)


def test_output_buffer_keeps_head_and_tail_and_counts_everything():
    buffer = OutputBuffer(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrstuvwxyz"):
        buffer.feed(chunk)
    assert buffer.total == 26 and buffer.texts() == ("abcde", "vwxyz")
    small = OutputBuffer(100)
    small.feed(b"hello\n")
    assert small.texts() == ("hello\n", "")


def test_a_returned_point_is_ok_with_its_kind_and_value():
    outcome = returned({"kind": "(x, fx)", "x": [1.0, 2.0], "fx": 1.0, "error": None})
    assert outcome.status is TrialStatus.OK and outcome.message == ""
    assert outcome.returned == (1.0, 2.0) and outcome.returned_kind == "(x, fx)" and outcome.returned_fx == 1.0
    assert outcome.imported_modules == ("numpy",)


@pytest.mark.parametrize("x", [[1.0], [1.0, None], [1.0, float("nan")], "12", None, [True, 1.0]])
def test_a_point_that_fails_the_graders_own_check_is_bad_return(x):
    outcome = returned({"kind": "x", "x": x, "fx": None, "error": None})
    assert outcome.status is TrialStatus.BAD_RETURN and outcome.returned is None
    assert "not 2 finite numbers" in outcome.message


def test_none_while_printing_the_answer_quotes_the_printed_line():
    outcome = returned({"kind": "none", "x": None, "fx": None, "error": "returned None; return the point"},
                       stdout=b"iter 1\nbest x = [1.0, 2.0]\n")
    assert outcome.status is TrialStatus.BAD_RETURN
    assert "it printed `best x = [1.0, 2.0]`" in outcome.message


def test_exceptions_name_type_message_and_the_candidates_frames():
    outcome = raised({"type": "IndexError", "message": "index 2 is out of bounds", "memory": False,
                      "exhausted": False, "frames": [["solution.py", 12, "minimize", "x[2] += 1"]]})
    assert outcome.status is TrialStatus.ERROR
    assert outcome.message == ("minimize raised IndexError: index 2 is out of bounds\n"
                               "  solution.py:12 in minimize: x[2] += 1")


def test_memory_budget_and_exit_statuses():
    assert raised({"type": "MemoryError", "message": "", "memory": True}).status is TrialStatus.MEMORY
    spent = raised({"type": "EvaluationBudgetExhausted", "message": "", "exhausted": True}, evaluations=50,
                   refused=1)
    assert spent.status is TrialStatus.BUDGET_EXHAUSTED and "budget of 50" in spent.message
    after = raised({"type": "ValueError", "message": "no"}, evaluations=50, refused=1)
    assert after.status is TrialStatus.BUDGET_EXHAUSTED and "then raised ValueError: no" in after.message
    sys_exit = raised({"type": "SystemExit", "message": "2", "exit_code": "2"})
    assert sys_exit.status is TrialStatus.ERROR and "sys.exit(2)" in sys_exit.message
    load = raised({"type": "SyntaxError", "message": "bad"}, stage="load")
    assert load.status is TrialStatus.ERROR and load.message.startswith("loading the entry file failed")


def test_calls_that_sent_no_result_are_judged_from_the_exit_report():
    assert judge(exit_={"signal": int(signal.SIGXCPU), "cpu_s": 3.0}).status is TrialStatus.CPU
    assert judge(exit_={"signal": int(signal.SIGKILL), "cpu_s": 3.5}).status is TrialStatus.CPU
    crashed = judge(exit_={"code": 3, "cpu_s": 0.1})
    assert crashed.status is TrialStatus.CRASHED and "exit code 3" in crashed.message
    segv = judge(exit_={"signal": int(signal.SIGSEGV), "cpu_s": 0.1})
    assert segv.status is TrialStatus.CRASHED and "SIGSEGV" in segv.message


def test_stops_by_the_grader_name_the_limit_and_the_evaluations_used():
    timeout = judge(stopped="timeout", evaluations=12)
    assert timeout.status is TrialStatus.TIMEOUT and "7 s wall-clock" in timeout.message
    assert "after 12 of 50 evaluations" in timeout.message
    assert judge(stopped="output").status is TrialStatus.KILLED
    abuse = judge(stopped="protocol", detail="wrote junk on the evaluation pipe")
    assert abuse.status is TrialStatus.KILLED and "wrote junk" in abuse.message


def test_capture_turns_a_harness_fault_into_a_result_but_not_a_broken_machine():
    def broken():
        raise KeyError("oops")

    outcome = capture(broken, make_request(), "bwrap")
    assert outcome.status is TrialStatus.CRASHED and "harness bug" in outcome.message

    def no_sandbox():
        raise SandboxError("bwrap is broken")

    with pytest.raises(SandboxError):
        capture(no_sandbox, make_request(), "bwrap")


def test_result_documents_are_length_checked_json():
    data = protocol.encode_result({"outcome": "returned", "x": [1.0]})
    assert protocol.decode_result(data) == {"outcome": "returned", "x": [1.0]}
    assert protocol.decode_result(data[:-1]) is None
    assert protocol.decode_result(data + b"x") is None
    assert protocol.decode_result(b"\x02\x00\x00\x00[]") is None  # JSON, but not a result document
    assert protocol.decode_result(b"\x03\x00\x00\x00\x80\x04.") is None  # a pickle is just bytes here


def test_control_messages_carry_file_descriptors():
    left, right = protocol.control_pair()
    r, w = os.pipe()
    try:
        protocol.send_message(left, {"op": "trial", "n": 1}, (w,))
        message, fds, eof = protocol.recv_message(right)
        assert message == {"op": "trial", "n": 1} and len(fds) == 1 and not eof
        os.write(fds[0], b"hi")
        assert os.read(r, 2) == b"hi"
        os.close(fds[0])
        left.send(b"\x08\x00\x00\x00not json")
        assert protocol.recv_message(right) == (None, [], False)
        left.send(b"\xff\xff\xff\x7f")  # an oversized length: the stream cannot be trusted any more
        assert protocol.recv_message(right)[2] is True
        left.close()
        assert protocol.recv_message(right)[2] is True  # EOF
    finally:
        right.close()
        os.close(r)
        os.close(w)
