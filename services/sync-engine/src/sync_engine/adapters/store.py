"""The engine's state: links, emitted commands and parked changes. ``EngineStore`` is the port;
``SqlEngineStore`` works inside the consumer's transaction, ``InMemoryEngineStore`` is the fake."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import Side, utcnow
from sync_engine.adapters import orm
from sync_engine.domain.model import Link


@dataclass(frozen=True)
class CommandRecord:
    command_id: str
    connection_id: str
    object_type: str
    action: str
    source_ref: str
    target_side: Side
    link_object_type: ObjectType
    source_fingerprint: str | None
    source_view: dict[str, Any] | None
    status: str


class EngineStore(Protocol):
    async def lock(self, connection_id: str) -> None: ...
    async def get_link(
        self, connection_id: str, object_type: ObjectType, side: Side, object_id: str
    ) -> Link | None: ...
    async def put_link(self, connection_id: str, link: Link) -> None: ...
    async def drop_link(self, connection_id: str, link: Link) -> None: ...
    async def add_command(self, record: CommandRecord) -> bool: ...
    async def get_command(self, command_id: str) -> CommandRecord | None: ...
    async def set_command_status(self, command_id: str, status: str) -> None: ...
    async def finish_command(self, command_id: str, status: str) -> CommandRecord | None:
        """Set the command's status and return it (None, and nothing set, when unknown)."""
        ...

    async def has_pending(self, connection_id: str, object_type: ObjectType) -> bool: ...
    async def park(
        self, connection_id: str, source_ref: str, waiting_for: str, reason: str, change: dict[str, Any]
    ) -> None: ...
    async def unpark(self, connection_id: str, waiting_for: list[str]) -> list[dict[str, Any]]: ...
    async def unpark_prefix(self, connection_id: str, prefix: str) -> list[dict[str, Any]]: ...
    async def unpark_prefix_if_idle(
        self, connection_id: str, prefix: str, object_type: ObjectType
    ) -> list[dict[str, Any]]:
        """``unpark_prefix`` when ``has_pending(connection_id, object_type)`` is false, else nothing."""
        ...

    async def clear_parked(self, connection_id: str, source_ref: str) -> None: ...


def _link_by(column: Any) -> Any:
    t = orm.links
    return select(t).where(
        t.c.connection_id == bindparam("c"), t.c.object_type == bindparam("t"), column == bindparam("i")
    )


_LINK_BY = {Side.BILLCOM: _link_by(orm.links.c.billcom_id), Side.LEDGER: _link_by(orm.links.c.ledger_id)}
"""Built once: the hottest statement of the engine (its SQL is compiled and cached once)."""


def _command(row: Any) -> CommandRecord | None:
    if row is None:
        return None
    return CommandRecord(
        command_id=row.command_id,
        connection_id=row.connection_id,
        object_type=row.object_type,
        action=row.action,
        source_ref=row.source_ref,
        target_side=Side(row.target_side),
        link_object_type=ObjectType(row.link_object_type),
        source_fingerprint=row.source_fingerprint,
        source_view=row.source_view,
        status=row.status,
    )


def _link(row: Any) -> Link:
    return Link(
        object_type=ObjectType(row.object_type),
        billcom_id=row.billcom_id,
        ledger_id=row.ledger_id,
        billcom_fingerprint=row.billcom_fingerprint,
        ledger_fingerprint=row.ledger_fingerprint,
        billcom_view=row.billcom_view,
        ledger_view=row.ledger_view,
        last_command_id=row.last_command_id,
        pending_command_id=row.pending_command_id,
        billcom_written_at=row.billcom_written_at,
        ledger_written_at=row.ledger_written_at,
        stored_at=row.updated_at,
    )


