"""Run untrusted, model-written Python (HumanEval on the paper track) in a separate, confined process.

`run_python(code)` writes `code` into a fresh temporary directory and runs it there with a wall-clock limit,
a memory limit, no network, and none of the user's environment. Each layer below has its own reason; the
later ones are defence in depth where the kernel or the account does not allow the earlier ones:

1. A separate process in its own session, SIGKILLed as a group at the wall-clock limit, with a CPU-time
   rlimit besides: an infinite loop or a sleep cannot stall the run.
2. rlimits: address space (memory), CPU seconds, file size (also caps captured output), open files, no core
   dumps, and no new processes or threads (RLIMIT_NPROC, set by the bootstrap): a fork bomb fails at once.
3. A scrubbed environment (PATH, HOME and TMPDIR = the working directory, LANG): no token or key of the user
   reaches the program through `os.environ`.
4. A fresh working directory, deleted afterwards; stdout/stderr go to files outside it.
5. Run as root (containers), the program runs as `nobody`: Linux does not enforce RLIMIT_NPROC for root, and
   file permissions then keep it out of everyone's files and out of /proc/<pid>/environ of other processes.
6. Namespaces through util-linux `unshare` where the kernel allows (unprivileged user namespaces): a new
   network namespace with no interface up (no network) and a new PID namespace with its own /proc (no other
   process, nor its environment, is visible); everything in it dies with its first process.
7. Landlock (Linux >= 5.13, where enabled), applied by the bootstrap: writes only beneath the working
   directory, reads only there and in the interpreter's and system's libraries (not /home, /tmp, nor other
   processes' /proc entries, even of the same user); with Landlock ABI >= 4 also no TCP connect or bind.
8. An audit hook (PEP 578) installed by the bootstrap before the program runs: refuses sockets, new
   processes, ctypes and writes outside the working directory, and hides other processes' /proc entries.
   PEP 578 says audit hooks are no sandbox on their own, hence last, not only.

A pass is proven, not inferred from the exit status. The caller draws a random nonce per run and puts it in a
pipe; the bootstrap (`sandbox_boot.py`) reads it only after the program, and then its tests, ran to their end,
writes it to a second pipe and ends the process at once. Only a run whose proof pipe holds exactly the nonce is
"ok": a program that exits early with any status, swallows the tests' exception by patching an exit or
exception hook, or prints something that looks like success fails. The tests run in a namespace of their own,
with Python's builtins and the modules they import put back as they were before the program ran (also after
every call of the function under test), so a program cannot pass them by patching what they use.

`isolation()` says which of layers 5-7 this machine provides.
"""

from __future__ import annotations

