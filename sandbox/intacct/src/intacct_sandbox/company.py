"""One Intacct company held in memory: its books, users, entities, limits and faults.

Every function runs as a synchronous critical section on the event loop (no ``await`` between a read
and the write that depends on it), so the store stays consistent under concurrent requests.
``Books`` is everything a ``transaction="true"`` operation rolls back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from intacct_sandbox.clock import stamp

Record = dict[str, Any]


@dataclass
class Limits:
    enabled: bool = True
    concurrent: int = 2
    latency_ms: float = 0.0
    per_window: int | None = None
    """Sandbox extension (not an Intacct limit): at most this many requests per ``window_seconds``,
    so tests can prove a client paces itself under a declared rate."""
    window_seconds: float = 60.0


@dataclass
class Faults:
    throttle_next: int = 0
    error_5xx_next: int = 0
    error_5xx_status: int = 500
    timeout_after_commit_next: int = 0
    timeout_mode: str = "sleep"  # sleep | drop
    timeout_seconds: float = 5.0
    fail_next_functions: int = 0
    fail_errorno: str = "DL02000001"
    fail_description2: str = "There was an error processing the request."


@dataclass
class Books:
    """Records by object and RECORDNO, the record-number counter and the recorded function control ids.

    A stored record is never changed in place: a write stores a new dict (``Company.save``), so a
    snapshot only copies the tables' dicts, not the records.
    """

    objects: dict[str, dict[int, Record]] = field(default_factory=dict)
    next_recordno: int = 1
    controlids: set[str] = field(default_factory=set)

    def snapshot(self) -> Books:
        return Books(
            {name: dict(table) for name, table in self.objects.items()}, self.next_recordno, set(self.controlids)
        )


@dataclass
class Session:
    session_id: str
    company_id: str
    user_id: str
    entity: str
    expires: dt.datetime


@dataclass
class Company:
    company_id: str
    name: str
    timezone: str = "America/Los_Angeles"
    base_currency: str = "USD"
    users: dict[str, str] = field(default_factory=dict)
    senders: set[str] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)
    journals: dict[str, str] = field(default_factory=dict)
    closed_through: dt.date | None = None
    session_seconds: int = 7200
    books: Books = field(default_factory=Books)
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    counters: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    admitted: deque[float] = field(default_factory=deque)

    @property
    def multi_entity(self) -> bool:
        return bool(self.entities)

    # --- records -------------------------------------------------------------------------------

    def table(self, name: str) -> dict[int, Record]:
        return self.books.objects.setdefault(name, {})

    def get(self, name: str, recordno: int) -> Record | None:
        return self.table(name).get(recordno)

    def find(self, name: str, id_field: str, value: str) -> Record | None:
        wanted = value.strip()
        for record in self.table(name).values():
            if str(record.get(id_field, "")) == wanted:
                return record
        return None

    def insert(self, name: str, record: Record, now: dt.datetime, user: str) -> Record:
        recordno = self.books.next_recordno
        self.books.next_recordno += 1
        record["RECORDNO"] = str(recordno)
        record.setdefault("AUWHENCREATED", stamp(now, self.timezone))
        record["WHENMODIFIED"] = stamp(now, self.timezone)
        record["CREATEDBY"] = user
        record["MODIFIEDBY"] = user
        self.table(name)[recordno] = record
        self.audit(name, recordno, "C", now, user)
        return record

    def save(self, name: str, record: Record, now: dt.datetime, user: str) -> Record:
        """Store a changed record (a new dict carrying the old RECORDNO) and stamp it."""
        record["WHENMODIFIED"] = stamp(now, self.timezone)
        record["MODIFIEDBY"] = user
        self.table(name)[int(record["RECORDNO"])] = record
        self.audit(name, int(record["RECORDNO"]), "M", now, user)
        return record

    def remove(self, name: str, recordno: int, now: dt.datetime, user: str) -> None:
        self.table(name).pop(recordno, None)
        self.audit(name, recordno, "D", now, user)

    def audit(self, name: str, recordno: int, mode: str, now: dt.datetime, user: str) -> None:
        """An ``AUDITHISTORY`` row (ACCESSMODE C/M/D, OBJECTTYPE lower-case, OBJECTKEY = RECORDNO)."""
        row_no = self.books.next_recordno
        self.books.next_recordno += 1
        self.table("AUDITHISTORY")[row_no] = {
            "RECORDNO": str(row_no),
            "OBJECTTYPE": name.lower(),
            "OBJECTKEY": str(recordno),
            "ACCESSMODE": mode,
            "ACCESSTIME": stamp(now, self.timezone),
            "USERID": user,
            "SOURCE": "api",
            "WHENMODIFIED": stamp(now, self.timezone),
            "MEGAENTITYID": "",
        }

    # --- entities ------------------------------------------------------------------------------

    def entity_of_location(self, location_id: str) -> str | None:
        """The entity a location belongs to (walking PARENTID up to an entity), or None."""
        seen: set[str] = set()
        current = location_id
        while current and current not in seen:
            if current in self.entities:
                return current
            seen.add(current)
            location = self.find("LOCATION", "LOCATIONID", current)
            if location is None:
                return None
            current = str(location.get("PARENTID", ""))
        return None

    def visible(self, record: Record, entity: str, show_private: bool) -> bool:
        owner = str(record.get("MEGAENTITYID", ""))
        if not owner:
            return True
        if entity:
            return owner == entity
        return show_private


@dataclass
class Ctx:
    """Who is calling: the company, the session's entity ("" = top level), the user and the time."""

    company: Company
    entity: str
    user: str
    now: dt.datetime
