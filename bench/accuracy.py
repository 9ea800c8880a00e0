"""Accuracy on the labelled corpus (tests/corpus.py): leakscan against the peer scanners.

    python bench/accuracy.py              # every cheap installed peer, directory and git modes
    python bench/accuracy.py --smoke      # leakscan, gitleaks and Kingfisher; directory mode only
    python bench/accuracy.py --all        # also whispers (semgrep per file: minutes)
    python bench/accuracy.py --keep DIR   # keep the corpus and every report in DIR

One row per tool and mode: findings, recall (overall, on provider formats, on generic kinds and
credential files), precision, hard negatives reported (documentation dummies among them) and
seconds. The working tree holds the credentials that are not
history-only; git mode must find all of them. A finding counts as true when it names a planted
credential's file and secret (equal, contained, or equal once the finding's base64/percent/JSON
form is decoded; detect-secrets only gives a SHA-1 of what it found). Lines are not compared here
(peers count them differently: gitleaks gives the line where a multi-line match starts, trufflehog2
none); tests/test_accuracy.py holds leakscan to exact lines. Peers run offline through
$LEAKSCAN_PEERS_HOME/run_peer.sh, as PEERS.md describes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import PEERS_HOME, REPO, leakscan

sys.path.insert(0, str(REPO / "tests"))
from corpus import Corpus, Reported, build_corpus, score  # noqa: E402

# (tool, mode, needs PEER_EMULATE): the cheap peers; whispers runs semgrep per file.
PEER_RUNS = [
    ("gitleaks", "dir", False),
    ("gitleaks", "git", False),
    ("kingfisher", "dir", False),
    ("kingfisher", "git", False),
    ("detect-secrets", "dir", False),
    ("secretlint", "dir", False),
    ("trufflehog2", "git", False),
]
SMOKE_RUNS = [("gitleaks", "dir", False), ("kingfisher", "dir", False)]
SLOW_RUNS = [("whispers", "dir", False)]


def run_leakscan(corpus: Corpus, mode: str, out: Path) -> tuple[list[Reported], float] | None:
    """leakscan's findings in `mode` ("dir" or "git"), or None when this build has no git mode."""
    report = out / f"leakscan.{mode}.json"
    command = "scan" if mode == "dir" else "git"
    if mode == "git" and subprocess.run([*leakscan(), "git", "--help"], capture_output=True).returncode:
        return None
    args = [*leakscan(), command, str(corpus.root), "--format", "json", "-o", str(report)]
    start = time.perf_counter()
    proc = subprocess.run([*args, "--show-secrets", "--no-progress"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"leakscan {command} exited {proc.returncode}: {proc.stderr.strip()}")
    findings = json.loads(report.read_text())["findings"]
    return [_leakscan_row(corpus, f) for f in findings], seconds


def _leakscan_row(corpus: Corpus, finding: dict) -> Reported:
    path = finding["path"]
    if os.path.isabs(path):
        path = os.path.relpath(path, corpus.root)
    return Reported(finding["rule_id"], path, finding["line"], finding["secret"])


def run_peer(
    corpus: Corpus, tool: str, mode: str, emulate: bool, out: Path
) -> tuple[list[Reported], float] | None:
    """A peer's normalised findings, or None when it is not installed or failed."""
    runner = PEERS_HOME / "run_peer.sh"
    if not runner.exists() or not (PEERS_HOME / "bin" / tool).exists():
        return None
    report = out / f"{tool}.{mode}.json"
    env = {**os.environ, "PEER_EMULATE": "1" if emulate else "0"}
    start = time.perf_counter()
    proc = subprocess.run(
        [str(runner), tool, mode, str(corpus.root), str(report)], env=env, capture_output=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"  {tool} {mode}: run_peer exited {proc.returncode}", file=sys.stderr)
        return None
    meta = Path(f"{report}.meta.json")
    normalised = subprocess.run(
        [
            sys.executable,
            str(PEERS_HOME / "peer_helpers.py"),
            "normalize",
            tool,
            str(report),
            "--meta",
            str(meta),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in normalised.stdout.splitlines() if line.strip()]
    return [_peer_row(row) for row in rows], seconds


def _peer_row(row: dict) -> Reported:
    return Reported(
        row.get("rule") or "",
        row.get("file") or "",
        row.get("line"),
        row.get("secret") or "",
        tuple(row.get("related") or ()),
    )


def table_row(tool: str, mode: str, corpus: Corpus, outcome: tuple[list[Reported], float]) -> str:
    """One row of the table for one tool in one mode."""
    findings, seconds = outcome
    result = score(corpus, findings, mode == "git", lines=False)
    dummies = sum(d.kind.endswith("dummy") for d in result.decoys_reported)
    return (
        f"| {tool} | {mode} | {len(findings)} | {result.recall:.2f} | {result.recall_of(False):.2f} | "
        f"{result.recall_of(True):.2f} | {result.precision:.2f} | {len(result.decoys_reported)} | "
        f"{dummies} | {seconds:.1f} |"
    )


def header(corpus: Corpus) -> str:
    """What the corpus holds, and the table's head."""
    dummies = sum(d.kind.endswith("dummy") for d in corpus.decoys)
    return (
        f"corpus: {len(corpus.planted)} planted credentials of {len(corpus.kinds())} kinds "
        f"({len(corpus.expected(history=False))} in the working tree), {len(corpus.decoys)} hard "
        f"negatives ({dummies} documentation dummies)\n\n"
        "| tool | mode | findings | recall | provider formats | generic and files | precision "
        "| hard negatives reported | dummies reported | s |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="leakscan, gitleaks, Kingfisher; directory mode")
    parser.add_argument("--all", action="store_true", help="also the slow peers (whispers)")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus and keep the reports here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus = build_corpus(work / "repo")
        print(header(corpus))
        for mode in ["dir"] if args.smoke else ["dir", "git"]:
            outcome = run_leakscan(corpus, mode, work)
            if outcome is not None:
                print(table_row("leakscan", mode, corpus, outcome), flush=True)
        runs = SMOKE_RUNS if args.smoke else PEER_RUNS + (SLOW_RUNS if args.all else [])
        for tool, mode, emulate in runs:
            outcome = run_peer(corpus, tool, mode, emulate, work)
            if outcome is not None:
                print(table_row(tool, mode, corpus, outcome), flush=True)


if __name__ == "__main__":
    main()
