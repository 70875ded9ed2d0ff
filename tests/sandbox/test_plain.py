"""The fallback without bubblewrap: still a separate process with limits, loudly noted, and nothing left over."""

from __future__ import annotations

import dataclasses
import os

import pytest

from .conftest import FAST, Quadratic, make_request, stage_code
from harness.results import TrialStatus
from harness.sandbox import bwrap, open_session, sandbox_mode

SOURCE = """
import os, select, sys

def minimize(func, x0):
    print("PID", os.getpid(), "CWD", os.getcwd())
    return [func([1.0, 2.0]) - 1.0, 2.0]

def daemon_then_hang(func, x0):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            select.select([], [], [], 600)  # the candidate blocks
        os._exit(0)
    print("PID", os.getpid(), flush=True)
    select.select([], [], [], 600)  # the candidate blocks

def write_tmp(func, x0):
    open(os.path.join(os.environ["TMPDIR"], "left.txt"), "w").write("x")
    print("SEES", sorted(os.listdir(os.environ["TMPDIR"])))
    return x0
"""


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("HARNESS_SANDBOX", "plain")
    bwrap.sandbox_mode.cache_clear()
    yield
    monkeypatch.delenv("HARNESS_SANDBOX")
    bwrap.sandbox_mode.cache_clear()


def _uid_processes(uid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/status") as fh:
                if any(line.split()[1:2] == [str(uid)] for line in fh if line.startswith("Uid:")):
                    found.append(int(name))
        except (OSError, ValueError):
            pass
    return found


def test_plain_mode_runs_out_of_process_and_says_so(plain, tmp_path):
    assert sandbox_mode() == "plain"
    code = stage_code(tmp_path, SOURCE)
    objective = Quadratic()
    with open_session(code, "solution.py", FAST) as session:
        outcome = session.run(make_request(), objective)
        second = session.run(make_request("write_tmp"), Quadratic())
        third = session.run(make_request("write_tmp"), Quadratic())
        folder = session._plain_tmp
    assert outcome.status is TrialStatus.OK and outcome.returned == (0.0, 2.0) and objective.calls == 1
    assert outcome.sandbox.startswith("plain (no bubblewrap")
    assert int(outcome.stdout_head.split()[1]) != os.getpid()
    assert "SEES ['code', 'left.txt']" in second.stdout_head and third.stdout_head == second.stdout_head
    assert not os.path.exists(folder)  # the private folder went with the session


@pytest.mark.skipif(os.geteuid() != 0 or not hasattr(os, "pidfd_open"), reason="needs root on Linux")
def test_plain_mode_timeout_leaves_no_process(plain, tmp_path):
    code = stage_code(tmp_path, SOURCE)
    with open_session(code, "solution.py", dataclasses.replace(FAST, wall_s=1.0)) as session:
        outcome = session.run(make_request("daemon_then_hang"), Quadratic())
        assert outcome.status is TrialStatus.TIMEOUT
        pid = int(outcome.stdout_head.split()[1])
        uid = session._slot.uid
        assert session.run(make_request(), Quadratic()).status is TrialStatus.OK
    assert not os.path.exists(f"/proc/{pid}")
    if bwrap.plain_switches_uid():
        assert _uid_processes(uid) == []


def test_doctor_names_the_mode_in_use(plain):
    from harness.sandbox import describe_environment

    text = describe_environment()
    assert text.startswith("sandbox mode: plain") and "weaker isolation" in text