import ast
import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
_OUTPUT_KEEP = 64 * 1024  # characters of stdout/stderr kept in the result
_UNSHARE = ["--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]

# The sandboxed interpreter's first code (run with -c: the interpreter is isolated and cannot import razorbench).
_BOOTSTRAP = (Path(__file__).resolve().parent / "sandbox_boot.py").read_text()


@dataclass(frozen=True)
class SandboxResult:
    """How a sandboxed program ended: "ok" (it and its tests ran to their end, proven), "failed" (anything else
    within the limits: an exception, an exit of its own with any status, a limit that killed it) or "timeout"."""

    status: str
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.status == "ok"


@functools.cache
def _launcher(namespaces: bool) -> tuple[tuple[str, ...], tuple[tuple[str, object], ...]]:
    """(argv prefix ending with a Python interpreter, Popen arguments), the most confined that starts here.

    Probed once per process: `unshare` (layer 6) only where the kernel allows it, and, run as root, the first
    interpreter that `nobody` can execute (layer 5; a pyenv or conda Python under /root cannot be).
    """
    nobody = (("user", NOBODY), ("group", NOBODY), ("extra_groups", []))
    users = [nobody, ()] if hasattr(os, "geteuid") and os.geteuid() == 0 else [()]
    unshare = shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin") if namespaces else None
    wrappers = ([(unshare, *_UNSHARE)] if unshare else []) + [()]
    pythons = dict.fromkeys(
        p for p in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3") if Path(p).exists()
    )
    for user in users:
        for wrapper in wrappers:
            for python in pythons:
                try:
                    probe = subprocess.run(
                        [*wrapper, python, "-I", "-c", "pass"],
                        env={"PATH": "/usr/bin:/bin"},
                        cwd="/",
                        capture_output=True,
                        timeout=30,
                        **dict(user),
                    )
                except (OSError, subprocess.SubprocessError):
                    continue
                if probe.returncode == 0:
                    return (*wrapper, python), user
    return (sys.executable,), ()


def isolation() -> dict[str, bool]:
    """Which of the optional layers (module docstring, 5-7) this machine gives sandboxed programs."""
    argv, user = _launcher(True)
    landlock = False
    try:
        if not sys.platform.startswith("linux"):
            raise OSError("Landlock is Linux's")
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        landlock = libc.syscall(444, None, 0, 1) >= 1
    except (OSError, AttributeError):
        pass
    return {"runs_as_nobody": bool(user), "namespaces": len(argv) > 1, "landlock": landlock}


def imported_modules(*sources: str) -> list[str]:
    """The top-level modules that `sources` import anywhere (the bootstrap imports them before the program runs).

    >>> imported_modules("def check(c):\\n    import math, os.path\\n    from random import Random", "x = 1")
    ['math', 'os', 'random']
    """
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return sorted(names)


def run_python(
    code: str,
    *,
    tests: str | None = None,
    tests_context: str = "",
    function: str | None = None,
    timeout: float = 10.0,
    memory_mb: int = 1024,
    file_mb: int = 16,
    namespaces: bool = True,
) -> SandboxResult:
    """Run `code` as a Python program in the sandbox of the module docstring, then `tests` if given, and return
    how it ended: "ok" only if both ran to their end (proven with the per-run nonce).

    Args:
        tests: code run after the program in a namespace of its own, with the interpreter's shared state put back.
        tests_context: run first in the tests' namespace: the definitions the tests use (as written here).
        function: the name of the program's function under test, handed to the tests' namespace.
        timeout: wall-clock seconds before the program and everything it started are killed.
        memory_mb: address-space limit.
        file_mb: the largest file it may write, and the most output kept from it.
        namespaces: use network/PID namespaces where available (False tests the other layers alone).

    >>> run_python("print(6 * 7)").stdout
    '42\\n'
    >>> run_python("import os; print(os.environ['HOME'] == os.getcwd(), sorted(os.environ))").stdout
    "True ['HOME', 'LANG', 'PATH', 'TMPDIR']\\n"
    >>> run_python("while True: pass", timeout=1).status
    'timeout'
    >>> run_python("raise SystemExit(0)").status  # ended before its end: not proven
    'failed'
    >>> run_python("def f(x):\\n    return x", tests="assert f(2) == 2", function="f").status
    'ok'
    """
    launcher, user = _launcher(namespaces)
    began = time.perf_counter()
    nonce = secrets.token_hex(16).encode()
    with tempfile.TemporaryDirectory(prefix="razorbench-sandbox-") as root:
        workdir = Path(root) / "work"
        workdir.mkdir()
        files = {"program.py": code, "tests.py": tests, "context.py": tests_context if tests is not None else None}
        for name, text in files.items():
            if text is not None:  # invalid UTF-8 (a lone surrogate) is written as is: the interpreter refuses it
                (workdir / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        if user:
            os.chmod(root, 0o711)  # nobody may pass through to its directory, not list or read the rest
            os.chown(workdir, NOBODY, NOBODY)
            for name in files:
                if (workdir / name).exists():
                    os.chown(workdir / name, NOBODY, NOBODY)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8"}
        nonce_read, nonce_write = os.pipe()
        proof_read, proof_write = os.pipe()
        os.write(nonce_write, nonce)
        os.close(nonce_write)
        os.set_blocking(proof_read, False)
        limits = [str(int(timeout) + 1), str(memory_mb << 20), str(file_mb << 20)]
        modules = ",".join(imported_modules(tests or "", tests_context)) if tests is not None else ""
        pipes = [str(nonce_read), str(proof_write)]
        argv = [*launcher, "-I", "-B", "-c", _BOOTSTRAP, str(workdir), *limits, *pipes, function or "", modules]
        try:
            with open(Path(root) / "stdout", "w+b") as out, open(Path(root) / "stderr", "w+b") as err:
                process = subprocess.Popen(
                    argv,
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    pass_fds=(nonce_read, proof_write),
                    **dict(user),
                )
                os.close(nonce_read)
                os.close(proof_write)
                nonce_read = proof_write = -1
                try:
                    returncode = process.wait(timeout=timeout)
                    status = "ok" if returncode == 0 and _proof(proof_read) == nonce else "failed"
                except subprocess.TimeoutExpired:
                    returncode, status = None, "timeout"
                finally:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)  # its whole session, whatever is left of it
                    except (ProcessLookupError, PermissionError):
                        pass
                    process.wait()
                out.seek(0)
                err.seek(0)
                stdout = out.read(_OUTPUT_KEEP).decode("utf-8", "replace")
                stderr = err.read(_OUTPUT_KEEP).decode("utf-8", "replace")
        finally:
            for fd in (nonce_read, proof_write, proof_read):
                if fd >= 0:
                    os.close(fd)
    return SandboxResult(status, returncode, stdout, stderr, time.perf_counter() - began)


def _proof(fd: int) -> bytes:
    """What the proof pipe holds (at most a little more than a nonce: anything longer is no proof anyway)."""
    try:
        return os.read(fd, 4096)
    except BlockingIOError:
        return b""
