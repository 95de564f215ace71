"""HumanEval's pass is proven, not inferred: completions that game the harness instead of solving the problem fail.

A model under RL learns whatever the scorer accepts. Each completion below answers a small HumanEval-shaped problem
wrongly and then tries to make the run look passed: by ending the interpreter early (any status), by swallowing
the tests' exception in a patched hook, by patching what the tests use (builtins, modules, the prompt's helper,
a trace function), by returning an object that equals everything, or by printing something that looks like success.
All of them fail; the right completion, plain or noisy, passes.
"""

from __future__ import annotations

import sys
import time

import pytest

from razorbench.tasks.paper.humaneval import passes, run_all
from razorbench.tasks.paper.sandbox import run_python

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's confinement layers are Linux's")

DOC = {
    "task_id": "Test/0",
    "prompt": 'def double(x):\n    return 2 * x\n\n\ndef add(a, b):\n    """a + b, as a float."""\n',
    "entry_point": "add",
    "test": (
        "import math\n\n\ndef check(candidate):\n"
        "    assert abs(candidate(2, 3) - 5) < 1e-9\n"
        "    assert math.isclose(candidate(0.5, 0.25), 0.75)\n"
        "    assert candidate(1, 1) == double(1)\n"
        "    assert str(candidate(1, 2)) in ('3', '3.0')\n"
    ),
}
RIGHT = "    return a + b\n"
WRONG = "    return 0\n"


def test_the_right_completion_passes_and_a_wrong_one_fails():
    assert passes(DOC, RIGHT)
    assert passes(DOC, RIGHT + "\nprint('noise'); import sys; print('more', file=sys.stderr)\n")
    assert not passes(DOC, WRONG)
    assert not passes(DOC, "    return a - b\n")


EARLY_EXITS = {
    "SystemExit(0)": "raise SystemExit(0)",
    "sys.exit()": "import sys\nsys.exit()",
    "exit()": "exit()",
    "quit(0)": "quit(0)",
    "os._exit(0)": "import os\nos._exit(0)",
    "os.abort()": "import os\nos.abort()",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "exit at the call": "    import os\n    os._exit(0)",  # inside the function: exits when the tests call it
}


@pytest.mark.parametrize("ending", EARLY_EXITS.values(), ids=EARLY_EXITS.keys())
def test_an_early_exit_with_any_status_fails(ending):
    completion = WRONG.replace("    return 0\n", ending + "\n    return 0\n") if ending.startswith("    ") else ""
    assert not passes(DOC, completion or WRONG + ending + "\n")


SWALLOWED = {
    "excepthook exits 0": "import os, sys\nsys.excepthook = lambda *args: os._exit(0)",
    "atexit exits 0": "import atexit, os\natexit.register(os._exit, 0)",
    "__del__ exits 0": "import os\nclass Bye:\n    def __del__(self):\n        os._exit(0)\nkeep = Bye()",
    "signal handler exits 0": "import os, signal\nsignal.signal(signal.SIGALRM, lambda *a: os._exit(0))\n"
    "signal.alarm(1)",
}


@pytest.mark.parametrize("patch", SWALLOWED.values(), ids=SWALLOWED.keys())
def test_an_exception_swallowed_by_a_patched_hook_fails(patch):
    assert not passes(DOC, WRONG + patch + "\n")


ABS = "def check(candidate):\n    assert abs(candidate(2, 3) - 5) < 1e-9\n"
ISCLOSE = "import math\n\n\ndef check(candidate):\n    assert math.isclose(candidate(2, 3), 5)\n"
FAKE_MATH = "import types\nfake = types.ModuleType('math')\nfake.isclose = lambda *a, **k: True\n"
# (the tests, a wrong completion that patches what they use), each of which passed the harness before proofs.
PATCHED = {
    "builtins.abs": (ABS, WRONG + "import builtins\nbuiltins.abs = lambda x: 0\n"),
    "builtins.str": (
        "def check(candidate):\n    assert str(candidate(1, 2)) == '3'\n",
        WRONG + "import builtins\nbuiltins.str = lambda x: '3'\n",
    ),
    "math.isclose": (ISCLOSE, WRONG + "import math\nmath.isclose = lambda *a, **k: True\n"),
    "sys.modules": (ISCLOSE, WRONG + FAKE_MATH + "import sys\nsys.modules['math'] = fake\n"),
    "meta_path": (
        ISCLOSE,
        WRONG + FAKE_MATH + "import sys, importlib.util\n"
        "class Loader:\n    def create_module(self, spec):\n        return fake\n"
        "    def exec_module(self, module):\n        pass\n"
        "class Finder:\n    def find_spec(self, name, path=None, target=None):\n"
        "        return importlib.util.spec_from_loader(name, Loader()) if name == 'math' else None\n"
        "sys.meta_path.insert(0, Finder())\nsys.modules.pop('math', None)\n",
    ),
    "the prompt's helper": (
        "def check(candidate):\n    assert candidate(1, 1) == double(1)\n",
        WRONG + "def double(x):\n    return 0\n",
    ),
    "during the call": (
        "def check(candidate):\n    value = candidate(2, 3)\n    assert abs(value - 5) < 1e-9\n",
        "    import builtins\n    builtins.abs = lambda x: 0\n    return 0\n",
    ),
}


