"""Run LedgerBridge services and sandboxes as real OS processes for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".local" / "logs" / "e2e"


@dataclass
class ServiceProcess:
    """One service run as ``python -m <module>`` (or uvicorn for a sandbox) on its own port."""

    name: str
    argv: list[str]
    env: dict[str, str]
    health_path: str = "/healthz"
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}-{self.port}.log"

    def start(self, timeout: float = 60) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "LB_HTTP_PORT": str(self.port), "LB_HTTP_HOST": "127.0.0.1"}
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
            )
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log: {self.tail()}")
            try:
                if httpx.get(self.url + self.health_path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s; log: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def python_module(name: str, module: str, env: dict[str, str]) -> ServiceProcess:
    return ServiceProcess(name=name, argv=[sys.executable, "-m", module], env=env)


def uvicorn_factory(name: str, factory: str, env: dict[str, str], health_path: str) -> ServiceProcess:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    return ServiceProcess(name=name, argv=argv, env=env, health_path=health_path)
