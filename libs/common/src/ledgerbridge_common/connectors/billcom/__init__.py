"""The BILL (Bill.com) connector: an async v3 client, canonical mapping and webhook helpers.

``BillcomConnector`` is kept as an alias of ``BillcomHttpConnector`` (the name the ports
docstring uses); the Protocol itself lives in ``ledgerbridge_common.connectors.ports``.
"""

from ledgerbridge_common.connectors.billcom.budget import (
    DEFAULT_BILL_BUDGETS,
    BillBudget,
    BillBudgets,
    BillLimits,
    BillUsage,
    MemoryBillBudgets,
)
from ledgerbridge_common.connectors.billcom.client import BillcomClient, BillcomCredentials, RetryPolicy
from ledgerbridge_common.connectors.billcom.connector import BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.mapping import ACCOUNT_TYPES
from ledgerbridge_common.connectors.billcom.mapping_txn import MONEY_IN_CLEARING, MONEY_OUT_CLEARING
from ledgerbridge_common.connectors.billcom.webhooks import (
    SIGNATURE_HEADER,
    BillcomWebhookEvent,
    parse_billcom_webhook,
    sign_billcom_payload,
    verify_billcom_signature,
)

BillcomConnector = BillcomHttpConnector

__all__ = [
    "ACCOUNT_TYPES",
    "DEFAULT_BILL_BUDGETS",
    "MONEY_IN_CLEARING",
    "MONEY_OUT_CLEARING",
    "SIGNATURE_HEADER",
    "BillBudget",
    "BillBudgets",
    "BillLimits",
    "BillUsage",
    "BillcomClient",
    "BillcomConnector",
    "BillcomCredentials",
    "BillcomHttpConnector",
    "BillcomWebhookEvent",
    "MemoryBillBudgets",
    "RetryPolicy",
    "parse_billcom_webhook",
    "sign_billcom_payload",
    "verify_billcom_signature",
]
