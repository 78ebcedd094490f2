"""Oracle NetSuite: ``NetSuiteConnector`` over SuiteTalk REST and SuiteQL with Token-Based Authentication."""

from ledgerbridge_common.connectors.netsuite.client import NETSUITE_LIMITS, NetSuiteClient, TbaCredentials
from ledgerbridge_common.connectors.netsuite.connector import NETSUITE_CAPABILITIES, NetSuiteConnector

__all__ = ["NETSUITE_CAPABILITIES", "NETSUITE_LIMITS", "NetSuiteClient", "NetSuiteConnector", "TbaCredentials"]
