"""`CommandParser`: argparse, except that a command's `key=value` overrides may stand anywhere on its command line.

argparse takes a positional list (`overrides`, nargs="*") as one block: in `run --task science x=1 --seed 0 y=2` it
takes `x=1`, then refuses `y=2` ("unrecognized arguments"); and an option taking several values (`eval --model A B`)
swallows the overrides written after it. Here a token with `=` that is neither an option (`--flag=value`) nor the
value of an option taking exactly its values (`--grid lr=1,2`, `--set launcher.key=value`) is an override wherever it
stands; it also ends the values of an option taking several (`--model A B eval.prior_limit=20` is two models and one
override). The overrides are taken out before argparse parses the rest and handed to the command in their order.

Subparsers made from a `CommandParser` are `CommandParser`s too (argparse makes them with the parent's class).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

OVERRIDES = "overrides"  # the dest of a command's override list (a positional with nargs="*")
_SEVERAL = ("*", "+", "?")  # nargs that take a variable number of values


class CommandParser(argparse.ArgumentParser):
    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if args is None or not any(a.dest == OVERRIDES and not a.option_strings for a in self._actions):
            return super().parse_known_args(args, namespace)
        rest, overrides = self.split_overrides(list(args))
        namespace, extras = super().parse_known_args(rest, namespace)
        # Overrides after a literal "--" stay where argparse puts them: at the end, after the others.
        setattr(namespace, OVERRIDES, overrides + list(getattr(namespace, OVERRIDES) or []))
        return namespace, extras

    def split_overrides(self, args: list[str]) -> tuple[list[str], list[str]]:
        """(the command line without its overrides, the overrides in order)."""
        rest: list[str] = []
        overrides: list[str] = []
        i = 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "--":  # everything after is positional, as argparse reads it
                rest += args[i - 1 :]
                break
            if _is_override(token):
                overrides.append(token)
                continue
            rest.append(token)
            action = self._option(token)
            if action is None:
                continue
            if action.nargs in _SEVERAL:
                # Values up to the next option or override.
                while i < len(args) and not args[i].startswith("-") and not _is_override(args[i]):
                    rest.append(args[i])
                    i += 1
            else:
                wanted = 1 if action.nargs is None else action.nargs if isinstance(action.nargs, int) else 0
                rest += args[i : i + wanted]  # its values, whatever they look like (`--grid lr=1,2`)
                i += wanted
        return rest, overrides

    def _option(self, token: str) -> argparse.Action | None:
        """The option `token` names and whose values follow it as separate tokens; None for anything else (a
        positional, `--option=value`, an unknown option). Unique prefixes count, as argparse allows them."""
        if not token.startswith("-") or "=" in token:
            return None
        actions: dict[str, Any] = self._option_string_actions
        if token in actions:
            return actions[token]
        if token.startswith("--") and self.allow_abbrev:
            matches = {actions[s] for s in actions if s.startswith(token)}
            if len(matches) == 1:
                return matches.pop()
        return None


def _is_override(token: str) -> bool:
    return "=" in token and not token.startswith("-")
