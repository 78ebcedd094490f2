"""Plain-text tables and JSON for the ops command (stable columns, easy to grep and to parse)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, Mapping | list):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value).replace("\n", " ")


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, max_width: int = 80) -> str:
    """Left-aligned columns with an upper-case header; numbers right-aligned; long cells cut."""
    texts = [[_clip(cell(row.get(col)), max_width) for col in columns] for row in rows]
    widths = [max([len(col), *(len(line[i]) for line in texts)]) for i, col in enumerate(columns)]
    numeric = [bool(rows) and all(isinstance(row.get(col), int | float) for row in rows) for col in columns]

    def fmt(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    header = fmt([col.upper().replace("_", "-") for col in columns])
    return "\n".join([header, *(fmt(line) for line in texts)])


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=str, sort_keys=False)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
