"""What every ``tools/make_*_parameters.py`` script shares: the set folder, the record mapping and the YAML writer.

A script keeps its own short ``rec`` (the positional order its tables are written in) and calls :func:`record`;
the sets it writes are unchanged by where these lines live (the scripts are run from any folder as
``python tools/make_x.py``, so this folder is on ``sys.path``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: The registry's parameter-set folder.
SETS = Path(__file__).resolve().parents[1] / "src" / "dormancy" / "params" / "data" / "sets"
#: The source key and evidence grade of a documented assumption.
ASSUMED = "assumption"


def record(
    symbol: str,
    label: str,
    description: str,
    value: Any,
    unit: str,
    low: Any,
    high: Any,
    *,
    source: Any,
    evidence: str = ASSUMED,
    note: str,
    dist: str = "loguniform",
) -> dict[str, Any]:
    """Return one parameter record as the mapping a set file holds (values as given: no conversion)."""
    return dict(
        symbol=symbol,
        label=label,
        description=description,
        value=value,
        unit=unit,
        prior=dict(distribution=dist, low=low, high=high),
        source=source,
        evidence=evidence,
        note=note,
    )


def cited_record(
    symbol: str,
    label: str,
    description: str,
    value: float,
    unit: str,
    low: float,
    high: float,
    *,
    source: Any,
    evidence: str,
    note: str,
    dist: str = "loguniform",
) -> dict[str, Any]:
    """Return a record with float values, the ``assumption`` key cited by every assumption, the note on one line."""
    source = list(source)
    if evidence == ASSUMED and ASSUMED not in source:
        source.append(ASSUMED)
    return record(
        symbol,
        label,
        description,
        float(value),
        unit,
        float(low),
        float(high),
        source=source,
        evidence=evidence,
        note=" ".join(note.split()),
        dist=dist,
    )


def write_set(path: Path, header: str, document: Any, *, width: int = 120) -> None:
    """Write ``header`` and the set ``document`` as YAML (keys in order, Unicode kept) to ``path``."""
    path.write_text(
        header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=width), encoding="utf-8"
    )
