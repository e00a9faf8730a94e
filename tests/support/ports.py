"""Ports for servers that must be told their port before they listen (`python -m bot`, PostgreSQL, uvicorn).

A port the kernel picked for a socket bound to 0 and then released can be handed out again at once to any other
socket bound to 0 — another xdist worker's fakes, an outgoing connection — and the server told that port then fails
to start or, worse, someone else answers its /healthz (CI saw a 404 from a fake). So ports are taken below the
kernel's ephemeral range, where binding to 0 never lands: each xdist worker in its own slice, from a random place
in it (two suites may run at once), each checked free before it is handed out."""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

SLICE = 400
FLOOR = 10_000  # below this, ports that well-known services listen on


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _candidates() -> Iterator[int]:
    slices = max(1, (_ephemeral_start() - FLOOR) // SLICE)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw3"; absent outside pytest -n (bench, tryouts)
    index = int(worker[2:]) if worker[2:].isdigit() else slices - 1
    base = FLOOR + (index % slices) * SLICE
    start = random.randrange(SLICE)
    return (base + (start + step) % SLICE for step in itertools.count())


_ports = _candidates()


def free_port() -> int:
    """A port nothing listens on now, on any address, that no socket bound to 0 will be given meanwhile."""
    for port in itertools.islice(_ports, 2 * SLICE):
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue  # held, or in TIME_WAIT: the next one
            return port
    raise RuntimeError(f"no free port in this worker's slice of {SLICE}")
