"""XML in and out of the gateway.

Requests are parsed with ``defusedxml`` (no entity expansion, no external references, no network).
Answers are built with the standard library's ``ElementTree`` from plain values: a ``dict`` becomes
child elements, a ``list`` repeats its element, anything else becomes the element's text.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import fromstring

Record = dict[str, Any]


class XmlError(ValueError):
    """The body is not well-formed XML, or it asks for entity expansion or external content."""


def parse(raw: bytes) -> Element:
    try:
        root: Element = fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException subclasses
        raise XmlError(str(exc)) from exc
    return root


def child_text(element: Element | None, tag: str, default: str = "") -> str:
    if element is None:
        return default
    found = element.find(tag)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def to_value(element: Element) -> Any:
    """An element as a record: children become keys (repeated tags a list), a leaf its text."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    record: Record = {}
    for child in children:
        value = to_value(child)
        if child.tag in record:
            existing = record[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                record[child.tag] = [existing, value]
        else:
            record[child.tag] = value
    return record


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def add(parent: Element, tag: str, value: Any = None, attrs: dict[str, str] | None = None) -> Element:
    """Append ``tag`` under ``parent`` holding ``value`` (see the module docstring)."""
    if isinstance(value, list):
        last = parent
        for item in value:
            last = add(parent, tag, item)
        return last
    element = SubElement(parent, tag, attrs or {})
    if isinstance(value, dict):
        for key, sub in value.items():
            add(element, key, sub)
    elif value is not None:
        element.text = str(value)
    return element


def new(tag: str) -> Element:
    return Element(tag)


def serialize(root: Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)
