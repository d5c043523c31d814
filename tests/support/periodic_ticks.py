"""Run one line of the periodic table as the tick runs it (its interval lock included)."""
from app.jobs.periodic import PERIODIC, run_table


def tick(name: str) -> int:
    """The count the entry `name` reports on this tick (0 while its interval holds)."""
    (entry,) = [entry for entry in PERIODIC if entry.name == name]
    counts = run_table([entry])
    assert "failed" not in counts, counts["failed"]
    return counts[name]