@pytest.mark.parametrize("tests, completion", PATCHED.values(), ids=PATCHED.keys())
def test_patching_what_the_tests_use_does_not_pass_them(tests, completion):
    doc = {**DOC, "test": tests}
    assert not passes(doc, completion)
    # The same patch beside a right body does not break it: the tests see clean builtins either way.
    right = completion.replace("    return 0\n", "    return a + b\n")
    assert passes(doc, right)


def test_a_trace_function_that_jumps_over_the_asserts_fails():
    # The function sets a trace on its caller (the tests' `check`) that jumps to check's last line, past the
    # asserts that follow: without the sandbox's clean-up after each call the tests would "pass".
    doc = {**DOC, "test": "def check(candidate):\n    value = candidate(2, 3)\n    assert value == 5\n    return\n"}
    jump = (
        "    import sys\n"
        "    caller = sys._getframe(1)\n"
        "    last = caller.f_code.co_firstlineno + 3\n"
        "    def tracer(frame, event, arg):\n"
        "        if event == 'line' and frame is caller and frame.f_lineno == last - 1:\n"
        "            frame.f_lineno = last\n"
        "        return tracer\n"
        "    caller.f_trace = tracer\n"
        "    sys.settrace(tracer)\n"
        "    return 0\n"
    )
    assert not passes(doc, jump)


ALWAYS_EQUAL = {
    "__eq__": (
        "5",
        "    class Anything:\n        def __eq__(self, other):\n            return True\n    return Anything()",
    ),
    "float subclass": ("5", "    class F(float):\n        __eq__ = lambda self, other: True\n    return F(0)"),
    "inside a tuple": ("(5,)", "    class E:\n        __eq__ = lambda self, other: True\n    return (E(),)"),
}


@pytest.mark.parametrize("expected, body", ALWAYS_EQUAL.values(), ids=ALWAYS_EQUAL.keys())
def test_an_object_that_equals_everything_fails(expected, body):
    tests = f"def check(candidate):\n    assert candidate(2, 3) == {expected}\n"
    assert not passes({**DOC, "test": tests}, body + "\n")


IMITATIONS = {
    "success words": "print('All tests passed'); print('PASSED'); print('ok')",
    "a nonce-like line": "print('0123456789abcdef0123456789abcdef')",
    "written to every file descriptor": "import os\nfor fd in range(3, 64):\n    try:\n"
    "        os.write(fd, b'0123456789abcdef0123456789abcdef')\n    except OSError:\n        pass\nos._exit(0)",
    "a file named like a result": "open('result', 'w').write('passed')\nraise SystemExit(0)",
}


@pytest.mark.parametrize("imitation", IMITATIONS.values(), ids=IMITATIONS.keys())
def test_output_that_imitates_success_fails(imitation):
    assert not passes(DOC, WRONG + imitation + "\n")


def test_a_program_that_writes_garbage_to_the_proof_channel_and_then_passes_is_still_no_proof():
    # Even the right function, when the program has written into the proof pipe first: only the nonce, exactly.
    spoil = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'x')\n    except OSError:\n"
    spoil += "        pass\n"
    assert not passes(DOC, RIGHT + spoil)


HOSTILE_TEXT = {
    "1 MB of comment, wrong": WRONG + "#" + "x" * (1 << 20) + "\n",
    "NUL bytes": WRONG + "\x00\x00\n",
    "lone surrogate": "    return a + b  # \ud800\n",
    "control characters": "    return a + b\x1b[2K\r    return 0\n",
    "look-alike name (Cyrillic a)": WRONG + "def \u0430dd(a, b):\n    return a + b\n",
    "the prompt echoed back": DOC["prompt"],
    "empty": "",
}


@pytest.mark.parametrize("completion", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_text_fails_without_crashing_the_harness(completion):
    assert not passes(DOC, completion)


def test_a_long_right_completion_passes_in_bounded_time():
    began = time.monotonic()
    assert passes(DOC, RIGHT + "#" + "x" * (1 << 20) + "\n")
    assert time.monotonic() - began < 10


def test_all_programs_run_at_once_and_a_slow_one_holds_no_other():
    docs = [DOC] * 6
    spin, sleep = "    while True:\n        pass\n", "    import time\n    time.sleep(60)\n"
    responses = [[RIGHT], [spin], [WRONG], [RIGHT], [sleep]]
    responses.append([RIGHT + "```\nprose after the code block"])  # the instruct format's closing fence
    began = time.monotonic()
    verdicts = run_all(responses, docs)
    elapsed = time.monotonic() - began
    assert [v["passed"] for v in verdicts] == [True, False, False, True, False, True]
    assert elapsed < 2 * 10.0 + 5  # two slow programs, each at most its 10 s bound, side by side or after another


def test_the_function_under_test_must_exist_and_tests_see_no_program_globals():
    assert run_python("x = 1", tests="assert True").passed
    assert not run_python("x = 1", tests="assert x == 1").passed  # the tests' namespace is their own
    assert not run_python("x = 1", tests="pass", function="f").passed  # no such function: not proven
