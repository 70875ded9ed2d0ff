"""What a candidate can see and keep: nothing of the host, and nothing from one trial to the next."""

from __future__ import annotations

import dataclasses
import json
import os
import socket

import pytest

from .conftest import FAST, Quadratic, make_request, needs_bwrap, stage_code
from harness.results import TrialStatus
from harness.sandbox import open_session

pytestmark = [pytest.mark.sandbox, needs_bwrap]

PROBE = """
import json, os, random, select, signal, socket, sys, threading
import numpy as np
import helper

def report(**facts):
    print("FACTS " + json.dumps(facts))

def dirty(func, x0):
    helper.counter += 1
    helper.items.append("dirty")
    open("/tmp/left_behind.txt", "w").write("x")
    open("left_in_cwd.txt", "w").write("x")
    with open("helper.py", "a") as fh:
        fh.write("\\ncounter = 100\\n")
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            select.select([], [], [], 600)  # the candidate blocks
        os._exit(0)
    report(first=[random.random(), float(np.random.rand())])
    return x0

def clean(func, x0):
    others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]
    report(counter=helper.counter, items=helper.items, tmp=sorted(os.listdir("/tmp")),
           cwd=sorted(os.listdir(".")), others=others,
           first=[random.random(), float(np.random.rand())])
    return x0

def host(func, x0):
    def can(fn):
        try:
            fn()
            return True
        except OSError:
            return False
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    def connect():
        with socket.socket() as sock:
            sock.settimeout(2)
            sock.connect(("127.0.0.1", int(open("port.txt").read())))
    report(
        uid=os.getuid(), gid=os.getgid(), cap_eff=status["CapEff"].strip(),
        no_new_privs=status["NoNewPrivs"].strip(),
        root=sorted(os.listdir("/")), env=sorted(os.environ),
        pids=sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        staging=os.path.exists(sys.argv[0]) and os.path.dirname(sys.argv[0]),
        paths={p: os.path.exists(p) for p in json.loads(open("paths.json").read())},
        connect=can(connect),
        write_usr=can(lambda: open("/usr/harness_probe", "w")),
        write_root=can(lambda: open("/harness_probe", "w")),
        write_dev_shm=can(lambda: open("/dev/shm/harness_probe", "w")),
        big_file=can(lambda: open("/tmp/big", "wb").write(b"0" * (20 << 20))),
    )
    return x0

def deep_mess(func, x0):
    os.chdir("/tmp")
    for _ in range(1500):  # deeper than a recursive rmtree can go
        os.mkdir("d")
        os.chdir("d")
    return x0

def host_ids(func, x0):
    report(uid=os.getuid(), cpus=sorted(os.sched_getaffinity(0)))
    return x0

def fill_tmp(func, x0):
    written = 0
    try:
        for i in range(100):
            with open(f"/tmp/fill{i}", "wb") as fh:
                fh.write(b"0" * (1 << 20))
            written += 1
    except OSError as exc:
        report(written=written, error=exc.errno)
    return x0

def bomb(func, x0):
    made = 0
    try:
        while made < 150:
            if os.fork() == 0:
                select.select([], [], [], 600)  # the candidate blocks
                os._exit(0)
            made += 1
    except OSError:
        pass
    report(made=made)
    return x0

def forks_ok(func, x0):
    kids = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    report(forked=len(kids))
    return x0

def syscalls(func, x0):
    import ctypes, subprocess
    libc = ctypes.CDLL(None, use_errno=True)
    def errno_of(call):
        ctypes.set_errno(0)
        return 0 if call() == 0 else ctypes.get_errno()
    def sock(family):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            return 0
        except OSError as exc:
            return exc.errno
    worker = threading.Thread(target=lambda: None)
    worker.start()
    worker.join()
    report(unshare=errno_of(lambda: libc.unshare(0x10000000)), inet=sock(socket.AF_INET),
           unix=sock(socket.AF_UNIX), ptrace=errno_of(lambda: libc.ptrace(16, os.getppid(), 0, 0)),
           mount=errno_of(lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
           subprocess=subprocess.run(["/usr/bin/true"]).returncode, numpy=float(np.linalg.norm(np.ones(4))))
    return x0

def thread_after(func, x0):
    def pound():
        while True:
            func(x0)
    threading.Thread(target=pound, daemon=True).start()
    select.select([], [], [], 0.05)  # the thread gets to call func for a moment
    return x0
"""


def facts(outcome) -> dict:
    text = outcome.stdout_head + outcome.stdout_tail
    return json.loads(text.split("FACTS ", 1)[1].splitlines()[0])


@pytest.fixture
def staged(tmp_path):
    return stage_code(tmp_path, PROBE, extra={"helper.py": "counter = 0\nitems = []\n"})


def test_nothing_leaks_from_one_trial_to_the_next(staged):
    before = (staged / "helper.py").read_text()
    with open_session(staged, "solution.py", FAST) as session:
        dirty = session.run(make_request("dirty", seed=3), Quadratic())
        clean = session.run(make_request("clean", seed=3), Quadratic())
        assert session.starts == 1  # the same sandbox served both trials (the zygote)
    assert dirty.status is TrialStatus.OK and clean.status is TrialStatus.OK, (dirty.message, clean.message)
    assert "process(es) running; they were killed" in dirty.message  # 1 or 2: the fork may be mid-flight
    seen = facts(clean)
    assert seen["counter"] == 0 and seen["items"] == []  # module state: fresh import
    assert seen["tmp"] == ["code"] and "left_in_cwd.txt" not in seen["cwd"]  # /tmp wiped, code rewritten
    assert seen["others"] == []  # the setsid'd grandchild was swept
    assert seen["first"] == facts(dirty)["first"]  # random and numpy reseeded from the same seed
    assert (staged / "helper.py").read_text() == before  # the host's staging copy is untouched


