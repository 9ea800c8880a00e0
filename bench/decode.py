"""What decoding costs: detection throughput with and without rescanning decoded text.

Single core, in-process, the whole detection stage (matching, validation, decoding and rescan,
locating) over real text: every readable file under the roots (default: this Python's
site-packages and standard library; pass git's source tree for C and shell). Also counts the
encoded spans found and decoded per MB, and the findings decoding adds. Medians of --repeat runs.

    python bench/decode.py                  # ~200 MB, 5 repeats
    python bench/decode.py --smoke          # ~5 MB, 1 repeat
    python bench/decode.py /tmp/git-tree --megabytes 60
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from engine import collect_text
from leakscan.detect import DECODE_BUDGET, Detector
from leakscan.matcher import build_engine, hyperscan_available
from leakscan.rules import load_rules
from leakscan.validate.decode import SpanFinder


def throughputs(detectors: list[Detector], items: list[bytes], repeat: int) -> list[tuple[float, int]]:
    """Median MB/s of each detector over every item, and the findings it made. The detectors take
    turns, run after run, so that a busy moment on a shared machine hits them alike."""
    size = sum(len(item) for item in items) / 1e6
    timings: list[list[float]] = [[] for _ in detectors]
    found = [0] * len(detectors)
    for _ in range(repeat):
        for n, detector in enumerate(detectors):
            start = time.perf_counter()
            found[n] = sum(len(detector.detect(item).hits) for item in items)
            timings[n].append(time.perf_counter() - start)
    return [(size / statistics.median(t), f) for t, f in zip(timings, found, strict=True)]


def spans(items: list[bytes]) -> dict[str, int]:
    """Encoded spans found (and so decoded and rescanned), by kind."""
    counts: dict[str, int] = {}
    finder = SpanFinder()
    for item in items:
        for span in finder.find(item, DECODE_BUDGET):
            counts[span.kind] = counts.get(span.kind, 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a quick pass over ~5 MB")
    args = parser.parse_args()
    if args.smoke:
        args.megabytes, args.repeat = 5, 1
    paths = sysconfig.get_paths()
    roots = [str(root) for root in args.roots] or [paths["stdlib"], paths["purelib"]]
    items = collect_text(roots, args.megabytes * 1_000_000)
    os.environ.setdefault("LEAKSCAN_CACHE_DIR", tempfile.mkdtemp(prefix="leakscan-bench-"))
    rules = load_rules()
    size = sum(len(item) for item in items) / 1e6
    counts = spans(items)
    per_mb = ", ".join(f"{kind} {n / size:.1f}" for kind, n in sorted(counts.items()))
    print(f"corpus: {len(items)} files, {size:.0f} MB; {len(rules.rules)} rules; medians of {args.repeat}")
    print(f"encoded spans decoded per MB: {per_mb or 'none'}")
    print(f"{'engine':<10} {'no decoding':>12} {'decoding':>12} {'cost':>6} {'findings':>9} {'+decoded':>9}")
    for name in ["hyperscan", "regex"] if hyperscan_available() else ["regex"]:
        engine = build_engine(rules, name)
        detectors = [Detector(rules, engine, decode=False), Detector(rules, engine, decode=True)]
        (plain, plain_found), (full, full_found) = throughputs(detectors, items, args.repeat)
        print(
            f"{name:<10} {plain:>7.1f} MB/s {full:>7.1f} MB/s {plain / full:>5.2f}x "
            f"{plain_found:>9} {full_found - plain_found:>+9}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
