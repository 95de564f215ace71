"""The one verdict rule of every report on a matched-accuracy claim ("A forgets less than B").

A claim is compared at matched accuracy levels inside the accuracy range both frontiers share (their overlap); at
each level the gap (retention of A minus retention of B, `razorbench.analysis.difference`) has a 95% interval:
- "not testable": the overlap is narrower than the pre-registered minimum (`MIN_OVERLAP`, docs/TINY-TRACK.md),
  so there is no matched range to judge on;
- "reproduced": the interval lies wholly above 0 at at least half of the levels;
- "reversed": it lies wholly below 0 at at least half of the levels;
- "tie" otherwise: a mean gap whose intervals cover 0 is not a finding, whichever its sign.
"""

from __future__ import annotations

from collections.abc import Sequence

# The pre-registered overlap (docs/TINY-TRACK.md): frontiers sharing less accuracy than this are not compared.
MIN_OVERLAP = 0.2
VERDICTS = ("reproduced", "reversed", "tie", "not testable")


def level_sign(low: float | None, high: float | None) -> int:
    """+1 where a gap's interval lies above 0, −1 where below, 0 where it covers 0 or is missing.

    >>> level_sign(0.01, 0.03), level_sign(-0.03, -0.01), level_sign(-0.01, 0.03), level_sign(None, None)
    (1, -1, 0, 0)
    """
    if low is None or high is None or low != low or high != high:  # None or NaN: no interval, no finding
        return 0
    return 1 if low > 0 else -1 if high < 0 else 0


def verdict(signs: Sequence[int], overlap: float | None, min_overlap: float = MIN_OVERLAP) -> str:
    """The verdict from each level's `level_sign` and the frontiers' shared accuracy range.

    >>> verdict([1, 1, 1, 0, 0], 0.3), verdict([1, 1, 0, 0, 0], 0.3), verdict([-1, -1, -1, 0, 1], 0.3)
    ('reproduced', 'tie', 'reversed')
    >>> verdict([1, 1, 1, 1, 1], 0.05), verdict([1, 1, 1, 1, 1], 0.05, min_overlap=0.01)
    ('not testable', 'reproduced')
    """
    if overlap is None or overlap < min_overlap or not signs:
        return "not testable"
    half = len(signs) / 2
    pro, con = sum(s > 0 for s in signs), sum(s < 0 for s in signs)
    if pro >= half and pro > con:
        return "reproduced"
    if con >= half and con > pro:
        return "reversed"
    return "tie"


def describe(signs: Sequence[int]) -> str:
    """How many levels carry the verdict, for a report line.

    >>> describe([1, 1, 0, -1, 0])
    '2 of 5 levels significant in favour, 1 against'
    """
    pro, con = sum(s > 0 for s in signs), sum(s < 0 for s in signs)
    return f"{pro} of {len(signs)} levels significant in favour, {con} against"
