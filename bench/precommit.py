"""Commit-hook latency: `leakscan git --staged` against `gitleaks git --staged`, same change, one run.

    python bench/precommit.py [--mirror MIRROR] [--repeat 21] [--rules PATH] [--smoke]

The mirror (default: flask, /work/.mirror/pallets+flask/repo) is cloned into a temporary folder,
where two changes are staged in turn: a 3-line change to one file, one line of which holds a fake
GitHub token (each tool must report it), and a clean 10-file change (20 lines each). Each tool runs
`repeat` times on each change, the tools taking turns run by run (the machine is shared and noisy);
the table quotes medians and leakscan / gitleaks. `--rules` adds rule files (a larger catalogue).
Floors: starting Python at all, and the one `git diff --cached` a staged scan cannot do without.
`leakscan` is a hook-only install (the `regex` engine: a hook never waits for a Hyperscan compile);
`leakscan, Hyperscan` has the compiled database that any full scan leaves in the cache.
Last, leakscan's start-up by module (`python -X importtime`), and its first run on an empty cache.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from statistics import median

from peers import PEERS_HOME, leakscan, measure, peer

DEFAULT_MIRROR = "/work/.mirror/pallets+flask/repo"
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def fake_github_token(seed: int) -> str:
    """A classic GitHub token shape with a valid CRC32 tail (made here, never a real one)."""
    alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase
    rng = random.Random(seed)
    body = "".join(rng.choice(alphabet) for _ in range(30))
    number, tail = zlib.crc32(body.encode()), ""
    while number:
        number, rest = divmod(number, 62)
        tail = alphabet[rest] + tail
    return "ghp_" + body + tail.rjust(6, "0")


def leakscan_package() -> str:
    """The folder of the leakscan package that the benchmark runs."""
    done = subprocess.run(
        [sys.executable, "-c", "import leakscan, os; print(os.path.dirname(leakscan.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )
    return done.stdout.decode()


def stage_small(repo: Path) -> None:
    """3-line change to 1 file (one line holds a fake token)"""
    path = repo / "src" / "flask" / "app.py"
    lines = path.read_text().splitlines(keepends=True)
    middle = len(lines) // 2
    added = ["# Deployment token for the release job.\n", f'RELEASE_TOKEN = "{fake_github_token(7)}"\n', "\n"]
    path.write_text("".join(lines[:middle] + added + lines[middle:]))
    git(repo, "add", "-A")


def stage_ten_files(repo: Path) -> None:
    """10-file change, 20 clean lines per file"""
    modules = sorted(p for p in (repo / "src" / "flask").rglob("*.py") if p.stat().st_size > 2000)[:10]
    for number, path in enumerate(modules):
        block = "".join(f"_BENCH_SETTING_{number}_{n} = {n * 7} + len('value {n}')\n" for n in range(20))
        path.write_text(path.read_text() + "\n" + block)
    git(repo, "add", "-A")


def commands(repo: Path, rules: list[str]) -> dict[str, list[str]]:
    """The floors and each tool's staged-scan command, as a hook runs it."""
    extra = [arg for path in rules for arg in ("--rules", path)]
    tools = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "git diff --cached": ["git", "-C", str(repo), "diff", "--cached", "--raw", "-p", "-z", "-U0", "-M"],
        "leakscan": [*leakscan(), "git", "--staged", "--no-progress", *extra],
        "leakscan, Hyperscan": [*leakscan(), "git", "--staged", "--no-progress", *extra],
    }
    gitleaks = peer("gitleaks")
    if gitleaks:
        config = str(PEERS_HOME / "config" / "gitleaks-default.toml")
        tools["gitleaks"] = [gitleaks, "git", "--staged", "--no-banner", "--redact", "--config", config, "."]
    return tools


def findings(repo: Path, tool: str, command: list[str], env: dict[str, str], out: Path) -> int:
    """How many findings the tool reports on the staged change (both must agree)."""
    report = out / f"{tool}.json"
    extra = (
        ["--format", "json", "-o", str(report)]
        if tool == "leakscan"
        else ["--report-format", "json", "--report-path", str(report)]
    )
    subprocess.run([*command, *extra], cwd=repo, env={**os.environ, **env}, capture_output=True)
    document = json.loads(report.read_text() or "[]")
    return len(document["findings"] if isinstance(document, dict) else document)


def time_turns(
    tools: dict[str, list[str]], repeat: int, repo: Path, envs: dict[str, dict[str, str]]
) -> dict[str, float]:
    """Median seconds per tool, the tools taking turns run by run."""
    seconds: dict[str, list[float]] = {tool: [] for tool in tools}
    for _ in range(repeat):
        for tool, command in tools.items():
            seconds[tool].append(measure(command, 1, cwd=repo, env=envs[tool])[0])
    return {tool: median(values) for tool, values in seconds.items()}


