"""A TCP proxy on 127.0.0.1 that delays every byte by a fixed time each way: PostgreSQL "a few ms away" for P5.

`python -m bench.latency_proxy TARGET_HOST TARGET_PORT DELAY_MS` listens on a free loopback port, prints it on
one line, and forwards each connection to the target. What is read at t is written at t + delay, in each
direction and independently of what follows it, so a round trip gains 2 × delay while throughput is not limited
(a stream of small writes is not delayed once per write). It runs in a process of its own so that the fakes'
threads in the benchmark process (one GIL) cannot add their own delay to the database's.

Bounded: at most MAX_CONNECTIONS at once (more are closed when accepted), at most MAX_CHUNKS reads in flight per
direction (reading pauses until they are written), and it exits when its standard input closes, which is when
the benchmark stops it or dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_CONNECTIONS = 64  # the bot holds up to DATABASE_POOL_SIZE (10) and a listener; the bench a few more
MAX_CHUNKS = 64  # of at most READ_SIZE bytes: 4 MB in flight per direction at most
READ_SIZE = 64 * 1024


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(MAX_CHUNKS)

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                return
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    delivering = asyncio.create_task(deliver())
    try:
        while not delivering.done() and (data := await reader.read(READ_SIZE)):
            await queue.put((loop.time() + delay, data))
        if not delivering.done():
            await queue.put((0.0, b""))  # end of stream: what is queued is still delivered on time
        await delivering
    except ConnectionError:
        pass
    finally:
        delivering.cancel()


async def serve(target_host: str, target_port: int, delay: float, stop: asyncio.Event) -> None:
    handlers: set[asyncio.Task[Any]] = set()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if len(handlers) >= MAX_CONNECTIONS:
            client_writer.close()
            return
        handler = asyncio.current_task()
        assert handler is not None
        handlers.add(handler)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            handlers.discard(handler)
            return
        pumps = [asyncio.create_task(_pump(client_reader, upstream_writer, delay)),
                 asyncio.create_task(_pump(upstream_reader, client_writer, delay))]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)  # one side closed: close both
        except asyncio.CancelledError:
            pass  # the proxy stops: asyncio's stream callback would report a cancelled handler as an error
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for writer in (client_writer, upstream_writer):
                writer.close()
            handlers.discard(handler)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await stop.wait()
        for task in list(handlers):
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


def main() -> None:
    host, port, delay_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    # Standard input is the benchmark's pipe: at its end (stopped, or the benchmark died) the proxy goes too.
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    loop.run_until_complete(serve(host, port, delay_ms / 1000, stop))


@contextlib.contextmanager
def latency_proxy(target_host: str, target_port: int, delay_ms: float) -> Iterator[int]:
    """Run the proxy in its own process for the block; yields the loopback port to connect to."""
    process = subprocess.Popen([sys.executable, "-m", "bench.latency_proxy", target_host, str(target_port),
                                str(delay_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[1])
    try:
        assert process.stdout is not None
        yield int(process.stdout.readline())
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
