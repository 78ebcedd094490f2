"""Sync Now when Kafka does not acknowledge (a partition leader known but down): the bounded publish
gives up and the caller gets 503 to retry, instead of a request that never ends."""

from __future__ import annotations

import pytest

from ledgerbridge_common.service import Overrides
from prefs_api.bootstrap import create_app
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, PrefsApi, prefs_settings
from tests.support.fake_billcom import FakeBillcom, billcom_bank_chart
from tests.support.fake_ledger import FakeLedger, factory, qbo_chart
from tests.support.servers import serve_in_thread
from tests.unit.common.test_kafka_bounds_and_security import hung_publisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_sync_now_answers_503_when_kafka_never_acknowledges(database_url, kafka_settings):
    settings = prefs_settings(database_url, kafka_settings, consume_outcomes=False)
    publisher, _ = await hung_publisher()
    ledger, billcom = FakeLedger(qbo_chart()), FakeBillcom(billcom_bank_chart())
    app = create_app(
        settings, Overrides(publisher=publisher, fakes={"ledger": factory(ledger), "billcom": factory(billcom)})
    )
    with serve_in_thread(app, timeout=30) as url:
        admin, internal = {"X-API-Key": ADMIN_KEY}, {"X-Internal-Token": INTERNAL_TOKEN}
        api = PrefsApi(url, settings, ledger, billcom, admin, internal, internal_url="")  # public app only
        created = await api.new_connection()
        async with api.client(api.admin) as http:
            resp = await http.post(f"/v1/connections/{created['id']}/sync-now")
    assert resp.status_code == 503, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    await publisher.stop()
