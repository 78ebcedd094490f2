"""Header classifications the preferences put on what BILL writes to the ledger: BILL codes
departments, locations and classes on lines only, so a bill's, credit's or payment's own
classification is the Default Payables (or Receivables) classification (netsuite-api.md §8,
HB:360015018792). Ledgers without header classifications do not offer these preferences, so
nothing changes for them."""

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
