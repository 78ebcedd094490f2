"""Build Intacct request XML and read answers: ``ElementTree`` to build, ``defusedxml`` to parse
(no entity expansion, no external references)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import fromstring

Record = dict[str, Any]


class BadXmlError(ValueError):
    """The answer is not XML the connector can read."""


def element(tag: str, value: Any = None, attrs: dict[str, str] | None = None) -> Element:
    """``tag`` holding ``value``: a dict becomes children (a list value repeats its child), a
    :class:`Element` is appended, ``None`` leaves it empty, anything else becomes text."""
    node = Element(tag, attrs or {})
    _fill(node, value)
    return node


def _fill(node: Element, value: Any) -> None:
    if isinstance(value, Element):
        node.append(value)
    elif isinstance(value, dict):
        for key, sub in value.items():
            if sub is None:
                continue
            for item in sub if isinstance(sub, list) else [sub]:
                _fill(SubElement(node, key), item)
    elif value is not None:
        node.text = str(value)


def to_bytes(root: Element) -> bytes:
    body: bytes = tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>' + body


def parse(raw: bytes) -> Element:
    try:
        root: Element = fromstring(raw, forbid_dtd=True)
    except Exception as exc:  # ParseError or a defusedxml refusal
        raise BadXmlError(str(exc)) from exc
    return root


def to_record(node: Element) -> Any:
    """An answer element as plain values: children by tag (repeated tags a list), leaves as text."""
    children = list(node)
    if not children:
        return (node.text or "").strip()
    record: Record = {}
    for child in children:
        value = to_record(child)
        if child.tag in record:
            existing = record[child.tag]
            record[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            record[child.tag] = value
    return record


def items(record: Record, container: str, item: str) -> list[Record]:
    """The repeated ``item`` records under ``container`` (lines, payment details)."""
    holder = record.get(container)
    if not isinstance(holder, dict):
        return []
    found = holder.get(item, [])
    return [r for r in (found if isinstance(found, list) else [found]) if isinstance(r, dict)]


def text(record: Record, path: str) -> str:
    value: Any = record
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value.strip() if isinstance(value, str) else ""
