from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from tests.integration.common.harness import World, world


@pytest.fixture
async def w(kafka_settings: KafkaSettings, db_settings: DatabaseSettings) -> AsyncIterator[World]:
    """A schema of its own (inbox + effects), its engine and a started publisher."""
    async for built in world(kafka_settings, db_settings):
        yield built
