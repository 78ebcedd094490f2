"""One fake BILL organization for every test tier, implementing
:class:`ledgerbridge_common.connectors.ports.BillcomConnector`'s name-list writes, its change
listing (``changes`` and every held object), the full listing the first-sync preview reads, bank
accounts and their GL-account preference, and webhook subscriptions (prefs-api's
``WebhookSubscriptions``: made, listed, deleted, their security key rotated)."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterable
from typing import Any

from ledgerbridge_common.canonical.models import Account, BankAccount, CanonicalObject, ObjectType
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef
from tests.support.fake_ledger import held


def billcom_bank_chart() -> list[Account]:
    """BILL's own chart of accounts: other ids than the ledger's."""
    return [
        Account(id="0ca01CHECKING000000", name="Checking", account_type="Bank"),
        Account(id="0ca01SAVINGS0000000", name="Savings", account_type="Bank"),
    ]


class FakeBillcom:
    def __init__(self, objects: Iterable[CanonicalObject] = ()) -> None:
        self.objects: dict[tuple[ObjectType, str], CanonicalObject] = {}
        self.ids = itertools.count(1)
        self.calls: list[str] = []
        self.changes: list[ChangeRef] = []
        self.list_calls: list[tuple[ObjectType, dt.datetime]] = []
        self.banks: list[BankAccount] = []
        self.gl_updates: list[tuple[str, str | None]] = []
        self.subscriptions: dict[str, dict[str, Any]] = {}
        for obj in objects:
            self.put(obj)

    def put(self, obj: CanonicalObject) -> CanonicalObject:
        assert obj.id is not None
        self.objects[(obj.object_type, obj.id)] = obj
        return obj

    def add(self, object_type: ObjectType, object_id: str, at: dt.datetime) -> None:
        """Someone updates an object in BILL at ``at`` (``list_changed`` reports it)."""
        self.changes.append(ChangeRef(object_type, object_id, "updated", at))

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        self.calls.append("read")
        return self.objects.get((object_type, object_id))

    async def create(self, obj: CanonicalObject) -> CanonicalObject:
        self.calls.append("create")
        return self.put(obj.model_copy(update={"id": f"00901{next(self.ids):015d}"}))

    async def update(self, obj: CanonicalObject) -> CanonicalObject:
        self.calls.append("update")
        return self.put(obj)

    async def archive(self, object_type: ObjectType, object_id: str) -> CanonicalObject:
        self.calls.append("archive")
        return self.put(self.objects[(object_type, object_id)].model_copy(update={"active": False}))

    def of_type(self, object_type: ObjectType) -> list[CanonicalObject]:
        return [o for (t, _), o in self.objects.items() if t == object_type]

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        self.calls.append("find_by_name")
        return next((o for o in self.of_type(object_type) if getattr(o, "name", None) == name), None)

    async def list_changed(self, object_type: ObjectType, since: dt.datetime) -> ChangePage:
        self.list_calls.append((object_type, since))
        found = [c for c in self.changes + held(self.of_type(object_type)) if c.object_type == object_type]
        found = [c for c in found if c.source_time >= since]
        mark = max([c.source_time for c in found], default=since)
        return ChangePage(changes=found, next_watermark=mark)

    async def list_objects(self, object_type: ObjectType, filters: str | None = None) -> list[CanonicalObject]:
        self.calls.append("list_objects")
        return self.of_type(object_type)

    async def list_bank_accounts(self) -> list[BankAccount]:
        return self.banks

    async def update_bank_account_gl(self, bank_account_id: str, chart_of_account_id: str | None) -> BankAccount:
        self.gl_updates.append((bank_account_id, chart_of_account_id))
        return BankAccount(id=bank_account_id, name="x", last4="0000", chart_of_account_id=chart_of_account_id)

    async def list_subscriptions(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in sub.items() if k != "securityKey"} for sub in self.subscriptions.values()]

    async def create_subscription(
        self, name: str, notification_url: str, event_types: Any, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        sub_id = f"sub-{next(self.ids)}"
        self.subscriptions[sub_id] = {
            "id": sub_id,
            "name": name,
            "notificationUrl": notification_url,
            "events": list(event_types),
            "securityKey": secrets.token_urlsafe(24),
        }
        return dict(self.subscriptions[sub_id])

    async def delete_subscription(self, subscription_id: str) -> None:
        self.subscriptions.pop(subscription_id, None)

    async def rotate_security_key(self, subscription_id: str) -> str:
        key = secrets.token_urlsafe(24)
        if subscription_id in self.subscriptions:
            self.subscriptions[subscription_id]["securityKey"] = key
        return key
