"""What the paper track's checkers refuse before they read an answer.

A response with hidden characters (control and format characters: a backspace, a terminal escape, a
right-to-left override, a zero-width space; unassigned code points) can show one answer and say another, so
no careful grader would take its answer, whatever it appears to be. Tab, newline, carriage return and the
Unicode spaces are not hidden.
"""

from __future__ import annotations

_VISIBLE = str.maketrans(
    dict.fromkeys(
        "\t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        " ",
    )
)


def hidden_characters(text: str) -> bool:
    """True if `text` holds a character that does not show as itself (see the module docstring).

    >>> hidden_characters("Answer:\\tB\\n"), hidden_characters("ответ: B"), hidden_characters("x\\u00a0= 2")
    (False, False, False)
    >>> hidden_characters("Answer: B\\x08A"), hidden_characters("\\x1b[2KAnswer: A"), hidden_characters("A\\u200b")
    (True, True, True)
    """
    return not text.translate(_VISIBLE).isprintable()
