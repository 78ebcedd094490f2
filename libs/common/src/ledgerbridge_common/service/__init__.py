"""The service skeleton: one ``Runtime`` per process (built by each service's ``bootstrap``), one
readiness contract, one app factory and one ``__main__``."""

from ledgerbridge_common.service.app import service_app
from ledgerbridge_common.service.readiness import Check, Readiness
from ledgerbridge_common.service.runtime import Overrides, Runtime

__all__ = ["Check", "Overrides", "Readiness", "Runtime", "service_app"]
