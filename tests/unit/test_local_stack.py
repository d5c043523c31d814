"""make run's guards: it refuses a busy port before starting anything."""
import socket

import pytest

from app.devstack.local_stack import ensure_port_free


def test_a_busy_port_stops_make_run_with_advice():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match=f"port {port} is already in use.*PORT={port + 1} make run"):
            ensure_port_free(port)


def test_a_free_port_passes():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ensure_port_free(port)
