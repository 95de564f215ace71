"""The compact letter display and the verdict rule against hand-worked cases."""

from __future__ import annotations

import pytest

from razorbench.analysis.letters import compact_letters
from razorbench.analysis.verdict import level_sign, verdict


@pytest.mark.parametrize(
    "different, want",
    [
        ([], {"A": "a", "B": "a", "C": "a"}),
        ([("A", "B"), ("A", "C"), ("B", "C")], {"A": "a", "B": "b", "C": "c"}),
        ([("A", "B"), ("A", "C")], {"A": "a", "B": "b", "C": "b"}),
        ([("A", "C")], {"A": "a", "B": "ab", "C": "b"}),
    ],
)
def test_three_entries(different, want):
    assert compact_letters(["A", "B", "C"], different) == want


def test_four_entries_not_transitive():
    # A ≠ C, A ≠ D, B ≠ D: groups {A,B}, {B,C}, {C,D} (worked in the module docstring's algorithm by hand).
    got = compact_letters(["A", "B", "C", "D"], [("A", "C"), ("A", "D"), ("B", "D")])
    assert got == {"A": "a", "B": "ab", "C": "bc", "D": "c"}
    # The order of the pairs does not change the groups.
    assert compact_letters(["A", "B", "C", "D"], [("B", "D"), ("A", "D"), ("A", "C")]) == got


def test_letters_past_z():
    names = [f"n{i}" for i in range(28)]
    every_pair = [(x, y) for i, x in enumerate(names) for y in names[i + 1 :]]
    got = compact_letters(names, every_pair)
    assert got["n0"] == "a" and got["n25"] == "z" and got["n26"] == "aa" and got["n27"] == "ab"


@pytest.mark.parametrize(
    "intervals, overlap, want",
    [
        # toy oracle-SFT < GRPO: a positive mean gap, no level significant -> tie, never "reproduced"
        ([(-0.01, 0.03), (-0.02, 0.08), (-0.01, 0.15), (-0.03, 0.25), (-0.1, 0.2)], 0.3, "tie"),
        ([(0.01, 0.2)] * 3 + [(-0.1, 0.1)] * 2, 0.3, "reproduced"),  # 3 of 5 >= half
        ([(0.01, 0.2)] * 2 + [(-0.1, 0.1)] * 3, 0.3, "tie"),  # 2 of 5 < half
        ([(-0.2, -0.01)] * 2 + [(-0.1, 0.1)] * 2, 0.3, "reversed"),  # 2 of 4 = half
        ([(0.01, 0.2)] * 2 + [(-0.2, -0.01)] * 2, 0.3, "tie"),  # half each way: no finding
        ([(0.01, 0.2)] * 5, 0.19, "not testable"),  # under the pre-registered 0.2 overlap
        ([(None, None)] * 5, 0.3, "tie"),  # no intervals: nothing is significant
    ],
)
def test_verdict_rule(intervals, overlap, want):
    signs = [level_sign(low, high) for low, high in intervals]
    assert verdict(signs, overlap) == want
