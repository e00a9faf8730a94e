"""How long the store may take, and how its connections are kept alive: a database that is slow, locked or
gone becomes an error for the request that asked (`StoreUnavailable`), never a wait that holds up others.

Slack gives a request 3 s; its store reads come first. CALL_SECONDS bounds one store call, queueing included,
so that the request can still answer (with "the database is unavailable") before Slack gives up.
"""

from __future__ import annotations

from typing import Any

CALL_SECONDS = 2.0
HEALTH_SECONDS = 1.0  # /healthz says 503 within this, whatever the database does
# What another instance (or process) changed is seen by each instance's cache within FRESH_SECONDS (README).
FRESH_SECONDS = 1.0
HEARTBEAT_SECONDS = 0.2  # how often that is checked while requests come
# PostgreSQL
POOL_SIZE = 10  # connections per instance (DATABASE_POOL_SIZE); instances × this must fit max_connections
POOL_WAIT_SECONDS = 1.5  # waiting for a free connection, inside CALL_SECONDS
CHECK_IDLE_SECONDS = 30.0  # a connection unused for this long is checked before it serves a request
PG_OPTIONS = "-c statement_timeout=1500 -c lock_timeout=1000 -c idle_in_transaction_session_timeout=5000"
# A dead link (failover, cable) must fail within seconds, not after TCP's default minutes.
PG_CONNECT: dict[str, Any] = {"connect_timeout": 2, "keepalives": 1, "keepalives_idle": 5,
                              "keepalives_interval": 1, "keepalives_count": 3, "tcp_user_timeout": 3000,
                              "application_name": "leonar-bot"}
# SQLite: how long a write waits for another process's write lock before giving up.
SQLITE_BUSY_SECONDS = 1.0
