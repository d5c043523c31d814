"""How the real run reports its steps, waits for things to happen and fails."""
from __future__ import annotations

import time


class Failed(Exception):
    pass


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def note(message: str) -> None:
    print(f"   {message}", flush=True)


def wait_for(what: str, probe, seconds: float = 60, every: float = 0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise Failed(f"timed out after {seconds:.0f}s waiting for {what}")
