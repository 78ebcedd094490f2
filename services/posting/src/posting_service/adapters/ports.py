"""``PostingStore``: what posting keeps per connection (refs to written objects, the commands
journal, the double-entry lines, parked commands), read and written in the caller's transaction.
``SqlPostingStore`` (``adapters/repository.py``) is its adapter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from ledgerbridge_common.canonical.models import CanonicalObject
from ledgerbridge_common.events.models import PostingRequested, SyncOutcome
from posting_service.domain.lines import Line

if TYPE_CHECKING:
    from posting_service.adapters.repository import CommandRow, RefRow


class PostingStore(Protocol):
    async def get_command(self, command_id: str) -> CommandRow | None: ...

    async def save_command(
        self, cmd: PostingRequested, connection_id: str, outcome: SyncOutcome, *, error: str | None = None
    ) -> None: ...

    async def get_ref(self, connection_id: str, side: str, source_ref: str) -> RefRow | None: ...

    async def target_ids(self, connection_id: str, side: str, source_refs: Iterable[str]) -> dict[str, str]: ...

    async def save_ref(self, connection_id: str, side: str, cmd: PostingRequested, obj: CanonicalObject) -> None: ...

    async def source_net(self, connection_id: str, source_ref: str) -> dict[str, Decimal]:
        """Debit minus credit per account of everything recorded so far for one source object."""
        ...

    async def add_lines(self, connection_id: str, cmd: PostingRequested, lines: Sequence[tuple[str, Line]]) -> None:
        """Record one posting; its debits must equal its credits (refused otherwise)."""
        ...

    async def balances(self, connection_id: str) -> dict[str, Decimal]: ...

    async def park(self, cmd: PostingRequested, connection_id: str, waiting_for: list[str]) -> None: ...

    async def unpark(self, command_id: str) -> None: ...

    async def take_parked(self, connection_id: str, source_ref: str) -> list[PostingRequested]:
        """Remove and return, oldest first, the commands parked waiting for ``source_ref``."""
        ...

    async def journaled_sources(self, connection_id: str, source_refs: Iterable[str]) -> set[str]: ...
