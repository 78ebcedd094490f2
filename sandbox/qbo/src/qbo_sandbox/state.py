"""Everything one sandbox process holds: realms, clock, OAuth grants, apps and their webhooks."""

from __future__ import annotations

import secrets
from dataclasses import replace

from qbo_sandbox.clock import SandboxClock, fmt_ts
from qbo_sandbox.oauth import TokenAuthority
from qbo_sandbox.realm import LimitConfig, Realm, seed_realm
from qbo_sandbox.settings import SandboxSettings
from qbo_sandbox.webhooks import App, WebhookConfig, WebhookHub
from qbo_sandbox.writes import Writer


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.clock = SandboxClock()
        self.realms: dict[str, Realm] = {}
        self.tokens = TokenAuthority()
        self.hub = WebhookHub(self.clock)
        self.apps = self.hub.apps
        self.writer = Writer(self.clock)
        self.limit_defaults = LimitConfig(
            enabled=settings.limits_enabled,
            per_minute=settings.per_minute,
            window_seconds=settings.window_seconds,
            concurrent=settings.concurrent,
            batch_per_minute=settings.batch_per_minute,
            per_second=settings.per_second,
            realm_batch_per_minute=settings.realm_batch_per_minute,
            throttle_format=settings.throttle_format,
        )
        self.add_app(
            settings.client_id,
            settings.client_secret,
            WebhookConfig(
                url=settings.webhook_url,
                verifier_token=settings.webhook_verifier_token,
                format=settings.webhook_format,
            ),
        )
        if settings.seed_realm_id:
            self.create_realm(realm_id=settings.seed_realm_id)

    @property
    def default_app(self) -> App:
        return self.apps[self.settings.client_id]

    def add_app(self, client_id: str, client_secret: str, webhook: WebhookConfig | None = None) -> App:
        app = App(client_id=client_id, client_secret=client_secret, webhook=webhook or WebhookConfig())
        self.apps[client_id] = app
        return app

    def create_realm(
        self,
        *,
        realm_id: str | None = None,
        company_name: str | None = None,
        multi_currency: bool = False,
        home_currency: str = "USD",
        seed: bool = True,
    ) -> Realm:
        realm_id = realm_id or f"9341{secrets.randbelow(10**12):012d}"
        realm = Realm(
            realm_id=realm_id,
            company_name=company_name or f"Sandbox Company {realm_id[-4:]}",
            home_currency=home_currency,
            multi_currency=multi_currency,
            limits=replace(self.limit_defaults),
            created=self.clock.now(),
        )
        if seed:
            seed_realm(realm, fmt_ts(self.clock.now()))
        realm.emit = self.hub.emit
        self.realms[realm_id] = realm
        self.hub.connect(realm_id, self.settings.client_id)
        return realm
