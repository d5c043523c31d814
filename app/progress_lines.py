"""Progress of long command-line work as plain lines on stderr.

`backfill: 1,200 of 3,000 orders, page 24, 45 s`: a line once every `every` items or every
`seconds` seconds, whichever comes first, and a last one when the work is done. Lines, not a
bar, so that a terminal, a log file and CI all show the same; stderr, so that the command's
result on stdout stays clean for scripts.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import click


class ProgressLines:
    def __init__(self, label: str, unit: str = "orders", total: int | None = None, every: int = 500,
                 seconds: float = 5.0, clock: Callable[[], float] = time.monotonic,
                 echo: Callable[[str], None] | None = None):
        self.label, self.unit, self.total, self.every, self.seconds = label, unit, total, every, seconds
        self.clock, self.echo = clock, echo or (lambda line: click.echo(line, err=True))
        self.count, self.started = 0, clock()
        self.pages: int | None = None
        self._printed_at, self._printed_count = self.started, 0

    def __call__(self, done: int = 1) -> None:
        """`done` more items; prints when enough items or seconds have passed since the last line."""
        self.count += done
        if self.count - self._printed_count >= self.every or self.clock() - self._printed_at >= self.seconds:
            self.line()

    def page(self, number: int) -> None:
        """The page (of a paginated API) now being read."""
        self.pages = number

    def line(self, note: str = "") -> None:
        of = f" of {self.total:,}" if self.total is not None else ""
        page = f", page {self.pages}" if self.pages is not None else ""
        elapsed = self.clock() - self.started
        self.echo(f"{self.label}: {self.count:,}{of} {self.unit}{page}, {elapsed:.0f} s{note}")
        self._printed_at, self._printed_count = self.clock(), self.count

    def done(self) -> None:
        self.line(", done")
