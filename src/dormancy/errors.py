"""Errors raised for bad input, each carrying one message per problem.

The command line turns an :class:`InputError` into one line per problem and exit code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


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


def _found(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def problems_from_validation(
    items: Iterable[Mapping[str, Any]],
    *,
    documentation: str,
    location_of: Callable[[Sequence[object]], Sequence[object]] = tuple,
) -> list[Problem]:
    """Turn pydantic validation errors into one :class:`Problem` per bad field.

    Parameters
    ----------
    items : iterable of mapping
        ``ValidationError.errors(include_url=False)``.
    documentation : str
        Where the allowed fields are documented, for unknown keys ("the scenario documentation").
    location_of : callable, optional
        Maps an error's ``loc`` to the path the user wrote (e.g. dropping a discriminated union's tag).

    Notes
    -----
    A validator that raises :class:`InputError` (directly or wrapped in a ``ValueError``) keeps its own problems,
    prefixed by the field's path.
    """
    problems: list[Problem] = []
    for item in items:
        location = ".".join(str(part) for part in location_of(item["loc"]))
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], InputError):
            cause = cause.args[0]
        if isinstance(cause, InputError):
            problems.extend(
                Problem(f"{location}.{p.field}" if location else p.field, p.expected, p.found) for p in cause.problems
            )
        elif item["type"] == "missing":
            problems.append(Problem(location, "a value (this field is required)", "nothing"))
        elif item["type"] == "extra_forbidden":
            problems.append(Problem(location, f"no such field (see {documentation})", "an unknown key"))
        else:
            expected = item["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
            problems.append(Problem(location or "(top level)", expected, _found(item.get("input"))))
    return problems
