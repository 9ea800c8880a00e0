"""The progress line: counts, rate and (when known) the total."""

from __future__ import annotations

import io

from leakscan.progress import Progress


def drawn(progress: Progress, stream: io.StringIO) -> str:
    progress.started -= 10  # as if the scan had been running for ten seconds
    progress.advance(3, 30_000_000)
    return stream.getvalue().rsplit("\r\x1b[K", 1)[-1]


def test_known_total_shows_counts_and_percent():
    stream = io.StringIO()
    line = drawn(Progress(12, 120_000_000, "blobs", enabled=True, stream=stream), stream)
    assert line == "3/12 blobs  30 MB  3 MB/s   25%"


def test_unknown_total_shows_counts_and_rate_only():
    stream = io.StringIO()
    line = drawn(Progress(0, 0, "blobs", enabled=True, stream=stream), stream)
    assert line == "3 blobs  30 MB  3 MB/s"


def test_disabled_draws_nothing():
    stream = io.StringIO()
    assert drawn(Progress(12, 120_000_000, "blobs", enabled=False, stream=stream), stream) == ""
