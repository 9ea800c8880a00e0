"""Sweep throughput: 20 synthetic repositories swept with 1 and 2 local workers, then a no-op rerun.

    python bench/sweep.py               # 3 runs each, medians
    python bench/sweep.py --runs 5 --repos 40 --commits 60

Each repository gets `--commits` commits of source-like files (a few hundred KB of history), two
of them with a planted token. Ratios are taken within one run: 2 workers against 1 (the ideal is
0.5 on two free cores), and the rerun against the first sweep (it reads refs and the datastore's
scanned blobs, lists history, and scans nothing).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from gitrepo import git  # noqa: E402
from tokens import github_token  # noqa: E402


def build(root: Path, repos: int, commits: int) -> None:
    """`repos` repositories of `commits` commits each, deterministic."""
    rng = random.Random(7)
    words = ["def", "return", "self", "value", "config", "import", "class", "for", "in", "if", "else"]
    for n in range(repos):
        path = root / f"repo{n:02d}"
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", "main")
        for c in range(commits):
            for f in range(3):
                lines = (" ".join(rng.choice(words) for _ in range(10)) for _ in range(120))
                (path / f"mod{f}_{c % 7}.py").write_text("\n".join(lines) + "\n")
            if c in (commits // 3, commits // 2):
                (path / "settings.env").write_text(f"TOKEN={github_token(n * 100 + c)}\n")
            (path / "NOTES").write_text("".join(rng.choice(string.ascii_letters) for _ in range(400)))
            git(path, "add", "-A")
            git(path, "commit", "-q", "-m", f"c{c}")


def timed(args: list[str]) -> float:
    """Wall seconds of one `leakscan` command (exit 0 or 1 expected)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "leakscan", *args], capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"leakscan {' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--commits", type=int, default=40)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repos"
        build(root, options.repos, options.commits)
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and "/.git/" in str(f))
        print(f"{options.repos} repositories, {options.commits} commits each, {size / 1e6:.1f} MB of .git")
        rows: dict[str, list[float]] = {"1 worker": [], "2 workers": [], "rerun (no-op)": []}
        for run in range(options.runs):
            for jobs, label in ((1, "1 worker"), (2, "2 workers")):
                db = os.path.join(scratch, f"sweep-{run}-{jobs}.db")
                rows[label].append(timed(["sweep", "--db", db, "--no-progress", "-j", str(jobs), str(root)]))
            rows["rerun (no-op)"].append(timed(["sweep", "--db", db, "--no-progress", "-j", "2", str(root)]))
        one = statistics.median(rows["1 worker"])
        for label, times in rows.items():
            median = statistics.median(times)
            print(f"{label:<15} median {median:6.2f} s   ratio to 1 worker {median / one:5.2f}")


if __name__ == "__main__":
    main()
