"""Typed errors raised by connectors and handlers.

::

    ConnectorError
     ├── RetryableError          try again later (with backoff)
     │    ├── RateLimitedError   the vendor throttled us (429 / 3001, BDC_1144, BDC_1322)
     │    ├── StaleObjectError   optimistic-lock failure (QBO 5010): re-read, then retry
     │    ├── OutcomeUnknownError the request may or may not have been applied (timeout)
     │    ├── AuthExpiredError   token/session expired (QBO 401/3200, BILL BDC_1109): re-auth, retry
     │    └── InfrastructureError our own Kafka or PostgreSQL unreachable: retried until back
     └── PermanentError          retrying the same request cannot succeed
          ├── NotFoundError      unknown object or reference (QBO 610)
          ├── DuplicateError     duplicate name (6240) or document number (6140)
          ├── ValidationError    business validation (QBO 6000, 2000-4999, BILL REQUEST errors)
          ├── ClosedPeriodError  books closed (QBO 6210)
          └── AuthRevokedError   credentials no longer valid (invalid_grant, BDC_1101)
"""

from __future__ import annotations


class ConnectorError(Exception):
    retryable: bool = False

    def __init__(
        self, message: str, *, code: str | None = None, vendor: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.vendor = vendor
        self.detail = detail

    def __str__(self) -> str:
        prefix = f"[{self.vendor} {self.code}] " if self.code else ""
        return f"{prefix}{self.message}"


class RetryableError(ConnectorError):
    retryable = True


class RateLimitedError(RetryableError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kw: str | None) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class BudgetSpentError(RateLimitedError):
    """A vendor's request budget for a period is spent (BILL: the devKey's clock hour): the work
    waits until ``resumes_at`` and is then tried again; it is never counted as failed."""

    def __init__(self, message: str, *, resumes_at: float, retry_after: float, **kw: str | None) -> None:
        super().__init__(message, retry_after=retry_after, **kw)
        self.resumes_at = resumes_at
        """Unix time at which the budget has room again."""


class StaleObjectError(RetryableError):
    pass


class OutcomeUnknownError(RetryableError):
    pass


class AuthExpiredError(RetryableError):
    pass


class InfrastructureError(RetryableError):
    """Kafka or PostgreSQL (ours, not a vendor's) is unreachable: never a reason to give up a message."""


class PermanentError(ConnectorError):
    retryable = False


class NotFoundError(PermanentError):
    pass


class DuplicateError(PermanentError):
    pass


class ValidationError(PermanentError):
    pass


class ClosedPeriodError(PermanentError):
    pass


class AuthRevokedError(PermanentError):
    pass
