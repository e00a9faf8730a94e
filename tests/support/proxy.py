"""A round-robin TCP proxy on 127.0.0.1: each new connection goes to the next backend, as a load balancer
without sticky sessions would. Bytes are relayed unchanged, so whatever a client does over one connection
(keep-alive included) stays on one backend: a client that means to reach every backend opens a connection per
request."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections import Counter

BUFFER = 65536


class RoundRobinProxy:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        assert backends and all(host == "127.0.0.1" for host, _ in backends), "loopback backends only"
        self.backends = backends
        self.connections: Counter[int] = Counter()  # backend index -> connections relayed to it
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = threading.Event()
        self._flowing = threading.Event()
        self._flowing.set()
        self._thread = threading.Thread(target=self._accept, name="round-robin-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def freeze(self) -> None:
        """Bytes stop going through, connections stay open: a backend that stopped answering (a network cut)."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed.set()
        self._flowing.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way: close() alone does not
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                index = next(self._next)
                self.connections[index] += 1
            try:
                upstream = socket.create_connection(self.backends[index], timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(BUFFER):
                self._flowing.wait()
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            # Half-close so the other direction can finish; the last pump to end closes both.
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)
            with self._lock:
                done = source in self._open and target in self._open
                if done:
                    self._open.discard(source)
                else:
                    self._open.discard(target)
            if not done:
                source.close()
                target.close()
