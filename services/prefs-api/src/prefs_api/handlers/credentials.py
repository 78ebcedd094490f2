"""Re-seal every connection's stored credentials with the current key (after a key rotation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from prefs_api.adapters.crypto import CredentialCipher, CredentialsError
from prefs_api.adapters.orm import connections


@dataclass
class ResealReport:
    resealed: int = 0
    already_current: int = 0
    unreadable: list[str] = field(default_factory=list)
    """Connections whose credentials no configured key opens (left as they are)."""


async def reseal_credentials(
    sessions: async_sessionmaker[AsyncSession], cipher: CredentialCipher, *, batch_size: int = 100
) -> ResealReport:
    """Walk every connection in id order, ``batch_size`` per transaction. A row changed meanwhile
    (a save seals with the current key too) is left to that save."""
    report, after = ResealReport(), ""
    while True:
        async with sessions.begin() as session:
            rows = (
                await session.execute(
                    select(connections.c.id, connections.c.credentials)
                    .where(connections.c.id > after, connections.c.credentials.is_not(None))
                    .order_by(connections.c.id)
                    .limit(batch_size)
                )
            ).all()
            for connection_id, sealed in rows:
                if cipher.is_current(sealed):
                    report.already_current += 1
                    continue
                try:
                    resealed = cipher.reseal(sealed)
                except CredentialsError:
                    report.unreadable.append(connection_id)
                    continue
                changed = await session.execute(
                    update(connections)
                    .where(connections.c.id == connection_id, connections.c.credentials == sealed)
                    .values(credentials=resealed)
                    .returning(connections.c.id)
                )
                report.resealed += len(changed.all())
        if len(rows) < batch_size:
            return report
        after = rows[-1][0]
