"""Load generator for P4, in its own process so it does not compete with the fakes for one GIL.

Reads [[body, headers], ...] as JSON from the file named by argv[2]. Opens one keep-alive connection per
request to argv[1] first (Slack's side keeps connections warm too), then writes every request at once and
times each from its write to the end of the bot's answer. Raw asyncio streams and pre-serialised requests keep
the generator's own work out of the figures (an httpx client added hundreds of milliseconds at 200 requests).
Prints the latencies in seconds (infinity for an answer other than 200, or none) as a JSON list.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


def serialise(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> float:
    started = time.monotonic()
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
    except (ConnectionError, asyncio.IncompleteReadError):  # closed by the bot (e.g. at its connection limit)
        return float("inf")
    elapsed = time.monotonic() - started
    return elapsed if head.startswith(b"HTTP/1.1 200") else float("inf")


async def burst(url: str, requests: list[tuple[str, dict[str, str]]]) -> list[float]:
    parts = urlsplit(url)
    payloads = [serialise(parts.netloc, parts.path, body.encode(), headers) for body, headers in requests]
    connections = [await asyncio.open_connection(parts.hostname, parts.port) for _ in payloads]
    latencies = await asyncio.gather(*(exchange(r, w, p) for (r, w), p in zip(connections, payloads, strict=True)))
    for _, writer in connections:
        writer.close()
    return list(latencies)


if __name__ == "__main__":
    with open(sys.argv[2]) as handle:
        loaded = json.load(handle)
    print(json.dumps(asyncio.run(burst(sys.argv[1], [(b, h) for b, h in loaded]))))
