"""``ledgerbridge check``: is this deployment ready to sync? One line per check, with what to do
when it fails.

Checks, in order: the configuration (``LB_PROFILE`` and the settings rules), PostgreSQL and each
Alembic history (current?), each Kafka topic (present, expected partitions), each vendor host
(reachable?), prefs-api's internal API (``LB_INTERNAL_TOKEN`` accepted?), then per connection
(active or disabled): BILL sign-in, QBO token refresh and a company read (the rotated tokens are saved in
prefs-api, as the services do), the webhook secrets, the preferences' readiness. Each check is
bounded by ``LB_CHECK_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from ledgerbridge_ops import check_connections, check_infra
from ledgerbridge_ops.check_results import GUIDE, CheckResult, bounded, fail, ok
from ledgerbridge_ops.settings import CheckSettings


def load_settings() -> tuple[CheckSettings | None, list[CheckResult]]:
    """The deployment's settings from the environment, or one failed line per problem."""
    try:
        settings = CheckSettings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["loc"]:
                problems = [f"LB_{'__'.join(str(p) for p in error['loc']).upper()}: {message}"]
            else:
                problems = message.split(": ", 1)[-1].split("; ")
            lines += [fail("config", problem, f"fix the setting ({GUIDE}, 'Settings')") for problem in problems]
        return None, lines
    endpoints = f"QBO {settings.qbo_base_url}, BILL {settings.billcom_base_url}"
    return settings, [ok("config", f"LB_PROFILE={settings.profile}: {endpoints}")]


async def run_checks(
    settings: CheckSettings, http: httpx.AsyncClient | None = None, *, connection: str | None = None
) -> list[CheckResult]:
    """Every check but the configuration's; ``connection``: only that connection's checks."""
    limit = settings.check_timeout_seconds
    own = http is None
    client = http or httpx.AsyncClient(timeout=limit, follow_redirects=False)
    try:
        results: list[CheckResult] = []
        results += await bounded("database", limit, lambda: check_infra.database(settings))
        results += await bounded("kafka", limit, lambda: check_infra.kafka_topics(settings))
        results += await bounded("vendor", limit, lambda: check_infra.vendors(settings, client))
        results += await check_connections.connections(settings, client, only=connection)
        return results
    finally:
        if own:
            await client.aclose()


async def check_deployment(connection: str | None = None) -> list[CheckResult]:
    settings, results = load_settings()
    if settings is None:
        return results
    return results + await run_checks(settings, connection=connection)
