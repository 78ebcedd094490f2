"""Header classifications the preferences put on what BILL writes to the ledger: BILL codes
departments, locations and classes on lines only, so a bill's, credit's or payment's own
classification is the Default Payables (or Receivables) classification, and a funds transfer's
is the Funds Transfer Location and Department (PREFERENCES.md; netsuite-api.md §8). Ledgers
without header classifications leave these preferences unset, so nothing changes for them."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import Classifications, ObjectType
from ledgerbridge_common.prefs_client import ConnectionPreferences

T = ObjectType
PAYABLES = frozenset({T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT})
RECEIVABLES = frozenset({T.INVOICE, T.RECEIVED_PAYMENT})


def _classifications(department: str | None, location: str | None, class_id: str | None) -> Classifications | None:
    if not (department or location or class_id):
        return None
    return Classifications(department_id=department, location_id=location, class_id=class_id)


def default_header(object_type: ObjectType, prefs: ConnectionPreferences) -> Classifications | None:
    """The Default Payables or Receivables classification for this type, or ``None``."""
    if object_type in PAYABLES:
        return _classifications(
            prefs.default_payables_department, prefs.default_payables_location, prefs.default_payables_class
        )
    if object_type in RECEIVABLES:
        return _classifications(
            prefs.default_receivables_department, prefs.default_receivables_location, prefs.default_receivables_class
        )
    return None


def transfer_header(prefs: ConnectionPreferences) -> Classifications | None:
    """The Funds Transfer Department and Location, or ``None``."""
    return _classifications(prefs.funds_transfer_department, prefs.funds_transfer_location, None)
