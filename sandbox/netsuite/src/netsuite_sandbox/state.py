"""Everything one sandbox process holds: accounts (by id and host slug) and OAuth 2.0 tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from netsuite_sandbox.account import Account, Limits, TbaToken, seed_account, slug_of
from netsuite_sandbox.auth import TokenAuthority
from netsuite_sandbox.settings import SandboxSettings
from netsuite_sandbox.writes import Writer
from sandbox_kit import SandboxClock


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.clock = SandboxClock()
        self.accounts: dict[str, Account] = {}
        self.tokens = TokenAuthority(settings.access_token_seconds)
        self.writer = Writer(self.now)
        self.limit_defaults = Limits(concurrency=settings.concurrency_limit)
        if settings.seed_account_id:
            account = self.create_account(settings.seed_account_id)
            account.consumers["sandbox-consumer-key"] = "sandbox-consumer-secret"
            self.add_token(account, "sandbox-consumer-key", "sandbox-token-id", "sandbox-token-secret")

    def now(self) -> dt.datetime:
        """The sandbox clock: real time plus an offset the control API moves forward."""
        return self.clock.now()

    def by_slug(self, slug: str) -> Account | None:
        return self.accounts.get(slug.lower())

    def create_account(
        self, account_id: str | None = None, extra_subsidiaries: tuple[tuple[str, str, str], ...] = ()
    ) -> Account:
        account_id = account_id or f"{secrets.randbelow(9_000_000) + 1_000_000}_SB1"
        account = Account(account_id=account_id, limits=Limits(**self.limit_defaults.__dict__))
        seed_account(account, self.now(), extra_subsidiaries)
        self.accounts[slug_of(account_id)] = account
        return account

    @staticmethod
    def add_token(account: Account, consumer_key: str, token_id: str, token_secret: str) -> None:
        account.tokens[token_id] = TbaToken(token_id, token_secret, consumer_key)
