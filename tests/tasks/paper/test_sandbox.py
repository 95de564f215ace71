"""The sandbox against hostile model-written code: none of it escapes, none of it stalls the run.

Each attack runs three times: with every isolation layer this machine offers; without the namespace layer;
and without namespaces after the program has disabled the audit hook (swapping its code object, which
Python allows), so the operating-system layers (uid drop, rlimits, Landlock) are shown to hold on their own.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from razorbench.tasks.paper.sandbox import isolation, run_python

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's confinement layers are Linux's")


# Finds the sandbox's audit hook and makes it a no-op: what a program that knows the bootstrap could do.
BYPASS_HOOK = """import gc
for f in gc.get_objects():
    if getattr(f, "__name__", "") == "hook" and hasattr(f, "__code__"):
        f.__code__ = (lambda *a, **k: None).__code__
        print("hook-bypassed")
"""


@pytest.fixture(
    params=[(True, False), (False, False), (False, True)], ids=["all-layers", "no-namespaces", "os-layers-only"]
)
def sandbox(request):
    namespaces, bypass = request.param

    def run(code: str, **kwargs):
        return run_python(BYPASS_HOOK + code if bypass else code, namespaces=namespaces, **kwargs)

    run.bypass = bypass
    return run


def test_reports_its_layers():
    layers = isolation()
    assert set(layers) == {"runs_as_nobody", "namespaces", "landlock"}


def test_plain_program_runs_and_may_use_its_directory(sandbox):
    result = sandbox("open('out.txt', 'w').write('hi'); print(open('out.txt').read())")
    assert result.passed and result.stdout.endswith("hi\n"), result
    assert ("hook-bypassed" in result.stdout) == sandbox.bypass


def test_failing_program_fails(sandbox):
    result = sandbox("assert 1 == 2")
    assert result.status == "failed" and "AssertionError" in result.stderr


@pytest.mark.parametrize(
    "bomb",
    [
        "import os\nwhile True:\n    os.fork()",
        "import subprocess\nwhile True:\n    subprocess.Popen(['python3', '-c', 'import time; time.sleep(60)'])",
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()",
        "import os\nif os.system('sleep 60 & sleep 60 &'):\n    raise SystemExit(1)",
    ],
    ids=["fork", "subprocess", "threads", "shell"],
)
def test_fork_bomb_is_stopped_and_leaves_nothing(bomb, sandbox, monkeypatch):
    sessions = []

    class Recorded(subprocess.Popen):
        """Popen that notes the pid of each child started in a new session: the sandboxed program's session id."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if kwargs.get("start_new_session"):
                sessions.append(self.pid)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    began = time.monotonic()
    result = sandbox(bomb, timeout=5)
    assert result.status == "failed", result  # refused at the first attempt, well before the time limit
    assert time.monotonic() - began < 5
    assert len(sessions) == 1
    # SIGKILL is delivered asynchronously: allow the killed processes a moment to exit.
    deadline = time.monotonic() + 2
    while (left := members_of_session(sessions[0])) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"the sandbox's session {sessions[0]} outlived it: {left}"


def members_of_session(sid: int) -> list[str]:
    """The live processes (zombies are dead, waiting to be reaped) in session or process group `sid`, from
    /proc/<pid>/stat; only these can be the sandboxed program's, whatever else runs on the machine."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited meanwhile
            continue
        # Field 2 (the command name) is in parentheses and may contain spaces: split after its last ")".
        state, _ppid, pgrp, session = text[text.rindex(")") + 2 :].split()[:4]
        if state != "Z" and sid in (int(pgrp), int(session)):
            members.append(text[: text.rindex(")") + 1])
    return members


def test_cannot_write_outside_its_directory(tmp_path, sandbox):
    shared_tmp = (
        Path("/tmp") / f"razorbench-escape-{secrets.token_hex(4)}"
    )  # world-writable, so only the sandbox stops it
    targets = [tmp_path / "escaped.txt", shared_tmp, Path.home() / f".razorbench-escape-{secrets.token_hex(4)}"]
    attempts = "\n".join(
        f"try:\n    {how}\nexcept Exception as e:\n    print(type(e).__name__)"
        for target in targets
        for how in (f"open({str(target)!r}, 'w').write('x')", f"os.mkdir({str(target)!r})")
    )
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    remove = f"try:\n    os.remove({str(victim)!r})\nexcept Exception as e:\n    print(type(e).__name__)"
    result = sandbox(f"import os\n{attempts}\n{remove}")
    assert result.passed, result
    assert result.stdout.count("Error") == 2 * len(targets) + 1, result.stdout
    for target in targets:
        assert not target.exists()
    assert victim.read_text() == "keep me"


@pytest.mark.skipif(not isolation()["landlock"], reason="confining reads needs Landlock")
def test_cannot_read_files_outside_its_directory_and_the_libraries(sandbox):
    secret_file = Path("/tmp") / f"razorbench-secret-{secrets.token_hex(4)}"
    secret_file.write_text("s3cret")
    secret_file.chmod(0o644)  # readable by every account: only Landlock keeps the program out
    try:
        result = sandbox(f"import json, decimal, hashlib\nprint(open({str(secret_file)!r}).read())")
    finally:
        secret_file.unlink()
    assert result.status == "failed" and "PermissionError" in result.stderr and "s3cret" not in result.stdout


def test_cannot_read_secrets_from_the_environment_or_other_processes(monkeypatch, sandbox):
    secret = f"sk-{secrets.token_hex(16)}"
    monkeypatch.setenv("RAZORBENCH_TEST_SECRET", secret)
    # A process started with the secret in its environment, as the user's training run would be.
    holder = subprocess.Popen(["sleep", "30"], env={**os.environ, "RAZORBENCH_TEST_SECRET": secret})
    try:
        program = (
            "import os, glob\n"
            "print(dict(os.environ))\n"
            "for path in glob.glob('/proc/*/environ') + ['/proc/%d/environ' % os.getppid()]:\n"
            "    try:\n"
            "        print(open(path, 'rb').read())\n"
            "    except Exception as e:\n"
            "        print(path, type(e).__name__)\n"
        )
        result = sandbox(program)
    finally:
        holder.kill()
        holder.wait()
    assert result.passed, result
    assert secret not in result.stdout and secret not in result.stderr
    assert "RAZORBENCH_TEST_SECRET" not in result.stdout


@pytest.mark.parametrize("loop", ["while True:\n    pass", "import time\ntime.sleep(600)"], ids=["busy", "sleep"])
def test_infinite_loop_is_killed_at_the_time_limit(loop, sandbox):
    began = time.monotonic()
    result = sandbox(loop, timeout=1)
    assert result.status == "timeout"
    assert time.monotonic() - began < 4


def test_no_network(sandbox):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        result = sandbox(
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\nprint('connected')"
        )
        with pytest.raises(TimeoutError):
            server.accept()
    assert result.status == "failed" and "connected" not in result.stdout


def test_memory_and_output_are_bounded(sandbox):
    assert sandbox("x = bytearray(8 << 30)").status == "failed"
    began = time.monotonic()
    flood = sandbox("while True:\n    print('x' * 100000)", timeout=10, file_mb=1)
    assert flood.status == "failed" and len(flood.stdout) <= 64 * 1024
    assert time.monotonic() - began < 10
