"""``@ref:<source_ref>`` placeholders (``ledgerbridge_common.events.refs``): ids the engine could
not know yet (the object is being posted by an earlier command). Posting replaces them with the
target ids from its ``ledger_refs``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerbridge_common.events.refs import placeholder_ref


def _walk(value: Any, found: list[str]) -> None:
    if (ref := placeholder_ref(value)) is not None:
        if ref not in found:
            found.append(ref)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, found)


def find_placeholders(data: Any) -> list[str]:
    """The source refs named by placeholders anywhere in ``data``, in order of first appearance."""
    found: list[str] = []
    _walk(data, found)
    return found


def _replace(value: Any, ids: Mapping[str, str]) -> Any:
    if (ref := placeholder_ref(value)) is not None:
        return ids.get(ref, value)
    if isinstance(value, dict):
        return {k: _replace(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(v, ids) for v in value]
    return value


def resolve(data: dict[str, Any], ids: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """``data`` with every resolvable placeholder replaced, and the refs still missing."""
    missing = [ref for ref in find_placeholders(data) if ref not in ids]
    result: dict[str, Any] = _replace(data, ids)
    return result, missing
