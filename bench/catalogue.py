"""Engine throughput with the full rule catalogue against a 20-rule baseline (issue 3 target: the
full catalogue within 1.5x of the baseline).

Single core, in-process: every readable text file under the corpus roots (default: this Python's
site-packages and standard library) is loaded once, then each engine scans every file with each
rule set. Repeats the timing and reports medians in MB/s and the ratio baseline/full.

    python bench/catalogue.py               # ~300 MB, 5 repeats
    python bench/catalogue.py --smoke       # ~5 MB, 1 repeat
    python bench/catalogue.py --megabytes 100 --repeat 5 /some/tree
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

from leakscan.matcher import build_engine, hyperscan_available
from leakscan.rules import RuleSet, load_rules

# The most common credential kinds: what a small scanner would ship with.
BASELINE = (
    "github-pat-classic", "github-oauth-token", "github-pat-fine-grained", "gitlab-pat",
    "slack-bot-token", "slack-webhook-url", "aws-access-key-id", "aws-secret-access-key",
    "google-api-key", "google-oauth-client-secret", "azure-storage-account-key",
    "stripe-secret-key", "sendgrid-api-key", "npm-access-token", "pypi-api-token",
    "openai-api-key", "anthropic-api-key", "private-key-rsa", "private-key-openssh", "jwt",
)  # fmt: skip


def corpus(roots: list[Path], limit: int) -> list[bytes]:
    """Text files (no NUL in the first 4 KiB, at most 1 MiB each) until `limit` bytes."""
    items: list[bytes] = []
    total = 0
    for root in roots:
        for directory, _dirs, files in os.walk(root):
            for name in sorted(files):
                try:
                    data = (Path(directory) / name).read_bytes()
                except OSError:
                    continue
                if len(data) > 1 << 20 or b"\0" in data[:4096]:
                    continue
                items.append(data)
                total += len(data)
                if total >= limit:
                    return items
    return items


def scan_time(engine: object, items: list[bytes]) -> float:
    """Seconds for one engine to scan every item once."""
    start = time.perf_counter()
    for item in items:
        engine.scan(item)
    return time.perf_counter() - start


def compare(small: RuleSet, large: RuleSet, name: str, items: list[bytes], repeat: int) -> tuple[float, ...]:
    """Median MB/s of engine `name` with each rule set; runs alternate so that noise from a shared
    machine hits both alike."""
    engines = (build_engine(small, name), build_engine(large, name))
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for engine, spent in zip(engines, timings, strict=True):
            spent.append(scan_time(engine, items))
    size = sum(len(item) for item in items) / 1e6
    return size / statistics.median(timings[0]), size / statistics.median(timings[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a quick pass over ~5 MB")
    args = parser.parse_args()
    if args.smoke:
        args.megabytes, args.repeat = 5, 1
    paths = sysconfig.get_paths()
    roots = args.roots or [Path(paths["purelib"]), Path(paths["stdlib"])]
    items = corpus(roots, args.megabytes * 1_000_000)
    full = load_rules()
    baseline = RuleSet(tuple(full.by_id(rule_id) for rule_id in BASELINE))
    os.environ.setdefault("LEAKSCAN_CACHE_DIR", tempfile.mkdtemp(prefix="leakscan-bench-"))
    size = sum(len(item) for item in items) / 1e6
    print(f"corpus: {len(items)} files, {size:.0f} MB; {args.repeat} repeats, medians")
    print(f"{'engine':<10} {'20 rules':>10} {f'{len(full.rules)} rules':>10} {'ratio':>6}")
    engines = ["hyperscan", "regex"] if hyperscan_available() else ["regex"]
    for name in engines:
        small, large = compare(baseline, full, name, items, args.repeat)
        print(f"{name:<10} {small:>7.0f} MB/s {large:>5.0f} MB/s {small / large:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
