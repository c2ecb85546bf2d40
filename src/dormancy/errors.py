"""Errors raised for bad input, each carrying one message per problem.

The command line turns an :class:`InputError` into one line per problem and exit code 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem with user input.

    Parameters
    ----------
    field : str
        Dotted path of the offending field (``model.parameters.g11``), or the file name when the whole input is bad.
    expected : str
        What is allowed there.
    found : str
        What was found.
    """

    field: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}; found {self.found}"


class InputError(ValueError):
    """Bad user input (scenario file, CLI option, parameter override), with every problem found.

    Parameters
    ----------
    problems : list of Problem
        All problems found; at least one.
    source : str, optional
        Where the input came from (a file path), prefixed to the message.
    """

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """Return the problems as lines, one per problem, prefixed with the source when known."""
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{problem}" for problem in self.problems)
