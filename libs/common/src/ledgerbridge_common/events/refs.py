"""Source refs and the placeholders that name them: the contract between the engine (which
writes them into commands), posting (which resolves them) and prefs-api (which replays them).

A source ref is ``<side>:<object_type>:<id>`` (``billcom:bill:00n01``); a placeholder is
``@ref:<source ref>``, standing in a command's ``desired`` object for the target id of an object
an earlier command is still posting."""

from __future__ import annotations

from typing import NamedTuple

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import Side

PLACEHOLDER_PREFIX = "@ref:"

NAME_LISTS = frozenset(
    {
        ObjectType.VENDOR,
        ObjectType.CUSTOMER,
        ObjectType.ACCOUNT,
        ObjectType.CLASS,
        ObjectType.DEPARTMENT,
        ObjectType.LOCATION,
        ObjectType.PROJECT,
        ObjectType.ITEM,
    }
)
"""The object types that are lists of named records: matched by name on first sync, and looked up
by name before a create (both vendors refuse a duplicate name)."""


class SourceRef(NamedTuple):
    side: Side
    object_type: ObjectType
    object_id: str

    def __str__(self) -> str:
        return f"{self.side.value}:{self.object_type.value}:{self.object_id}"


def make_ref(side: Side | str, object_type: ObjectType | str, object_id: str) -> str:
    return str(SourceRef(Side(side), ObjectType(object_type), object_id))


def parse_ref(ref: str) -> SourceRef:
    """The parts of ``ref``; ValueError when it is not ``<side>:<object_type>:<id>``."""
    side, object_type, object_id = [*ref.split(":", 2), "", ""][:3]
    if not object_id:
        raise ValueError(f"{ref!r} is not a <side>:<object_type>:<id> ref")
    return SourceRef(Side(side), ObjectType(object_type), object_id)


def try_parse_ref(ref: str) -> SourceRef | None:
    try:
        return parse_ref(ref)
    except ValueError:
        return None


def placeholder(source_ref: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{source_ref}"


def placeholder_ref(value: object) -> str | None:
    """The source ref ``value`` stands for, when it is a placeholder."""
    if isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX):
        return value.removeprefix(PLACEHOLDER_PREFIX)
    return None
