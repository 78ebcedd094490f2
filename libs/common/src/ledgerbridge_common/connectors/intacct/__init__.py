"""Sage Intacct (XML Web Services) connector: :class:`IntacctConnector` on the ledger port.

Usage::

    login = IntacctLogin(sender_id, sender_password, user_id, user_password, company_id, entity_id)
    intacct = IntacctConnector(http, login, endpoint="https://api.intacct.com/ia/xml/xmlgw.phtml")
    bill = await intacct.create(bill, request_id=command_id, tag="LB:billcom:bill:00n1")
"""

from ledgerbridge_common.connectors.intacct.client import LEDGER_KIND, PRODUCTION_ENDPOINT, IntacctClient, IntacctLogin
from ledgerbridge_common.connectors.intacct.connector import INTACCT_CAPABILITIES, IntacctConnector

__all__ = [
    "INTACCT_CAPABILITIES",
    "LEDGER_KIND",
    "PRODUCTION_ENDPOINT",
    "IntacctClient",
    "IntacctConnector",
    "IntacctLogin",
]
