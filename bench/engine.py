"""Single-core engine throughput: Hyperscan vs the pure-`regex` engine, full catalogue vs 20 rules.

    python bench/engine.py [--mb 300] [--repeat 3] [--root DIR ... | --git REPO] [--smoke]

Reads up to --mb of real text files (default: this Python's standard library and site-packages;
with --git, a repository's text blobs in pack order, what a history scan reads),
then times, on one core, each engine's `scan` over every file as one item (what a tree scan
does), and the full per-item pipeline (`Detector.detect`: matching, validation, locating).
Prints MB/s medians and the ratios the project tracks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leakscan.detect import build_detector  # noqa: E402
from leakscan.matcher import build_engine, hyperscan_available  # noqa: E402
from leakscan.rules import RuleSet, load_rules  # noqa: E402


def collect_text(roots: list[str], limit: int) -> list[bytes]:
    """Text files (no NUL in the first 8 KB) under `roots`, up to `limit` bytes in total."""
    items: list[bytes] = []
    total = 0
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in sorted(files):
                try:
                    data = Path(folder, name).read_bytes()
                except OSError:
                    continue
                if not data or b"\0" in data[:8192] or len(data) > 8 << 20:
                    continue
                items.append(data)
                total += len(data)
                if total >= limit:
                    return items
    return items


def collect_blobs(repo: str, limit: int) -> list[bytes]:
    """Text blobs (no NUL in the first 8 KB) of `repo`, in pack order, up to `limit` bytes in total."""
    command = ["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    items: list[bytes] = []
    total = 0
    with subprocess.Popen(command, stdout=subprocess.PIPE) as git:
        assert git.stdout is not None
        while total < limit:
            header = git.stdout.readline().split()
            if not header:
                break
            data = git.stdout.read(int(header[2]) + 1)[:-1]
            if header[1] == b"blob" and data and b"\0" not in data[:8192] and len(data) <= 8 << 20:
                items.append(data)
                total += len(data)
        git.kill()
    return items


def every_nth(rules: RuleSet, count: int) -> RuleSet:
    """`count` rules spread evenly over the catalogue."""
    step = max(1, len(rules.rules) // count)
    return RuleSet(rules.rules[::step][:count])


def throughput(scan, items: list[bytes], repeat: int) -> float:
    """Median MB/s of `scan` over all items."""
    size = sum(map(len, items))
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for data in items:
            scan(data)
        rates.append(size / 1e6 / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--root", action="append")
    parser.add_argument("--git", help="read the text blobs of this repository instead of files")
    parser.add_argument("--smoke", action="store_true", help="10 MB, one repeat")
    args = parser.parse_args()
    if args.smoke:
        args.mb, args.repeat = 10, 1
    roots = args.root or [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]]
    limit = int(args.mb * 1e6)
    items = collect_blobs(args.git, limit) if args.git else collect_text(roots, limit)
    size = sum(map(len, items)) / 1e6
    full = load_rules()
    print(f"{size:,.0f} MB of text in {len(items):,} files; {len(full.rules)} rules; one core")
    engines = ["hyperscan", "regex"] if hyperscan_available() else ["regex"]
    results: dict[tuple[str, str, str], float] = {}
    for engine in engines:
        for label, rules in (("all rules", full), ("20 rules", every_nth(full, 20))):
            matcher = build_engine(rules, engine)
            results[engine, label, "match"] = throughput(matcher.scan, items, args.repeat)
            detector = build_detector(rules, engine)  # as scans build it: the gates ride the rules' pass
            results[engine, label, "detect"] = throughput(detector.detect, items, args.repeat)
    print(f"{'engine':<10} {'rules':<10} {'match MB/s':>11} {'pipeline MB/s':>14}")
    for engine in engines:
        for label in ("all rules", "20 rules"):
            print(
                f"{engine:<10} {label:<10} {results[engine, label, 'match']:>11,.0f}"
                f" {results[engine, label, 'detect']:>14,.0f}"
            )
    for engine in engines:
        ratio = results[engine, "20 rules", "detect"] / results[engine, "all rules", "detect"]
        print(f"{engine}: 20 rules / all rules = {ratio:.2f}x (target <= 1.5x)")
    if len(engines) == 2:
        ratio = results["hyperscan", "all rules", "detect"] / results["regex", "all rules", "detect"]
        print(f"hyperscan / regex, all rules: {ratio:.1f}x")


if __name__ == "__main__":
    main()
