"""A minimal HTTP CONNECT proxy for tests: tunnels ``<host>:443`` to the sandbox's loopback TLS port
when ``host`` ends with the allowed suffix, and refuses everything else (403)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from tests.support.servers import free_port

READ_TIMEOUT = 10.0


class ConnectProxy:
    def __init__(self, *, target_port: int, allowed_suffix: str) -> None:
        self.target_port = target_port
        self.allowed_suffix = allowed_suffix
        self.tunnels: list[str] = []
        self.url = ""

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await asyncio.wait_for(reader.read(65536), READ_TIMEOUT):
                writer.write(data)
                await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or port != "443" or not host.endswith(self.allowed_suffix):
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                writer.close()
                return
            self.tunnels.append(host)
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), READ_TIMEOUT
            )
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            writer.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        port = free_port()
        loop = asyncio.new_event_loop()
        started = threading.Event()
        holder: dict[str, asyncio.Server] = {}

        async def serve() -> None:
            holder["server"] = await asyncio.start_server(self._handle, "127.0.0.1", port)
            started.set()

        def run() -> None:
            loop.run_until_complete(serve())
            loop.run_forever()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError("the CONNECT proxy did not start")
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self.url
        finally:

            async def stop() -> None:
                holder["server"].close()
                tunnels = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in tunnels:
                    task.cancel()
                await asyncio.gather(*tunnels, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
