"""`leakscan scan` of a large real checkout against Kingfisher and gitleaks, in one run.

    python bench/tree.py [TARGET] [--repeat 5] [--smoke]

Without TARGET, git's own source tree is extracted from the mirror (/work/.mirror/git+git/repo,
or --mirror) into a temporary folder. Prints median wall time per tool, findings, and ratios,
with the cost of merely reading every file as the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from peers import PEERS_HOME, leakscan, measure, peer

DEFAULT_MIRROR = "/work/.mirror/git+git/repo"


def extract(mirror: str, into: Path) -> Path:
    """The HEAD tree of a bare repository, as plain files."""
    target = into / "tree"
    target.mkdir()
    archive = subprocess.run(["git", "--git-dir", mirror, "archive", "HEAD"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def commands(target: Path, out: Path) -> dict[str, list[str]]:
    """Each tool's directory-scan command (peers as PEERS.md runs them, offline)."""
    tools = {
        "read every file": ["sh", "-c", f"find {target} -type f -print0 | xargs -0 cat > /dev/null"],
        "leakscan": [
            *leakscan(),
            "scan",
            str(target),
            "--format",
            "json",
            "-o",
            str(out / "leakscan.json"),
            "--no-progress",
        ],
    }
    if peer("kingfisher"):
        tools["kingfisher"] = [
            peer("kingfisher"),
            "scan",
            str(target),
            "--git-history",
            "none",
            "--exclude",
            ".git",
            "--no-validate",
            "--no-update-check",
            "--format",
            "json",
            "--output",
            str(out / "kingfisher.json"),
            "--quiet",
        ]
    if peer("gitleaks"):
        tools["gitleaks"] = [
            peer("gitleaks"),
            "dir",
            str(target),
            "--config",
            str(PEERS_HOME / "config" / "gitleaks-default.toml"),
            "--no-banner",
            "--exit-code",
            "0",
            "--report-format",
            "json",
            "--report-path",
            str(out / "gitleaks.json"),
        ]
    return tools


def findings(out: Path, tool: str) -> str:
    """How many findings a tool reported."""
    path = out / f"{tool}.json"
    if not path.exists():
        return "-"
    doc = json.loads(path.read_text() or "[]")
    if isinstance(doc, dict):
        doc = doc.get("findings", [])
    return str(len(doc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?")
    parser.add_argument("--mirror", default=DEFAULT_MIRROR)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run each")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        target = Path(args.target) if args.target else extract(args.mirror, work)
        files = sum(1 for p in target.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 1e6
        print(f"target: {target} ({files:,} files, {size:,.0f} MB); median of {repeat} runs", flush=True)
        measure(commands(target, work)["read every file"], 1)  # warm the page cache
        rows = {tool: measure(cmd, repeat) for tool, cmd in commands(target, work).items()}
        base = rows["leakscan"][0]
        print(f"{'tool':<16} {'seconds':>8} {'peak RSS MB':>12} {'findings':>9} {'vs leakscan':>12}")
        for tool, (seconds, rss) in rows.items():
            print(
                f"{tool:<16} {seconds:>8.2f} {rss:>12.0f} {findings(work, tool):>9} {seconds / base:>11.2f}x"
            )


if __name__ == "__main__":
    main()