def test_the_sandbox_shows_nothing_of_the_host(staged, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_SECRET_ENV", "visible?")
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    (staged / "port.txt").write_text(str(listener.getsockname()[1]))
    paths = [str(secret), str(staged), "/root/.ssh", "/etc/passwd", "/work", os.path.expanduser("~/.bashrc")]
    (staged / "paths.json").write_text(json.dumps(paths))
    try:
        with open_session(staged, "solution.py", dataclasses.replace(FAST, file_size_mb=8)) as session:
            outcome = session.run(make_request("host"), Quadratic())
    finally:
        listener.close()
    assert outcome.status is TrialStatus.OK, outcome.message
    seen = facts(outcome)
    assert seen["uid"] >= 1000 and seen["gid"] >= 1000 and seen["cap_eff"] == "0000000000000000"
    assert seen["no_new_privs"] == "1"
    assert set(seen["root"]) <= {"bin", "dev", "lib", "lib64", "opt", "proc", "root", "sbin", "tmp", "usr"}
    assert "HARNESS_TEST_SECRET_ENV" not in seen["env"] and seen["pids"][:2] == [1, 2]
    assert seen["staging"] == "/tmp/code"
    assert seen["paths"] == {p: False for p in paths}
    assert not seen["connect"] and not seen["write_usr"] and not seen["write_root"] and not seen["write_dev_shm"]
    assert not seen["big_file"]  # RLIMIT_FSIZE


def test_tmp_is_size_capped(staged):
    with open_session(staged, "solution.py", dataclasses.replace(FAST, tmp_mb=8, file_size_mb=64)) as session:
        outcome = session.run(make_request("fill_tmp"), Quadratic())
    seen = facts(outcome)
    assert seen["error"] == 28 and seen["written"] < 8  # ENOSPC


def test_a_fork_bomb_is_capped_and_the_next_trial_can_fork_again(staged):
    with open_session(staged, "solution.py", FAST) as session:
        bomb = session.run(make_request("bomb"), Quadratic())
        after = session.run(make_request("forks_ok"), Quadratic())
    assert facts(bomb)["made"] < FAST.processes
    assert after.status is TrialStatus.OK and facts(after)["forked"] == 5


def test_a_thread_left_calling_func_cannot_skew_the_count(staged):
    objective = Quadratic()
    with open_session(staged, "solution.py", FAST) as session:
        outcome = session.run(make_request("thread_after", budget=10**6), objective)
        assert session.run(make_request("clean"), Quadratic()).status is TrialStatus.OK
    assert outcome.status is TrialStatus.OK and outcome.evaluations == objective.calls > 0


def test_links_in_the_staging_folder_are_not_followed(staged, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("host data")
    (staged / "link.txt").symlink_to(outside)
    with open_session(staged, "solution.py", FAST) as session:
        outcome = session.run(make_request("clean"), Quadratic())
    assert "link.txt" not in facts(outcome)["cwd"]
    assert outcome.load_notes == ("link.txt: not a regular file; left out of the sandbox",)


def test_seccomp_denies_namespaces_ptrace_mounts_and_network_sockets_only(staged):
    with open_session(staged, "solution.py", FAST) as session:
        outcome = session.run(make_request("syscalls"), Quadratic())
    assert outcome.status is TrialStatus.OK, outcome.message
    seen = facts(outcome)
    assert seen["unshare"] == seen["ptrace"] == seen["mount"] == seen["inet"] == 1  # EPERM
    assert seen["unix"] == 0 and seen["subprocess"] == 0 and seen["numpy"] == 2.0


def test_concurrent_sessions_get_their_own_uid_and_core(staged):
    with open_session(staged, "solution.py", FAST) as first, open_session(staged, "solution.py", FAST) as second:
        one = facts(first.run(make_request("host_ids"), Quadratic()))
        two = facts(second.run(make_request("host_ids"), Quadratic()))
    assert one["uid"] != two["uid"]  # RLIMIT_NPROC counts per uid: a fork bomb in one cannot starve the other
    if len(os.sched_getaffinity(0)) > 1:
        assert len(one["cpus"]) == len(two["cpus"]) == 1 and one["cpus"] != two["cpus"]


def test_the_seccomp_filter_can_be_switched_off(staged):
    with open_session(staged, "solution.py", dataclasses.replace(FAST, seccomp=False)) as session:
        seen = facts(session.run(make_request("syscalls"), Quadratic()))
    assert seen["inet"] == 0 and seen["ptrace"] == 1  # sockets open again; the zygote still refuses ptrace


def test_a_mess_the_wipe_cannot_clear_costs_a_fresh_sandbox_not_the_next_trial(staged):
    with open_session(staged, "solution.py", FAST) as session:
        assert session.run(make_request("deep_mess"), Quadratic()).status is TrialStatus.OK
        after = session.run(make_request("clean"), Quadratic())
        restarted = session.starts
    assert after.status is TrialStatus.OK, after.message
    assert facts(after)["tmp"] == ["code"] and restarted == 2
