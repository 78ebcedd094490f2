"""Fewer BILL calls per object, counted by the sandbox: several objects by id in one list
request (``id:in:``, how a money-movement run's payments and documents are read), and a sweep's
list rows carry each object whole (so the engine need not read it again)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from ledgerbridge_common.canonical.models import ObjectType, Vendor
from ledgerbridge_common.connectors.billcom import BillcomHttpConnector
from tests.integration.billcom.conftest import Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_several_objects_by_id_in_one_request(connector: BillcomHttpConnector, control: Control) -> None:
    made = [await connector.create(Vendor(name=f"Many {n} {uuid.uuid4().hex[:6]}")) for n in range(5)]
    ids = [v.id or "" for v in made]
    await control.call("POST", "/counters/reset")
    found = await connector.read_many(ObjectType.VENDOR, [*ids, ids[0]])
    assert sorted(found) == sorted(ids) and all(found[i].name == v.name for i, v in zip(ids, made, strict=True))
    assert (await control.call("GET", "/counters"))["total"] == 1


async def test_list_rows_are_whole_objects(connector: BillcomHttpConnector, control: Control) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    vendor = await connector.create(Vendor(name=f"Listed {uuid.uuid4().hex[:6]}", email="ap@listed.test"))
    page = await connector.list_changed(ObjectType.VENDOR, since)
    [ref] = [c for c in page.changes if c.object_id == vendor.id]
    assert ref.payload is not None
    await control.call("POST", "/counters/reset")
    from_row = await connector.from_payload(ObjectType.VENDOR, ref.payload, listed=True)
    assert from_row == await connector.read(ObjectType.VENDOR, vendor.id or "")
    assert (await control.call("GET", "/counters"))["total"] == 1, "only the control read"
    partial = {k: v for k, v in ref.payload.items() if k != "name"}
    assert await connector.from_payload(ObjectType.VENDOR, partial, listed=False) is None
