"""The whole system as real processes for one benchmark or fault run: a fresh database, random
topics and consumer groups, both sandboxes and the four services (``python -m <pkg>``), on the
local Kafka and PostgreSQL (or a private pair, see ``bench.stack``). Peak RSS of every process is
read from ``/proc/<pid>/status`` (``VmHWM``) before it stops."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from cryptography.fernet import Fernet

from bench.fault_measure import read_process_cpu_s
from bench.lag_probe import LagProbe
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_ops.scenario import Urls
from tests.support.processes import ServiceProcess
from tests.support.servers import free_ports

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / ".local" / "logs" / "bench"
INTERNAL_TOKEN = "bench-internal-token-0123456789"
ADMIN_KEY = "lb_bench_admin_key_0123456789abcdef"
SERVICES = ("ingest", "engine", "posting", "prefs")
ALL = ("qbo", "billcom", "prefs", "ingest", "engine", "posting")
LEDGER_SANDBOXES = ("intacct", "netsuite")
"""Defined for every run, started only by the runs that use them (``start(["intacct", ...])``)."""


@dataclass(frozen=True)
class StackAddress:
    kafka: str = "127.0.0.1:19092"
    pg_port: int = 15432


class BenchProcess(ServiceProcess):
    """A ServiceProcess that logs under .local/logs/bench and remembers its peak RSS."""

    peak_kb: int = 0
    cpu_ended_s: float = 0.0
    """CPU seconds of this process's earlier incarnations (killed or stopped, then started again)."""
    cpu_live_s: float = 0.0
    """CPU seconds of the current incarnation at its last sample."""

    @property
    def cpu_s(self) -> float:
        return round(self.cpu_ended_s + self.cpu_live_s, 1)

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}-{self.port}.log"

    def sample_rss(self) -> None:
        """Peak RSS and CPU seconds so far (called before every stop or kill, and by ``sample``)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.cpu_live_s = read_process_cpu_s(self.proc.pid) or self.cpu_live_s
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except OSError:
            pass

    def start(self, timeout: float = 90) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.cpu_ended_s, self.cpu_live_s = self.cpu_ended_s + self.cpu_live_s, 0.0
        super().start(timeout)

    def kill(self) -> None:
        self.sample_rss()
        super().kill()

    def stop(self) -> None:
        self.sample_rss()
        super().stop()


def _module(name: str, module: str, env: dict[str, str]) -> BenchProcess:
    return BenchProcess(name=name, argv=[sys.executable, "-m", module], env=env)


def _uvicorn(name: str, factory: str, env: dict[str, str]) -> BenchProcess:
    # keep-alive past uvicorn's 5 s: a busy bench reuses a connection the sandbox was closing (ReadError)
    argv = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", "{port}",
            "--log-level", "warning", "--no-access-log",
            "--timeout-keep-alive", "75"]  # fmt: skip
    return BenchProcess(name=name, argv=argv, env=env, health_path="/_sandbox/health")


CLIENT_LIMITS_LIFTED = {
    "LB_QBO_PER_MINUTE": "100000",
    "LB_QBO_PER_SECOND": "100000",
    "LB_QBO_BATCH_PER_MINUTE": "100000",
    "LB_QBO_CONCURRENT": "50",
}
"""For runs with the sandbox's QBO limits off: our own pacing to QBO's published limits is lifted too,
or those runs would measure the QBO budget (19 objects/s in batches) instead of the pipeline."""


@dataclass
class BenchSystem:
    stack: StackAddress = field(default_factory=StackAddress)
    log_level: str = "WARNING"
    extra_env: dict[str, str] = field(default_factory=dict)
    partitions: int = 3
    topics: Topics = field(default_factory=lambda: Topics.with_suffix("bench" + uuid.uuid4().hex[:8]))
    db_name: str = field(default_factory=lambda: f"lbbench_{uuid.uuid4().hex[:8]}")
    processes: dict[str, BenchProcess] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)
    start_s: float = 0.0
    """Time spent starting processes (until each answered its health check), over the run."""
    lag_checks: int = 0
    lag_check_s: float = 0.0
    """Lag measurements made by ``quiesce`` and the seconds they took."""
    _probe: LagProbe | None = field(default=None, repr=False)

    @property
    def database_url(self) -> str:
        return f"postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:{self.stack.pg_port}/{self.db_name}"

    @property
    def urls(self) -> Urls:
        p = self.processes
        urls = Urls(prefs=p["prefs"].url, ingest=p["ingest"].url, qbo=p["qbo"].url, billcom=p["billcom"].url)
        ledgers = {name: p[name].url for name in LEDGER_SANDBOXES if name in p}
        return replace(urls, **ledgers)

    @property
    def groups(self) -> dict[str, str]:
        suffix = self.db_name.removeprefix("lbbench_")
        return {"engine": f"lb-bench-engine-{suffix}", "posting": f"lb-bench-posting-{suffix}",
                "ingest": f"lb-bench-sweeper-{suffix}"}  # fmt: skip

    async def prepare(self) -> None:
        """Database (created and migrated) and topics of this run; the processes are defined, not started."""
        admin_dsn = f"postgresql://postgres@127.0.0.1:{self.stack.pg_port}/postgres"
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{self.db_name}" OWNER ledgerbridge')
        finally:
            await conn.close()
        from ledgerbridge_ops.migrate import migrate_all

        await migrate_all(self.database_url)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.stack.kafka)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(name=t, num_partitions=self.partitions, replication_factor=1) for t in self.topics.all()]
            )
        finally:
            await admin.close()
        *free, prefs_internal = free_ports(len(ALL) + len(LEDGER_SANDBOXES) + 1)
        ports = dict(zip(ALL + LEDGER_SANDBOXES, free, strict=True))
        env = {
            "LB_DATABASE__URL": self.database_url,
            "LB_KAFKA__BOOTSTRAP_SERVERS": self.stack.kafka,
            **{f"LB_KAFKA__TOPICS__{name.upper()}": value for name, value in self.topics.model_dump().items()},
            "LB_INTERNAL_TOKEN": INTERNAL_TOKEN,
            "LB_PREFS_URL": f"http://127.0.0.1:{prefs_internal}",  # prefs-api's internal listener
            "LB_INTERNAL_PORT": str(prefs_internal),
            "LB_QBO_BASE_URL": f"http://127.0.0.1:{ports['qbo']}",
            "LB_QBO_OAUTH_URL": f"http://127.0.0.1:{ports['qbo']}",
            "LB_BILLCOM_BASE_URL": f"http://127.0.0.1:{ports['billcom']}/connect",
            "LB_INTACCT_URL": f"http://127.0.0.1:{ports['intacct']}/ia/xml/xmlgw.phtml",
            "LB_NETSUITE_URL": f"http://127.0.0.1:{ports['netsuite']}",
            "LB_PREFS_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
            "LB_PREFS_CREDENTIALS_KEY": Fernet.generate_key().decode(),
            "LB_LOG_LEVEL": self.log_level,
            "LB_RUN_MIGRATIONS": "false",  # prepare() migrated the database once, for every service
            **self.extra_env,
        }
        groups = self.groups
        suffix = self.db_name.removeprefix("lbbench_")
        self.processes = {
            "qbo": _uvicorn("qbo-sandbox", "qbo_sandbox.app:create_app", env),
            "billcom": _uvicorn("billcom-sandbox", "billcom_sandbox.app:create_app", env),
            "intacct": _uvicorn("intacct-sandbox", "intacct_sandbox.app:create_app", env),
            "netsuite": _uvicorn("netsuite-sandbox", "netsuite_sandbox.app:create_app", env),
            # prefs-api's outcomes group has a fixed name: a suffix keeps it out of other systems' groups
            "prefs": _module("prefs-api", "prefs_api", {**env, "LB_KAFKA__GROUP_SUFFIX": suffix}),
            "ingest": _module("webhook-ingest", "webhook_ingest", {**env, "LB_SWEEPER_GROUP_ID": groups["ingest"]}),
            "engine": _module("sync-engine", "sync_engine", {**env, "LB_CONSUMER_GROUP": groups["engine"]}),
            "posting": _module("posting", "posting_service", {**env, "LB_CONSUMER_GROUP": groups["posting"]}),
        }
        for name, proc in self.processes.items():
            proc.port = ports[name]

    async def start(self, names: Iterable[str] = ALL) -> None:
        """Start ``names`` in two waves, each wave's processes together: the sandboxes and
        prefs-api, then the services that read connections from prefs-api."""
        wanted = list(names)
        first = [n for n in wanted if n not in SERVICES or n == "prefs"]
        began = time.monotonic()
        for wave in (first, [n for n in wanted if n not in first]):
            await asyncio.gather(*(asyncio.to_thread(self.processes[n].start) for n in wave))
        self.start_s += time.monotonic() - began

    async def add_instances(self, names: Iterable[str], instances: int) -> None:
        """Start more processes of ``names`` (same environment, same consumer groups) up to
        ``instances`` each, named ``<name>-2``, ``<name>-3``, ..."""
        added = []
        for name in names:
            first = self.processes[name]
            for n in range(2, instances + 1):
                more = BenchProcess(name=f"{first.name}-{n}", argv=first.argv, env=first.env)
                self.processes[f"{name}-{n}"] = more
                added.append(more)
        began = time.monotonic()
        await asyncio.gather(*(asyncio.to_thread(more.start) for more in added))
        self.start_s += time.monotonic() - began

    async def stop_one(self, name: str) -> None:
        await asyncio.to_thread(self.processes[name].stop)
        self._record(name)

    async def kill_one(self, name: str) -> None:
        await asyncio.to_thread(self.processes[name].kill)
        self._record(name)

    def sample(self) -> None:
        for name, proc in self.processes.items():
            proc.sample_rss()
            self._record(name)

    def _record(self, name: str) -> None:
        self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), self.processes[name].peak_kb / 1024)

    async def close(self) -> None:
        """Stop the services together, then the sandboxes together; drop the topics and the database."""

        async def stop(name: str) -> None:
            began = time.monotonic()
            try:
                await self.stop_one(name)
            except Exception as exc:
                print(f"  (stopping {name}: {exc})", file=sys.stderr)
            if time.monotonic() - began > 5:
                print(f"  ({name} took {time.monotonic() - began:.1f} s to stop)", file=sys.stderr)

        if self._probe is not None:
            await self._probe.reset()
        services = [n for n in self.processes if n.split("-")[0] in SERVICES]
        for wave in (services, [n for n in self.processes if n not in services]):
            await asyncio.gather(*(stop(n) for n in wave))
        try:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.stack.kafka)
            await admin.start()
            try:
                await admin.delete_topics(self.topics.all())
            finally:
                await admin.close()
        except Exception as exc:
            print(f"  (deleting topics: {exc})", file=sys.stderr)
        try:
            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.stack.pg_port}/postgres")
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            finally:
                await conn.close()
        except Exception as exc:
            print(f"  (dropping database: {exc})", file=sys.stderr)

    # --- Kafka progress ---------------------------------------------------------------------------

    @property
    def probe(self) -> LagProbe:
        if self._probe is None:
            self._probe = LagProbe(self.stack.kafka, self.partitions)
        return self._probe

    async def topic_count(self, topic: str) -> int:
        """Records ever written to ``topic`` (sum of end offsets), one of this run's topics."""
        return sum((await self.probe.ends([topic])).values())

    async def group_lag(self, group: str, topic: str) -> int:
        return await self.probe.lag({group: [topic]})

    async def lag(self) -> int:
        """Records not yet handled by the engine and posting (0 when idle)."""
        t, g = self.topics, self.groups
        return await self.probe.lag({g["engine"]: [t.changes, t.outcomes], g["posting"]: [t.postings]})

    async def sweep_lag(self) -> int:
        """Sweep requests (Sync Now) on the prefs topic not yet handled by webhook-ingest's sweeper:
        its consumer commits a request once the sweep it asks for has published what it found."""
        return await self.group_lag(self.groups["ingest"], self.topics.prefs)

    async def _idle(self, sweeps: bool, bound_s: float = 30) -> bool:
        """No lag (a measurement that takes over ``bound_s``, a broker restarting, counts as busy)."""

        async def measure() -> int:
            return await self.lag() + (await self.sweep_lag() if sweeps else 0)

        began = time.monotonic()
        try:
            return await asyncio.wait_for(measure(), bound_s) == 0
        except (TimeoutError, OSError, KafkaError):
            if self._probe is not None:
                await self._probe.reset()
            return False
        finally:
            self.lag_checks += 1
            self.lag_check_s += time.monotonic() - began

    async def quiesce(self, *, quiet_s: float = 3, timeout: float = 120, sweeps: bool = False) -> float:
        """Wait until engine and posting (and with ``sweeps`` the sweeper's Sync Now requests) have
        had nothing to do for ``quiet_s``, at most ``timeout``; return the wait."""
        began = time.monotonic()
        quiet_since: float | None = None
        while time.monotonic() - began < timeout:
            if await self._idle(sweeps):
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= quiet_s:
                    break
            else:
                quiet_since = None
            await asyncio.sleep(0.5)
        return time.monotonic() - began


async def wait_until(check, *, timeout: float, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


async def lift_sandbox_limits(http: httpx.AsyncClient, system: BenchSystem, *, qbo: bool, billcom: bool) -> None:
    if qbo:
        (await http.put(f"{system.urls.qbo}/_sandbox/limits", json={"enabled": False})).raise_for_status()
    if billcom:
        body = {"concurrency_limit": 1000, "hourly_limit": 10_000_000}
        (await http.patch(f"{system.urls.billcom}/_sandbox/settings", json=body)).raise_for_status()
