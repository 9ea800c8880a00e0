"""A one-line progress display on stderr, for long scans on a terminal only."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_DELAY_S = 0.7  # short scans finish before any progress is drawn
_INTERVAL_S = 0.1


class Progress:
    """Counts items and bytes; redraws at most ten times a second once the scan is long."""

    def __init__(
        self, total_items: int, total_bytes: int, unit: str, enabled: bool, stream: TextIO | None = None
    ) -> None:
        self.total_items, self.total_bytes, self.unit = total_items, total_bytes, unit
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.items = self.bytes = 0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def advance(self, items: int, nbytes: int) -> None:
        """Record progress and redraw if due."""
        self.items += items
        self.bytes += nbytes
        now = time.monotonic()
        if self.enabled and now - self.started >= _DELAY_S and now - self._drawn_at >= _INTERVAL_S:
            self._draw(now)

    def close(self) -> None:
        """Erase the line so that the report starts clean."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        mb = self.bytes / 1e6
        if self.total_items:  # a total of 0 means "not known in advance" (e.g. a history range)
            percent = min(100.0, 100 * self.bytes / self.total_bytes) if self.total_bytes else 100.0
            line = (
                f"{self.items:,}/{self.total_items:,} {self.unit}  {mb:,.0f} MB  "
                f"{mb / elapsed:,.0f} MB/s  {percent:3.0f}%"
            )
        else:
            line = f"{self.items:,} {self.unit}  {mb:,.0f} MB  {mb / elapsed:,.0f} MB/s"
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._drawn_at, self._drawn = now, True
