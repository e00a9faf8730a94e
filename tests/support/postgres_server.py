"""A throwaway PostgreSQL server on loopback, for the tests and for .ci/run.

`python -m tests.support.postgres_server DIR` starts one with its data in DIR and prints its DSN (CI exports it as
TEST_DATABASE_URL). Tests call `start()` themselves when TEST_DATABASE_URL is not set.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.ports import free_port


class NoPostgres(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        raise NoPostgres(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)")
    return found


def start(base: Path) -> tuple[str, Callable[[], None]]:
    """Start a server with its files in `base`; returns its DSN and a function that stops it."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    # PostgreSQL refuses to run as root: as root (CI), run it as the postgres user the Debian package creates.
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise NoPostgres("running as root without runuser to start PostgreSQL as another user")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    data = base / "data"

    def run(*args: str) -> None:
        result = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise NoPostgres(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-500:]}")

    run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(pg_ctl, "-D", str(data), "-w", "-t", "60", "-l", str(base / "server.log"), "-o",
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", lambda: run(pg_ctl, "-D", str(data), "-m", "fast",
                                                                            "stop")


if __name__ == "__main__":
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    dsn, _ = start(directory)
    print(dsn)
