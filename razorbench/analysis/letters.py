"""Compact letter display: groups of entries that are not told apart, shown as letters. Two entries share a letter
exactly when no difference between them was detected; an entry may carry several letters, since "not told apart"
is not transitive (A ~ B and B ~ C while A ≠ C gives A "a", B "ab", C "b").

The insert-and-absorb algorithm (H.-P. Piepho, "An algorithm for a letter-based representation of all-pairwise
comparisons", J. Comput. Graph. Stat. 13(2), 2004): start with every entry in one group; for each pair found
different, split every group holding both into the group without the one and the group without the other; drop
any group contained in another. Letters go to groups in the order of their best-placed member.
"""

from __future__ import annotations

from collections.abc import Iterable
from string import ascii_lowercase


def compact_letters(names: list[str], different: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Letters per name; `names` in display order (best first), `different` the pairs found different.

    >>> compact_letters(["A", "B", "C"], [("A", "C")])
    {'A': 'a', 'B': 'ab', 'C': 'b'}
    """
    groups: list[frozenset[str]] = [frozenset(names)] if names else []
    for x, y in different:
        split: list[frozenset[str]] = []
        for g in groups:
            split += [g - {y}, g - {x}] if x in g and y in g else [g]
        groups = _absorb(split)
    position = {n: i for i, n in enumerate(names)}
    groups.sort(key=lambda g: sorted(position[n] for n in g))
    letters = [_letter(i) for i in range(len(groups))]
    return {n: "".join(letter for letter, g in zip(letters, groups, strict=True) if n in g) for n in names}


def _absorb(groups: list[frozenset[str]]) -> list[frozenset[str]]:
    """The groups not contained in another one (one copy of each)."""
    kept: list[frozenset[str]] = []
    for i, g in enumerate(groups):
        inside = any(g < h or (g == h and j < i) for j, h in enumerate(groups) if j != i)
        if g and not inside:
            kept.append(g)
    return kept


def _letter(i: int) -> str:
    """a, b, ..., z, then aa, ab, ... (a board with more than 26 groups is unlikely, but must not crash)."""
    return ascii_lowercase[i] if i < 26 else _letter(i // 26 - 1) + ascii_lowercase[i % 26]
