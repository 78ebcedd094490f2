"""A private Kafka broker and PostgreSQL cluster for the fault runs, started with the same scripts as
the shared stack (``deploy/local/kafka.sh`` / ``postgres.sh``) under a temporary ``LB_LOCAL_DIR``
and free ports, so restarting them never disturbs anybody else's tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.system import ROOT, StackAddress
from tests.support.servers import free_ports

SCRIPTS = ROOT / "deploy" / "local"


class PrivateStack:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lb-faults-stack-"))
        self.dir.chmod(0o755)  # postgres.sh runs the server as an unprivileged user when root
        (self.dir / "kafka").mkdir()
        (self.dir / "kafka" / "libs").symlink_to(ROOT / ".local" / "kafka" / "libs")
        self.kafka_port, self.controller_port, self.pg_port = free_ports(3)
        self.address = StackAddress(kafka=f"127.0.0.1:{self.kafka_port}", pg_port=self.pg_port)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LB_LOCAL_DIR": str(self.dir),
            "LB_KAFKA_PORT": str(self.kafka_port),
            "LB_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "LB_PG_PORT": str(self.pg_port),
        }

    def run(self, script: str, command: str) -> None:
        done = subprocess.run(
            ["bash", str(SCRIPTS / script), command], env=self._env(), capture_output=True, timeout=180, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{script} {command} failed: {done.stderr.decode(errors='replace')[-800:]}")

    async def start(self) -> None:
        await asyncio.to_thread(self.run, "postgres.sh", "start")
        await asyncio.to_thread(self.run, "kafka.sh", "start")

    async def restart(self, which: str) -> None:
        await asyncio.to_thread(self.run, f"{which}.sh", "restart")

    async def remove(self) -> None:
        for script in ("kafka.sh", "postgres.sh"):
            try:
                await asyncio.to_thread(self.run, script, "stop")
            except Exception as exc:
                print(f"  ({script} stop: {exc})")
        shutil.rmtree(self.dir, ignore_errors=True)


class SharedStack:
    """The shared local stack (``--shared-stack``): restarts hit everybody using it."""

    address = StackAddress()

    async def start(self) -> None:
        return None

    async def restart(self, which: str) -> None:
        done = await asyncio.to_thread(
            subprocess.run, ["bash", str(SCRIPTS / f"{which}.sh"), "restart"], capture_output=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{which}.sh restart failed: {done.stderr.decode(errors='replace')[-800:]}")

    async def remove(self) -> None:
        return None
