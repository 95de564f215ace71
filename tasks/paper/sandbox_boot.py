"""The first code of a sandboxed interpreter (`sandbox.py` runs this file's text with `python -I -c`): it confines
the process, runs the program, then its tests, and proves that they ran to their end.

argv: workdir, cpu seconds, memory bytes, file bytes, the nonce pipe's fd, the proof pipe's fd, the function under
test ("" if none), the modules the tests import (comma-separated).

1. Confinement (the module docstring of `sandbox.py`, layers 2, 7 and 8): rlimits, Landlock, the audit hook.
2. The program (`program.py`) runs in its own namespace.
3. The tests (`tests.py`, if present) run in another: first `context.py` (the definitions the tests need, e.g.
   HumanEval's prompt with its helper functions, as written, not as the program may have redefined them), then
   the function under test, taken from the program's namespace and wrapped so that each call of it returns to a
   clean interpreter (below). Before the tests start, and after every call of that function, Python's builtins,
   the modules the tests import (objects and attributes), `sys.modules`, `sys.meta_path`, the standard streams
   and the trace and profile functions are put back as they were before the program ran; a value the function
   returns must not be of a class the program made (an object that equals everything).
4. Only then is the per-run nonce read from its pipe and written to the proof pipe; the process ends at once
   (`os._exit(0)`), so no exit handler, finaliser or excepthook of the program runs after the proof. The caller
   counts a pass only when the proof pipe holds exactly the nonce: an early exit with any status, an exception
   swallowed by a patched hook, or printed output that imitates a success marker proves nothing.

What an in-process check cannot stop is a program that goes after this code itself (reads its pipes, walks its
frames); such a program remains confined by the operating-system layers (`sandbox.py`).
"""

import os
import sys


def confine(workdir, cpu, memory, size):
    import resource

    os.chdir(workdir)
    for limit, value in (
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_FSIZE, size),
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, 0),
    ):
        resource.setrlimit(limit, (value, value))  # NPROC 0: no fork and no thread from here on
    try:
        if sys.platform.startswith("linux"):  # the syscall numbers are Linux's
            landlock(workdir)
    except Exception:
        pass  # no Landlock here: the other layers stand
    install_hook(workdir)


def landlock(workdir):
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
    read_only = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        *sys.path,
        "/usr",
        "/lib",
        "/lib64",
        "/lib32",
        "/bin",
        "/sbin",
        "/etc",
        "/dev",
        "/proc/self",
    ]
    rules = {workdir: handled, **{p: 0b1101 for p in read_only if p and os.path.isdir(p) and p != workdir}}
    ok = True
    for path, access in rules.items():
        rule = PathBeneath(access, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        ok = ok and libc.syscall(445, ruleset, 1, ctypes.byref(rule), 0) == 0  # LANDLOCK_RULE_PATH_BENEATH
        os.close(rule.parent_fd)
    if ok and libc.prctl(38, 1, 0, 0, 0) == 0:  # PR_SET_NO_NEW_PRIVS
        libc.syscall(446, ruleset, 0)  # landlock_restrict_self
    os.close(ruleset)


REFUSED = (
    "socket.",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.system",
    "os.fork",
    "os.kill",
    "os.killpg",
    "pty.",
    "ctypes.",
    "os.setns",
    "os.unshare",
    "_posixsubprocess",
)
PATHS = (
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.link",
    "os.symlink",
    "os.truncate",
    "os.utime",
    "shutil.",
    "os.mkfifo",
    "os.mknod",
)


def install_hook(workdir):
    write = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    me = str(os.getpid())

    def hook(
        event,
        args,
        refused=REFUSED,
        paths=PATHS,
        write=write,
        me=me,
        top=workdir + os.sep,
        realpath=os.path.realpath,
        fsdecode=os.fsdecode,
    ):
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


class Clean:
    """The interpreter state the tests rely on, taken before the program runs and put back on demand."""

    def __init__(self, modules):
        import builtins

        for name in modules:  # imported now, so the program finds them imported and cannot stand in for them
            try:
                __import__(name)
            except Exception:
                pass
        self.builtins = vars(builtins)
        self.saved_builtins = dict(self.builtins)
        self.modules = dict(sys.modules)
        self.module_dicts = {name: dict(vars(sys.modules[name])) for name in modules if name in sys.modules}
        self.meta_path = list(sys.meta_path)
        self.streams = (sys.stdin, sys.stdout, sys.stderr)

    def restore(
        self, settrace=sys.settrace, setprofile=sys.setprofile, getframe=sys._getframe, vars=vars, list=list, dict=dict
    ):
        settrace(None)
        setprofile(None)
        frame = getframe(1)
        while frame is not None:  # a trace function set on a frame would still run: clear them all
            frame.f_trace = None
            frame = frame.f_back
        for name in [k for k in self.builtins if k not in self.saved_builtins]:
            del self.builtins[name]
        self.builtins.update(self.saved_builtins)
        for name, module in self.modules.items():
            sys.modules[name] = module
        for name, saved in self.module_dicts.items():
            namespace = vars(self.modules[name])
            for key in [k for k in namespace if k not in saved]:
                del namespace[key]
            namespace.update(saved)
        sys.meta_path[:] = self.meta_path
        sys.stdin, sys.stdout, sys.stderr = self.streams


PROGRAM = "program.py"


PLAIN = (int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset)


def made_by_the_program(value, builtin_types=PLAIN):
    """True if `value`, or anything inside its lists, tuples, dicts and sets, is of a class the program defined:
    a class whose module is the program's (`__main__`) or with a method compiled from the program."""
    seen, stack, classes = set(), [value], {}
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        cls = type(item)
        if cls not in builtin_types:
            if cls not in classes:
                classes[cls] = any(
                    klass.__module__ == "__main__"
                    or any(
                        getattr(getattr(a, "__func__", a), "__code__", None) is not None
                        and getattr(a, "__func__", a).__code__.co_filename == PROGRAM
                        for a in vars(klass).values()
                    )
                    for klass in cls.__mro__
                )
            if classes[cls]:
                return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return False


def guarded(function, clean):
    def call(*args, **kwargs):
        try:
            value = function(*args, **kwargs)
        finally:
            clean.restore()
        if made_by_the_program(value):
            raise TypeError(f"sandbox: the function returned a {type(value).__name__} the program defined")
        return value

    return call


def run(path, namespace):
    with open(path) as f:
        source = f.read()
    exec(compile(source, path, "exec"), namespace)


def main():
    workdir, cpu, memory, size, nonce_fd, proof_fd = os.path.realpath(sys.argv[1]), *map(int, sys.argv[2:7])
    function, modules = sys.argv[7], [m for m in sys.argv[8].split(",") if m]
    confine(workdir, cpu, memory, size)
    read, write, end = os.read, os.write, os._exit  # as they are now, whatever the program does to `os`
    clean = Clean(modules)
    sys.argv = [PROGRAM]
    program = {"__name__": "__main__", "__builtins__": __builtins__}
    run(PROGRAM, program)
    if os.path.exists("tests.py"):
        clean.restore()
        tests = {"__name__": "__main__", "__builtins__": __builtins__}
        if os.path.exists("context.py"):
            run("context.py", tests)
        if function:
            tests[function] = guarded(program[function], clean)
        run("tests.py", tests)
    # The program and its tests ran to their end: prove it, and end before anything else of theirs can run.
    nonce = read(nonce_fd, 64)
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    write(proof_fd, nonce)
    end(0)


if __name__ == "__main__":
    main()
