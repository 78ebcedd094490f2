"""The ledger's lists as prefs-api sees them (locations, departments, classes, entities, bank
accounts: ``ledgerbridge_common.connectors.lists``), read through the connector the shared factory
builds and kept ``ttl`` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ledgerbridge_common.connectors.lists import LedgerLists, ListKind, ListValue
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters.typed_chart import lists_of
from prefs_api.adapters.vendors import LedgerFactory, vendor_unavailable
from prefs_api.problems import ProblemError

Lists = Mapping[ListKind, Mapping[str, ListValue]]


class LedgerListsReader:
    """The lists of a connection's ledger by kind, read through the connector, kept ``ttl`` seconds."""

    def __init__(self, factory: LedgerFactory, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._factory = factory
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, ListKind], tuple[float, list[ListValue]]] = {}

    def ledger(self, connection: ConnectionInfo) -> LedgerLists | None:
        """The connection's connector as a source of lists (``None``: its ledger offers none)."""
        return lists_of(self._factory(connection))

    def offered(self, connection: ConnectionInfo) -> frozenset[ListKind]:
        lists = self.ledger(connection)
        return lists.offered_lists if lists else frozenset()

    async def get(self, connection: ConnectionInfo, kind: ListKind) -> list[ListValue]:
        key = (connection.connection_id, kind)
        cached = self._cache.get(key)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        lists = self.ledger(connection)
        if lists is None or kind not in lists.offered_lists:
            return []
        try:
            values = await lists.list_values(kind)
        except Exception as exc:  # any vendor/transport failure is a 502 to our caller
            raise vendor_unavailable(f"The ledger's {kind.replace('_', ' ')}", exc) from exc
        self._cache[key] = (self._clock(), values)
        return values

    async def all_or_none(self, connection: ConnectionInfo) -> dict[ListKind, dict[str, ListValue]] | None:
        """Every offered list by id, or ``None`` when the ledger cannot be read now."""
        try:
            return {kind: {v.id: v for v in await self.get(connection, kind)} for kind in self.offered(connection)}
        except ProblemError:
            return None

    def drop(self, connection_id: str) -> None:
        for key in [k for k in self._cache if k[0] == connection_id]:
            self._cache.pop(key, None)
