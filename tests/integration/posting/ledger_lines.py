"""What posting wrote to ``posting.posted_lines``, checked the way every posting test checks it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from posting_service.adapters.orm import posted_lines


async def assert_every_posting_balances(sessions: Any, connection_id: str) -> int:
    """Each command's lines of each kind balance (debits = credits); how many (command, kind) there are."""
    query = (
        select(
            posted_lines.c.command_id,
            posted_lines.c.kind,
            func.sum(posted_lines.c.debit),
            func.sum(posted_lines.c.credit),
        )
        .where(posted_lines.c.connection_id == connection_id)
        .group_by(posted_lines.c.command_id, posted_lines.c.kind)
    )
    async with sessions() as session:
        rows = list(await session.execute(query))
    for command_id, kind, debit, credit in rows:
        assert debit == credit, (command_id, kind, debit, credit)
    return len(rows)
