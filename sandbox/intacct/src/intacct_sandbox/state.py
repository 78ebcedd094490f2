"""Everything one sandbox process holds: companies, senders, sessions, open result sets, the clock."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass, field, replace

from intacct_sandbox.company import Company, Limits, Session
from intacct_sandbox.reads import ResultSet
from intacct_sandbox.seed import seed_company
from intacct_sandbox.settings import SandboxSettings
from sandbox_kit import SandboxClock

DEMO_SENDER = ("ledgerbridge-sandbox", "sandbox-sender-password")
DEMO_USER = ("ws_ledgerbridge", "sandbox-user-password")


@dataclass
class CompanySeed:
    company_id: str
    name: str = ""
    timezone: str = "America/Los_Angeles"
    sender_id: str = DEMO_SENDER[0]
    sender_password: str = DEMO_SENDER[1]
    users: dict[str, str] = field(default_factory=lambda: dict([DEMO_USER]))
    entities: list[str] = field(default_factory=list)
    closed_through: dt.date | None = None
    seed: bool = True


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.clock = SandboxClock()
        self.companies: dict[str, Company] = {}
        self.senders: dict[str, str] = {}
        self.sessions: dict[str, Session] = {}
        self.results: dict[str, ResultSet] = {}
        self.limit_defaults = Limits(enabled=settings.limits_enabled, concurrent=settings.concurrent)
        if settings.seed_company_id:
            self.create_company(CompanySeed(company_id=settings.seed_company_id))

    def create_company(self, seed: CompanySeed) -> Company:
        company = Company(
            company_id=seed.company_id,
            name=seed.name or f"Sandbox Company {seed.company_id}",
            timezone=seed.timezone,
            users=dict(seed.users),
            senders={seed.sender_id},
            entities=list(seed.entities),
            closed_through=seed.closed_through,
            session_seconds=self.settings.session_seconds,
            limits=replace(self.limit_defaults),
        )
        self.senders[seed.sender_id] = seed.sender_password
        seed_company(company, self.clock.now(), seed=seed.seed)
        self.companies[seed.company_id] = company
        return company

    def sender_ok(self, sender_id: str, password: str) -> bool:
        expected = self.senders.get(sender_id)
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())

    def open_session(self, company: Company, user_id: str, entity: str) -> Session:
        session = Session(
            session_id=secrets.token_urlsafe(24) + "..",
            company_id=company.company_id,
            user_id=user_id,
            entity=entity,
            expires=self.clock.now() + dt.timedelta(seconds=company.session_seconds),
        )
        self.sessions[session.session_id] = session
        return session

    def live_session(self, session_id: str) -> Session | None:
        session = self.sessions.get(session_id)
        if session is None:
            return None
        if session.expires <= self.clock.now() or session.company_id not in self.companies:
            self.sessions.pop(session_id, None)
            return None
        return session

    def reset(self) -> None:
        self.companies.clear()
        self.senders.clear()
        self.sessions.clear()
        self.results.clear()
        self.clock.reset()
