"""What saving BILL credentials does to the connection's webhook subscription."""

from __future__ import annotations

from ledgerbridge_common.prefs_client import BillcomCredentials


def carried_over(new: BillcomCredentials | None, old: BillcomCredentials | None) -> BillcomCredentials | None:
    """Replaced credentials for the same organization keep its subscription and key (a password
    change must not leave its webhooks unverifiable); for another organization they start without
    one. Credentials saved with their own key or subscription id are kept as given."""
    if new is None or old is None or new.webhook_security_key or new.webhook_subscription_id:
        return new
    if new.organization_id != old.organization_id or not old.webhook_subscription_id:
        return new
    webhook = {"webhook_subscription_id": old.webhook_subscription_id, "webhook_security_key": old.webhook_security_key}
    return BillcomCredentials.model_validate(new.model_dump(mode="json") | webhook)


def subscribed_by_hand(creds: BillcomCredentials) -> bool:
    """Credentials saved with a security key but no subscription id: an operator made the
    subscription (``ledgerbridge billcom-subscribe``), so the product does not make a second one."""
    return bool(creds.webhook_security_key) and not creds.webhook_subscription_id
