"""What a tiny-track checker strips around an answer: ASCII blanks (space, tab, newline, carriage return) only.

`str.strip()` without an argument also strips the ASCII information separators (\\x1c-\\x1f), NEL (\\x85) and the
Unicode line and paragraph separators, so an answer with one of these invisible characters beside it would pass.
The embedded model's 100-character vocabulary holds none of them, so this changes no score that model can get
(no task version changes); it matters for a policy with a larger vocabulary.

>>> strip_blanks(" 68\\n"), strip_blanks("68\\x1c")
('68', '68\\x1c')
"""

BLANKS = " \t\n\r"


def strip_blanks(text: str) -> str:
    return text.strip(BLANKS)
