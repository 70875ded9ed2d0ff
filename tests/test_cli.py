"""The CLI frame: exit codes and messages without tracebacks."""

import subprocess
import sys


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=120)


def test_no_command_prints_help_and_exits_2():
    proc = _run()
    assert proc.returncode == 2
    assert "bank" in proc.stderr and "grade" in proc.stderr


def test_unbuilt_command_says_so_without_traceback():
    proc = _run("merge", "a", "--out", "b")
    assert proc.returncode == 2
    assert "not built yet" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version():
    proc = _run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("harness ")
