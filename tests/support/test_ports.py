"""The ports handed to servers the tests start lie where the kernel never binds a socket asked for port 0."""

from __future__ import annotations

import socket

from tests.support import ports


def test_ports_are_free_below_the_ephemeral_range_and_not_handed_out_twice() -> None:
    handed = [ports.free_port() for _ in range(20)]
    assert len(set(handed)) == 20
    assert all(ports.FLOOR <= port < ports._ephemeral_start() for port in handed)
    for port in handed:
        with socket.socket() as sock:
            sock.bind(("0.0.0.0", port))


def test_a_port_something_listens_on_is_skipped_when_its_turn_comes_again() -> None:
    busy = ports.free_port()
    with socket.create_server(("127.0.0.1", busy)):
        handed = [ports.free_port() for _ in range(ports.SLICE)]  # once round the slice, past `busy`
    assert busy not in handed