def compile_hyperscan(repo: Path, rules: list[str], cache: Path) -> None:
    """Fill `cache` as any full scan would: the rule set and its compiled Hyperscan database. A
    hook alone never compiles it (it would wait seconds); it uses it once it is there."""
    extra = [arg for path in rules for arg in ("--rules", path)]
    env = {**os.environ, "LEAKSCAN_CACHE_DIR": str(cache)}
    subprocess.run([*leakscan(), "scan", "README.md", *extra], cwd=repo, env=env, capture_output=True)


def import_breakdown(
    repo: Path, env: dict[str, str], rules: list[str], top: int = 12
) -> list[tuple[str, float]]:
    """leakscan's top-level imports by cumulative milliseconds (importtime inflates them a little)."""
    extra = [arg for path in rules for arg in ("--rules", path)]
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "leakscan",
        "git",
        "--staged",
        "--no-progress",
        *extra,
    ]
    done = subprocess.run(command, cwd=repo, env={**os.environ, **env}, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)  # depth 0: no indent
        if m:
            rows.append((m.group(2), int(m.group(1)) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:top]


def cold_run(repo: Path, command: list[str], tmp: Path) -> float:
    """leakscan's first run on an empty cache (rules parsed, Hyperscan database compiled)."""
    cold = tempfile.mkdtemp(dir=tmp, prefix="cold-cache-")
    return measure(command, 1, cwd=repo, env={"LEAKSCAN_CACHE_DIR": cold})[0]


def report(name: str, rows: dict[str, float], found: dict[str, int]) -> None:
    gitleaks = rows.get("gitleaks")
    print(f"\n{name}")
    print(f"  {'tool':<20} {'median s':>9} {'findings':>9} {'vs gitleaks':>12}")
    for tool, seconds in rows.items():
        ratio = f"{seconds / gitleaks:.2f}x" if gitleaks else "-"
        print(f"  {tool:<20} {seconds:>9.3f} {found.get(tool, '')!s:>9} {ratio:>12}")


def run_scenario(stage: Callable[[Path], None], repo: Path, tmp: Path, repeat: int, rules: list[str]) -> None:
    git(repo, "reset", "-q", "--hard")
    stage(repo)
    env = {"LEAKSCAN_CACHE_DIR": str(tmp / "cache")}
    tools = commands(repo, rules)
    envs = {tool: env for tool in tools} | {
        "leakscan, Hyperscan": {"LEAKSCAN_CACHE_DIR": str(tmp / "hs-cache")}
    }
    cold = cold_run(repo, tools["leakscan"], tmp)
    found = {t: findings(repo, t, tools[t], env, tmp) for t in ("leakscan", "gitleaks") if t in tools}
    report(stage.__doc__ or stage.__name__, time_turns(tools, repeat, repo, envs), found)
    print(f"  {'leakscan, cold cache':<20} {cold:>9.3f}   (first run after install or a rule change)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=DEFAULT_MIRROR)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--smoke", action="store_true", help="three runs each")
    parser.add_argument(
        "--rules", action="append", default=[], help="more rule files for leakscan (e.g. a larger catalogue)"
    )
    args = parser.parse_args()
    repeat = 3 if args.smoke else args.repeat
    # pip compiles an installed package's bytecode; a checkout whose environment forbids writing it
    # would recompile every module on every run (~25 ms) and measure that instead of leakscan.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(leakscan_package()))], check=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        repo = tmp / "repo"
        subprocess.run(["git", "clone", "-q", args.mirror, str(repo)], check=True)
        head = git(repo, "rev-parse", "--short", "HEAD").strip()
        rules = subprocess.run(
            [*leakscan(), "rules", "list", *(a for r in args.rules for a in ("--rules", r))],
            capture_output=True,
        )
        count = rules.stderr.decode().strip().splitlines()[-1]
        print(f"clone of {args.mirror} at {head}; leakscan with {count}; medians of {repeat} runs")
        compile_hyperscan(repo, args.rules, tmp / "hs-cache")
        for stage in (stage_small, stage_ten_files):
            run_scenario(stage, repo, tmp, repeat, args.rules)
        print("\nleakscan start-up, top-level imports (ms, cumulative, under -X importtime):")
        env = {"LEAKSCAN_CACHE_DIR": str(tmp / "cache")}
        for module, ms in import_breakdown(repo, env, args.rules):
            print(f"  {module:<40} {ms:>7.1f}")


if __name__ == "__main__":
    main()