class SqlEngineStore:
    """One per handled record, inside the runner's transaction: the link rows it read are kept
    until it writes a link, so ``put_link`` after ``get_link`` does not read the row again."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[tuple[str, str, Side, str], Any] = {}

    async def lock(self, connection_id: str) -> None:
        """Serialise the work of one connection across consumers and instances (transaction lock;
        taken once per transaction: records grouped in one transaction share it)."""
        transaction = self.session.sync_session.get_transaction()
        owner, held = self.session.info.get("advisory_locks", (None, set()))
        if owner is not transaction or transaction is None:
            held = set()
        if connection_id in held:
            return
        await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": connection_id})
        held.add(connection_id)
        self.session.info["advisory_locks"] = (self.session.sync_session.get_transaction(), held)

    async def _row(self, connection_id: str, object_type: ObjectType, side: Side, object_id: str) -> Any:
        key = (connection_id, object_type.value, side, object_id)
        if key not in self._rows:
            params = {"c": connection_id, "t": object_type.value, "i": object_id}
            self._rows[key] = (await self.session.execute(_LINK_BY[side], params)).first()
        return self._rows[key]

    async def get_link(self, connection_id: str, object_type: ObjectType, side: Side, object_id: str) -> Link | None:
        row = await self._row(connection_id, object_type, side, object_id)
        return _link(row) if row is not None else None

    async def put_link(self, connection_id: str, link: Link) -> None:
        row = None
        if link.billcom_id:
            row = await self._row(connection_id, link.object_type, Side.BILLCOM, link.billcom_id)
        if row is None and link.ledger_id:
            row = await self._row(connection_id, link.object_type, Side.LEDGER, link.ledger_id)
        values = {k: v for k, v in link.__dict__.items() if k not in ("object_type", "stored_at")}
        values["updated_at"] = func.now()
        t = orm.links
        self._rows.clear()
        if row is None:
            await self.session.execute(
                t.insert().values(connection_id=connection_id, object_type=link.object_type.value, **values)
            )
            return
        if link.ledger_id and row.ledger_id != link.ledger_id:
            # the ledger id now belongs to this link: release it from any other row first
            await self.session.execute(
                delete(t).where(
                    t.c.connection_id == connection_id,
                    t.c.object_type == link.object_type.value,
                    t.c.ledger_id == link.ledger_id,
                    t.c.id != row.id,
                )
            )
        await self.session.execute(update(t).where(t.c.id == row.id).values(**values))

    async def drop_link(self, connection_id: str, link: Link) -> None:
        t = orm.links
        self._rows.clear()
        for side, value in ((Side.BILLCOM, link.billcom_id), (Side.LEDGER, link.ledger_id)):
            if value:
                column = t.c.billcom_id if side is Side.BILLCOM else t.c.ledger_id
                await self.session.execute(
                    delete(t).where(
                        t.c.connection_id == connection_id,
                        t.c.object_type == link.object_type.value,
                        column == value,
                    )
                )

    async def add_command(self, record: CommandRecord) -> bool:
        values = {**record.__dict__, "target_side": record.target_side.value}
        values["link_object_type"] = record.link_object_type.value
        stmt = insert(orm.commands).values(**values).on_conflict_do_nothing().returning(orm.commands.c.command_id)
        return (await self.session.execute(stmt)).first() is not None

    async def get_command(self, command_id: str) -> CommandRecord | None:
        row = (await self.session.execute(select(orm.commands).where(orm.commands.c.command_id == command_id))).first()
        return _command(row)

    async def finish_command(self, command_id: str, status: str) -> CommandRecord | None:
        c = orm.commands
        stmt = update(c).where(c.c.command_id == command_id).values(status=status, updated_at=func.now())
        return _command((await self.session.execute(stmt.returning(*c.c))).first())

    async def set_command_status(self, command_id: str, status: str) -> None:
        c = orm.commands
        await self.session.execute(
            update(c).where(c.c.command_id == command_id).values(status=status, updated_at=func.now())
        )

    async def has_pending(self, connection_id: str, object_type: ObjectType) -> bool:
        c = orm.commands
        stmt = select(c.c.command_id).where(
            c.c.connection_id == connection_id,
            c.c.link_object_type == object_type.value,
            c.c.status == "pending",
            c.c.target_side == Side.LEDGER.value,
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def park(
        self, connection_id: str, source_ref: str, waiting_for: str, reason: str, change: dict[str, Any]
    ) -> None:
        p = orm.parked
        values = {"waiting_for": waiting_for, "reason": reason, "change": change, "parked_at": func.now()}
        stmt = insert(p).values(connection_id=connection_id, source_ref=source_ref, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[p.c.connection_id, p.c.source_ref], set_=values)
        )

    async def unpark(self, connection_id: str, waiting_for: list[str]) -> list[dict[str, Any]]:
        p = orm.parked
        stmt = (
            delete(p)
            .where(p.c.connection_id == connection_id, p.c.waiting_for.in_(waiting_for))
            .returning(p.c.change, p.c.parked_at)
        )
        rows = (await self.session.execute(stmt)).all()
        return [row.change for row in sorted(rows, key=lambda r: r.parked_at)]

    async def unpark_prefix(self, connection_id: str, prefix: str) -> list[dict[str, Any]]:
        p = orm.parked
        stmt = (
            delete(p)
            .where(p.c.connection_id == connection_id, p.c.waiting_for.startswith(prefix, autoescape=True))
            .returning(p.c.change, p.c.parked_at)
        )
        rows = (await self.session.execute(stmt)).all()
        return [row.change for row in sorted(rows, key=lambda r: r.parked_at)]

    async def unpark_prefix_if_idle(
        self, connection_id: str, prefix: str, object_type: ObjectType
    ) -> list[dict[str, Any]]:
        p, c = orm.parked, orm.commands
        pending = select(c.c.command_id).where(
            c.c.connection_id == connection_id,
            c.c.link_object_type == object_type.value,
            c.c.status == "pending",
            c.c.target_side == Side.LEDGER.value,
        )
        stmt = (
            delete(p)
            .where(
                p.c.connection_id == connection_id,
                p.c.waiting_for.startswith(prefix, autoescape=True),
                ~pending.exists(),
            )
            .returning(p.c.change, p.c.parked_at)
        )
        rows = (await self.session.execute(stmt)).all()
        return [row.change for row in sorted(rows, key=lambda r: r.parked_at)]

    async def clear_parked(self, connection_id: str, source_ref: str) -> None:
        p = orm.parked
        await self.session.execute(delete(p).where(p.c.connection_id == connection_id, p.c.source_ref == source_ref))


class InMemoryEngineStore:
    """Fake for unit tests (same behaviour, no database)."""

    def __init__(self) -> None:
        self.links: dict[str, list[Link]] = {}
        self.commands: dict[str, CommandRecord] = {}
        self.parked: dict[tuple[str, str], tuple[str, str, dict[str, Any], dt.datetime]] = {}

    async def lock(self, connection_id: str) -> None:
        return None

    def _find(self, connection_id: str, object_type: ObjectType, side: Side, object_id: str) -> int | None:
        for index, link in enumerate(self.links.get(connection_id, [])):
            if link.object_type is object_type and link.id_on(side) == object_id:
                return index
        return None

    async def get_link(self, connection_id: str, object_type: ObjectType, side: Side, object_id: str) -> Link | None:
        index = self._find(connection_id, object_type, side, object_id)
        return None if index is None else self.links[connection_id][index]

    async def put_link(self, connection_id: str, link: Link) -> None:
        rows = self.links.setdefault(connection_id, [])
        index = self._find(connection_id, link.object_type, Side.BILLCOM, link.billcom_id) if link.billcom_id else None
        if index is None and link.ledger_id:
            index = self._find(connection_id, link.object_type, Side.LEDGER, link.ledger_id)
        link = replace(link, stored_at=utcnow())
        if index is None:
            rows.append(link)
            return
        if link.ledger_id:  # the ledger id now belongs to this link: drop any other row holding it
            clash = self._find(connection_id, link.object_type, Side.LEDGER, link.ledger_id)
            if clash is not None and clash != index:
                del rows[clash]
                index -= clash < index
        rows[index] = link

    async def drop_link(self, connection_id: str, link: Link) -> None:
        self.links[connection_id] = [
            row
            for row in self.links.get(connection_id, [])
            if not (
                row.object_type is link.object_type
                and (
                    (link.billcom_id and row.billcom_id == link.billcom_id)
                    or (link.ledger_id and row.ledger_id == link.ledger_id)
                )
            )
        ]

    async def add_command(self, record: CommandRecord) -> bool:
        if record.command_id in self.commands:
            return False
        self.commands[record.command_id] = record
        return True

    async def get_command(self, command_id: str) -> CommandRecord | None:
        return self.commands.get(command_id)

    async def set_command_status(self, command_id: str, status: str) -> None:
        if command_id in self.commands:
            self.commands[command_id] = replace(self.commands[command_id], status=status)

    async def finish_command(self, command_id: str, status: str) -> CommandRecord | None:
        await self.set_command_status(command_id, status)
        return self.commands.get(command_id)

    async def has_pending(self, connection_id: str, object_type: ObjectType) -> bool:
        return any(
            c.connection_id == connection_id
            and c.link_object_type is object_type
            and c.status == "pending"
            and c.target_side is Side.LEDGER
            for c in self.commands.values()
        )

    async def park(
        self, connection_id: str, source_ref: str, waiting_for: str, reason: str, change: dict[str, Any]
    ) -> None:
        self.parked[(connection_id, source_ref)] = (waiting_for, reason, change, dt.datetime.now(dt.UTC))

    async def unpark(self, connection_id: str, waiting_for: list[str]) -> list[dict[str, Any]]:
        keys = [k for k, v in self.parked.items() if k[0] == connection_id and v[0] in waiting_for]
        taken = sorted((self.parked.pop(k) for k in keys), key=lambda v: v[3])
        return [v[2] for v in taken]

    async def unpark_prefix(self, connection_id: str, prefix: str) -> list[dict[str, Any]]:
        keys = [k for k, v in self.parked.items() if k[0] == connection_id and v[0].startswith(prefix)]
        taken = sorted((self.parked.pop(k) for k in keys), key=lambda v: v[3])
        return [v[2] for v in taken]

    async def unpark_prefix_if_idle(
        self, connection_id: str, prefix: str, object_type: ObjectType
    ) -> list[dict[str, Any]]:
        if await self.has_pending(connection_id, object_type):
            return []
        return await self.unpark_prefix(connection_id, prefix)

    async def clear_parked(self, connection_id: str, source_ref: str) -> None:
        self.parked.pop((connection_id, source_ref), None)
