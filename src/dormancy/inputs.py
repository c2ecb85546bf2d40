"""One input layer for the package's YAML files: bounded, safe, and every failure an :class:`InputError`.

Scenario, niche scenario and trial files are read with :func:`load_yaml_file` (or :func:`parse_yaml` for text).
Whatever is wrong with a file (missing, a folder, not UTF-8, too big, broken YAML, nested too deep, an alias
bomb, a value its tag cannot hold such as ``!!float abc`` or ``2024-02-30``) becomes one :class:`InputError`
naming the file and the field (``save.t_end_days``) or the line, never another exception. Sizes are bounded
before anything is expanded, so a small hostile file cannot take memory or time, and messages never render
expanded values.

Rules
-----
- At most :data:`MAX_BYTES` bytes per file, :data:`MAX_DEPTH` levels of nesting and :data:`MAX_NODES` values
  after aliases are expanded.
- Dates and times are kept as the text written (``2024-01-01`` is the string ``"2024-01-01"``); the schema
  decides whether text is allowed there.
- Only the YAML 1.1 core tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq``, ``!!map``,
  ``!!timestamp``); anything else (``!!python/object``) is refused.
- Keys are strings, numbers, booleans or null; duplicate keys are refused.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dormancy.errors import InputError, Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "check_finite", "load_yaml_file", "parse_yaml", "read_text"]

#: Largest input file accepted, bytes (the biggest shipped file is a few kilobytes).
MAX_BYTES = 1_000_000
#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 50
#: Most values (mapping entries, sequence items, scalars) after aliases are expanded.
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "str": "text",
    "binary": "base64 data",
}


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer stops at :data:`MAX_DEPTH` levels instead of recursing without bound."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


class _Builder:
    """Turn a composed node tree into plain Python data, with field paths in every message."""

    def __init__(self, loader: _Loader, source: str | None) -> None:
        self.loader = loader
        self.source = source
        self.count = 0

    def fail(self, path: str, expected: str, found: str) -> InputError:
        shown = path if len(path) <= 100 else f"{path[:50]}...{path[-40:]}"
        return InputError([Problem(shown or "(file)", expected, found)], self.source)

    def build(self, node: Node, path: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(path, f"at most {MAX_NODES:,} values in all (aliases expanded)", "more (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise self.fail(path, f"at most {MAX_DEPTH} levels of nesting", f"more, at {_where(node.start_mark)}")
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.fail(path, "a plain YAML list (no tags)", repr(node.tag))
            return [self.build(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: str, depth: int) -> dict[Any, Any]:
        if node.tag != _TAG + "map":
            raise self.fail(path, "a plain YAML mapping (no tags)", repr(node.tag))
        try:
            self.loader.flatten_mapping(node)  # merge keys (<<: *base)
        except yaml.YAMLError as error:
            raise self.fail(path, "a mapping to merge", f"{_where(node.start_mark)}: {error}") from None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(
                    path, "keys that are text or numbers", f"a complex key at {_where(key_node.start_mark)}"
                )
            key = self.scalar(key_node, path)
            field = f"{path}.{key}" if path else str(key)
            if key in result:
                raise self.fail(field, "each key once", f"a duplicate at {_where(key_node.start_mark)}")
            result[key] = self.build(value_node, field, depth + 1)
        return result

    def scalar(self, node: ScalarNode, path: str) -> Any:
        tag = node.tag.removeprefix(_TAG)
        if tag == "timestamp":
            return node.value  # kept as written; the schema says whether text is allowed
        if tag not in _EXPECTED:
            raise self.fail(path, "a plain YAML value (no custom tags)", repr(node.tag))
        if len(node.value) > MAX_BYTES // 10:
            raise self.fail(path, f"a value of at most {MAX_BYTES // 10:,} characters", f"{len(node.value):,}")
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # ValueError, TypeError, binascii.Error...: the tag cannot hold the text
            raise self.fail(path, _EXPECTED[tag], _short(node.value)) from None


def parse_yaml(text: str, *, source: str | None = None) -> Any:
    """Parse YAML text into plain data within the bounds of this module.

    Parameters
    ----------
    text : str
        The YAML text (one document).
    source : str, optional
        Where it came from, prefixed to messages.

    Returns
    -------
    object
        Dicts, lists, str, int, float, bool and None; None for an empty document.

    Raises
    ------
    InputError
        For anything that is not a bounded, well-formed YAML document of plain values.
    """
    if len(text) > MAX_BYTES:
        raise InputError([Problem("(file)", f"at most {MAX_BYTES:,} characters", f"{len(text):,}")], source)
    try:
        loader = _Loader(text)  # the reader refuses control characters at once
    except yaml.YAMLError as error:
        found = getattr(error, "reason", None) or str(error).splitlines()[0]
        raise InputError([Problem("(file)", "valid YAML (printable characters)", found)], source) from None
    try:
        try:
            node = loader.get_single_node()
        except _TooDeep as error:
            found = f"more, at {_where(error.mark)}"
            raise InputError([Problem("(file)", f"at most {MAX_DEPTH} levels of nesting", found)], source) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            where = f"{_where(mark)}: " if mark is not None else ""
            raise InputError([Problem("(file)", "valid YAML", f"{where}{problem}")], source) from None
        except (RecursionError, MemoryError, ValueError, TypeError) as error:
            raise InputError([Problem("(file)", "valid YAML", type(error).__name__)], source) from None
        if node is None:
            return None
        return _Builder(loader, source).build(node, "", 0)
    finally:
        loader.dispose()


def read_text(path: str | os.PathLike[str], *, what: str) -> str:
    """Read a UTF-8 input file of at most :data:`MAX_BYTES` bytes.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        What the file should be, for messages ("scenario file").

    Raises
    ------
    InputError
        When the file is missing, a folder, unreadable, too big or not UTF-8.
    """
    path = Path(path)
    source = str(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem("(file)", f"an existing {what}", "no such file")], source) from None
    except IsADirectoryError:
        raise InputError([Problem("(file)", f"a {what}", "a directory")], source) from None
    except OSError as error:
        raise InputError([Problem("(file)", f"a readable {what}", error.strerror or str(error))], source) from None
    if len(data) > MAX_BYTES:
        raise InputError([Problem("(file)", f"a {what} of at most {MAX_BYTES:,} bytes", "a bigger file")], source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        found = f"byte {error.start}: not UTF-8"
        raise InputError([Problem("(file)", "a UTF-8 text file", found)], source) from None


def load_yaml_file(path: str | os.PathLike[str], *, what: str) -> Any:
    """Read and parse a YAML input file (:func:`read_text`, then :func:`parse_yaml`)."""
    return parse_yaml(read_text(path, what=what), source=str(path))


def check_finite(data: Any, path: str = "") -> list[Problem]:
    """Return a problem for every infinite or NaN number in plain data (a YAML file's ``.inf``, ``.nan``).

    Parameters
    ----------
    data : object
        Dicts, lists and scalars.
    path : str
        Field path of ``data``.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{where}.{key}" if where else str(key)) for key, item in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(where or "(file)", "a finite number", repr(value)))
    return sorted(problems, key=lambda problem: problem.field)
