"""Planning batch calls: chunks of at most ``size`` items, never an item and one it depends on in
the same chunk (batch items are independent: one cannot see what another creates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    key: str
    source_ref: str
    needs: frozenset[str]
    """Source refs this item depends on (``depends_on`` and placeholders)."""


def plan_chunks(candidates: Sequence[Candidate], *, size: int) -> list[list[Candidate]]:
    """Level each candidate (0 = needs nothing in the set, else one more than its deepest
    dependency in the set), then cut each level into chunks. Cycles are left out."""
    by_ref = {c.source_ref: c for c in candidates}
    levels: dict[str, int] = {}

    def level(c: Candidate, seen: frozenset[str]) -> int | None:
        if c.source_ref in levels:
            return levels[c.source_ref]
        if c.source_ref in seen:
            return None
        deps = [by_ref[r] for r in c.needs if r in by_ref and r != c.source_ref]
        depth = 0
        for dep in deps:
            dep_level = level(dep, seen | {c.source_ref})
            if dep_level is None:
                return None
            depth = max(depth, dep_level + 1)
        levels[c.source_ref] = depth
        return depth

    grouped: dict[int, list[Candidate]] = {}
    for c in candidates:
        lvl = level(c, frozenset())
        if lvl is not None:
            grouped.setdefault(lvl, []).append(c)
    chunks: list[list[Candidate]] = []
    for lvl in sorted(grouped):
        items = grouped[lvl]
        chunks.extend(items[i : i + size] for i in range(0, len(items), size))
    return chunks
