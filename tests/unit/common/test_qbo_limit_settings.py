"""A realm's QBO limits come from the settings, the per-second lane included (``LB_QBO_PER_SECOND``):
a diagnostic run with QBO's limits lifted lifts every lane, not only the minute."""

from __future__ import annotations

import pytest

from ledgerbridge_common.connectors.qbo import qbo_limits
from posting_service.settings import Settings as PostingSettings
from sync_engine.settings import Settings as EngineSettings

pytestmark = pytest.mark.timeout(30)


def test_the_defaults_are_qbos_published_limits() -> None:
    limits = EngineSettings().qbo_limits()
    assert (limits.per_second, limits.per_minute, limits.concurrent) == (10, 500, 10)


def test_the_per_second_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LB_QBO_PER_SECOND", "1000")
    assert EngineSettings().qbo_limits().per_second == 1000
    posting = PostingSettings()
    assert posting.qbo_per_second == 1000
    second = qbo_limits(per_second=posting.qbo_per_second).lanes().second
    default = qbo_limits().lanes().second
    assert second is not None and default is not None
    assert second.interval == pytest.approx(default.interval / 100)
