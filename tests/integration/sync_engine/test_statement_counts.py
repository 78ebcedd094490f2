"""The engine's store statements for one decided change and one outcome, counted on PostgreSQL
(``bench/engine_statements.py``): a cut in round trips stays cut, and the state it leaves is the
one the handlers always left (the link holds both ids, the command is closed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ledgerbridge_common.db.engine import make_engine
from ledgerbridge_common.settings import DatabaseSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/ is a top-level package of the repo
from bench.engine_statements import count

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_statements_per_change_and_per_outcome(db_settings: DatabaseSettings) -> None:
    counts = await count(db_settings)
    assert (counts.change, counts.outcome) == (CHANGE, OUTCOME), counts.statements
    engine = make_engine(db_settings)
    try:
        async with engine.connect() as conn:
            params = {"c": counts.connection_id}
            links = (await conn.execute(text(LINKS), params)).all()
            commands = (await conn.execute(text(COMMANDS), params)).all()
    finally:
        await engine.dispose()
    assert [(r.ledger_id, r.pending_command_id, r.ledger_fingerprint) for r in links] == [("58", None, "fp-l")]
    assert [r.status for r in commands] == ["posted"]


LINKS = "SELECT ledger_id, pending_command_id, ledger_fingerprint FROM engine.links WHERE connection_id = :c"
COMMANDS = "SELECT status FROM engine.commands WHERE connection_id = :c"


CHANGE, OUTCOME = 4, 6
"""Before the cuts: 6 and 9 (link rows read again by ``put_link``, the command read before its
insert and before its status update, ``has_pending`` before ``unpark_prefix``)."""
