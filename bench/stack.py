"""The Kafka broker and PostgreSQL cluster a fault run may restart or hang.

- ``PrivateStack()``: a private pair started with the same scripts as the shared stack
  (``deploy/local/kafka.sh`` / ``postgres.sh``) under a temporary ``LB_LOCAL_DIR`` and free ports,
  removed afterwards.
- ``PrivateStack.from_env()`` (``--stack-env``): a pair already started with
  ``deploy/local/stack.sh up`` under ``LB_LOCAL_DIR``, ``LB_PG_PORT``, ``LB_KAFKA_PORT`` and
  ``LB_KAFKA_CONTROLLER_PORT``; left running. The shared ports are refused.
- ``SharedStack`` (``--shared-stack``): restarts hit everybody; hanging PostgreSQL is refused.

Hanging PostgreSQL = SIGSTOP of its postmaster and every server process of that cluster (found
from ``postmaster.pid``), SIGCONT later: the server neither refuses nor answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bench.fault_measure import read_process_cpu_s
from bench.system import ROOT, StackAddress
from tests.support.servers import free_ports

SCRIPTS = ROOT / "deploy" / "local"
SHARED_PORTS = {"pg": 15432, "kafka": 19092}


def _kafka_libs() -> Path:
    return Path(os.environ.get("LB_LOCAL_DIR") or ROOT / ".local") / "kafka" / "libs"


def server_pids(data_dir: Path) -> list[int]:
    """The postmaster of the cluster in ``data_dir`` and its child processes (backends, workers)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


class PrivateStack:
    def __init__(self, local_dir: Path | None = None, ports: tuple[int, int, int] | None = None) -> None:
        self.owned = local_dir is None
        if local_dir is None:
            local_dir = Path(tempfile.mkdtemp(prefix="lb-faults-stack-"))
            local_dir.chmod(0o755)  # postgres.sh runs the server as an unprivileged user when root
            (local_dir / "kafka").mkdir()
            (local_dir / "kafka" / "libs").symlink_to(_kafka_libs())
        self.dir = local_dir
        self.kafka_port, self.controller_port, self.pg_port = ports or free_ports(3)
        if self.pg_port == SHARED_PORTS["pg"] or self.kafka_port == SHARED_PORTS["kafka"]:
            raise SystemExit("refusing the shared stack's ports for a private stack (see --shared-stack)")
        self.address = StackAddress(kafka=f"127.0.0.1:{self.kafka_port}", pg_port=self.pg_port)
        self._stopped: list[int] = []

    @classmethod
    def from_env(cls) -> PrivateStack:
        """The stack ``deploy/local/stack.sh up`` started under these variables."""
        env = os.environ
        missing = [
            v for v in ("LB_LOCAL_DIR", "LB_PG_PORT", "LB_KAFKA_PORT", "LB_KAFKA_CONTROLLER_PORT") if not env.get(v)
        ]
        if missing:
            raise SystemExit(f"--stack-env needs {', '.join(missing)}")
        ports = (int(env["LB_KAFKA_PORT"]), int(env["LB_KAFKA_CONTROLLER_PORT"]), int(env["LB_PG_PORT"]))
        return cls(Path(env["LB_LOCAL_DIR"]), ports)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LB_LOCAL_DIR": str(self.dir),
            "LB_KAFKA_PORT": str(self.kafka_port),
            "LB_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "LB_PG_PORT": str(self.pg_port),
            # a broker (re)started while several runs load the machine can take minutes to answer
            "LB_KAFKA_START_TIMEOUT": os.environ.get("LB_KAFKA_START_TIMEOUT", "240"),
        }

    def run(self, script: str, command: str) -> None:
        done = subprocess.run(
            ["bash", str(SCRIPTS / script), command], env=self._env(), capture_output=True, timeout=300, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{script} {command} failed: {done.stderr.decode(errors='replace')[-800:]}")

    async def start(self) -> None:
        await asyncio.to_thread(self.run, "postgres.sh", "start")
        await asyncio.to_thread(self.run, "kafka.sh", "start")

    async def restart(self, which: str) -> None:
        await asyncio.to_thread(self.run, f"{which}.sh", "restart")

    def pause_postgres(self) -> int:
        """SIGSTOP every server process of this cluster; returns how many were stopped."""
        self._stopped = server_pids(self.dir / "postgres" / "data")
        for pid in self._stopped:
            os.kill(pid, signal.SIGSTOP)
        return len(self._stopped)

    def resume_postgres(self) -> None:
        """SIGCONT what ``pause_postgres`` stopped (and any child forked since)."""
        pids = set(self._stopped)
        with contextlib.suppress(OSError):
            pids.update(server_pids(self.dir / "postgres" / "data"))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._stopped = []

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds the pair has used so far: the broker process (its current one: a broker
        restarted mid-run counts from its restart) and the PostgreSQL cluster (postmaster, its
        ended backends, the live ones)."""
        out: dict[str, float] = {}
        with contextlib.suppress(OSError, ValueError):
            broker = int((self.dir / "kafka" / "kafka.pid").read_text().split()[0])
            out["kafka"] = round(read_process_cpu_s(broker) or 0.0, 1)
        with contextlib.suppress(OSError, ValueError):
            postmaster, *backends = server_pids(self.dir / "postgres" / "data")
            total = read_process_cpu_s(postmaster, reaped_children=True) or 0.0
            out["postgres"] = round(total + sum(read_process_cpu_s(pid) or 0.0 for pid in backends), 1)
        return out

    async def remove(self) -> None:
        if self._stopped:
            self.resume_postgres()
        if not self.owned:
            return
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

    def pause_postgres(self) -> int:
        raise RuntimeError("hanging the shared PostgreSQL is refused: run without --shared-stack")

    def resume_postgres(self) -> None:
        return None

    def cpu_s(self) -> dict[str, float]:
        return {}  # shared with everybody: not this invocation's

    async def remove(self) -> None:
        return None
