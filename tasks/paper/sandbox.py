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

`isolation()` says which of layers 5-7 this machine provides.
"""

from __future__ import annotations

import functools
import os
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

# Runs first in the sandboxed interpreter (argv: workdir), then executes program.py. It confines itself with
# Landlock and the audit hook, which the program it then runs can neither lift nor remove.
_BOOTSTRAP = r"""
import os, resource, sys
workdir, cpu, memory, size = os.path.realpath(sys.argv[1]), *map(int, sys.argv[2:5])
os.chdir(workdir)
for limit, value in ((resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, size),
                     (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, 0)):
    resource.setrlimit(limit, (value, value))  # NPROC 0: no fork and no thread from here on

def landlock():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return
    # Handled, so denied except where a rule allows: every filesystem right up to TRUNCATE (ABI 3), TCP bind
    # and connect (ABI 4), abstract unix sockets and signals beyond the sandbox (ABI 6).
    handled = (1 << {1: 13, 2: 14}.get(abi, 15)) - 1
    attr = (ctypes.c_uint64 * 3)(handled, 0b11 if abi >= 4 else 0, 0b11 if abi >= 6 else 0)
    ruleset = libc.syscall(444, ctypes.byref(attr), 24 if abi >= 6 else 16 if abi >= 4 else 8, 0)
    if ruleset < 0:
        return

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    # Everything beneath workdir; elsewhere only reading (EXECUTE | READ_FILE | READ_DIR) of what Python
    # itself needs: the interpreter's and the system's libraries, /etc, /dev and its own /proc entry. Not
    # /home, /tmp or other processes' /proc/<pid>/environ, even for a program of the same user.
    read_only = [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path, "/usr", "/lib", "/lib64", "/lib32",
                 "/bin", "/sbin", "/etc", "/dev", "/proc/self"]
    rules = {workdir: handled, **{p: 0b1101 for p in read_only if p and os.path.isdir(p) and p != workdir}}
    ok = True
    for path, access in rules.items():
        rule = PathBeneath(access, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        ok = ok and libc.syscall(445, ruleset, 1, ctypes.byref(rule), 0) == 0  # LANDLOCK_RULE_PATH_BENEATH
        os.close(rule.parent_fd)
    if ok and libc.prctl(38, 1, 0, 0, 0) == 0:  # PR_SET_NO_NEW_PRIVS
        libc.syscall(446, ruleset, 0)  # landlock_restrict_self
    os.close(ruleset)

try:
    if sys.platform.startswith("linux"):  # the syscall numbers are Linux's
        landlock()
except Exception:
    pass  # no Landlock here: the other layers stand

REFUSED = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.system", "os.fork", "os.kill",
           "os.killpg", "pty.", "ctypes.", "os.setns", "os.unshare", "_posixsubprocess")
PATHS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
         "os.truncate", "os.utime", "shutil.", "os.mkfifo", "os.mknod")
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def hook(event, args, refused=REFUSED, paths=PATHS, write=WRITE, me=str(os.getpid()), top=workdir + os.sep,
         realpath=os.path.realpath, fsdecode=os.fsdecode):
    def inside(path):
        return isinstance(path, int) or (realpath(fsdecode(path)) + os.sep).startswith(top)

    if event.startswith(refused):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event == "open":
        path, mode, flags = args
        parts = fsdecode(path).split("/") if isinstance(path, (str, bytes)) else []
        if parts[:2] == ["", "proc"] and len(parts) > 2 and parts[2].isdigit() and parts[2] != me:
            raise PermissionError("sandbox: other processes are not visible")
        if ((mode is not None and any(c in mode for c in "wax+")) or (flags or 0) & write) and not inside(path):
            raise PermissionError(f"sandbox: no writing outside the working directory ({path!r})")
    elif event.startswith(paths):
        if not all(inside(a) for a in args if isinstance(a, (str, bytes, os.PathLike))):
            raise PermissionError(f"sandbox: {event} outside the working directory")

sys.addaudithook(hook)
del landlock, hook
sys.argv = ["program.py"]
with open("program.py") as f:
    source = f.read()
exec(compile(source, "program.py", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
"""


@dataclass(frozen=True)
class SandboxResult:
    """How a sandboxed program ended: "ok" (exit 0), "failed" (non-zero exit or killed by a limit) or "timeout"."""

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


def run_python(
    code: str,
    *,
    timeout: float = 10.0,
    memory_mb: int = 1024,
    file_mb: int = 16,
    namespaces: bool = True,
) -> SandboxResult:
    """Run `code` as a Python program in the sandbox of the module docstring and return how it ended.

    Args:
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
    """
    launcher, user = _launcher(namespaces)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="razorbench-sandbox-") as root:
        workdir = Path(root) / "work"
        workdir.mkdir()
        (workdir / "program.py").write_text(code)
        if user:
            os.chmod(root, 0o711)  # nobody may pass through to its directory, not list or read the rest
            os.chown(workdir, NOBODY, NOBODY)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8"}
        limits = [str(int(timeout) + 1), str(memory_mb << 20), str(file_mb << 20)]
        argv = [*launcher, "-I", "-B", "-c", _BOOTSTRAP, str(workdir), *limits]
        with open(Path(root) / "stdout", "w+b") as out, open(Path(root) / "stderr", "w+b") as err:
            process = subprocess.Popen(
                argv,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                **dict(user),
            )
            try:
                returncode = process.wait(timeout=timeout)
                status = "ok" if returncode == 0 else "failed"
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
    return SandboxResult(status, returncode, stdout, stderr, time.perf_counter() - began)
