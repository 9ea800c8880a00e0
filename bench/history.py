"""`leakscan git` on whole repositories against reading every object once, gitleaks and Kingfisher.

    python bench/history.py [REPO ...] [--repeat 3] [--synthetic-blobs 100000] [--smoke]

Each REPO (default: the requests and git mirrors under /work/.mirror) is cloned with `--mirror`
into a temporary folder (hard links: every tool sees the same objects and refs, and nothing is
written to the original). Per tool: median wall time, median peak RSS of the largest process,
and median peak memory of the tool's whole process tree (leakscan runs git and workers),
as the sum of proportional set sizes (shared pages counted once).
The floor is `git cat-file --batch-all-objects --batch` (every object, hash order) and the same
in pack order (`--unordered`, git's fastest read). Peers run through run_peer.sh (git mode,
offline); their time is the tool's own, from run_peer's meta file.

A synthetic history of --synthetic-blobs unique blobs (git fast-import) checks that leakscan's
memory does not grow with history length (0: skipped).

Last, start-up: `leakscan git` and `leakscan scan` on a one-commit repository, alternating,
--startup-runs each (median; 0: skipped): what a history scan costs beyond a tree scan of the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from peers import PEERS_HOME, leakscan

MIRRORS = ["/work/.mirror/psf+requests/repo", "/work/.mirror/git+git/repo"]
_SAMPLE_S = 0.05


def tree_memory(session: int) -> tuple[int, int]:
    """(sum of PSS, largest RSS) in KiB over the processes of a session.

    The sum is of proportional set sizes: pages several processes map (a pack file that git
    processes share, a forked worker's inherited heap) count once, split between them."""
    total = largest = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:  # field 6 of stat: session id
                continue
            rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
            with open(f"/proc/{entry}/smaps_rollup", "rb") as handle:
                pss = next(int(line.split()[1]) for line in handle if line.startswith(b"Pss:"))
        except (OSError, IndexError, ValueError, StopIteration):
            continue
        total += pss
        largest = max(largest, rss)
    return total, largest


def run_once(command: list[str], ok: tuple[int, ...] = (0, 1, 2)) -> tuple[float, float, float]:
    """Wall seconds, peak RSS of the largest process (MB) and peak PSS of the whole tree (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    peaks = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, largest = tree_memory(process.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], largest)
            done.wait(_SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"{command[0]} exited {process.returncode}: {stderr.decode()[-600:]}")
    return seconds, max(peaks[1], 0) / 1024, peaks[0] / 1024


def measure(command: list[str], repeat: int, meta: Path | None = None) -> tuple[float, float, float]:
    """Medians over `repeat` runs; with `meta`, the time is the peer's own (run_peer's meta file)."""
    runs = []
    for _ in range(repeat):
        seconds, largest, tree = run_once(command, ok=(0, 1, 2) if meta is None else (0,))
        if meta is not None:
            seconds = json.loads(meta.read_text())["seconds"]
        runs.append((seconds, largest, tree))
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]


def clone(mirror: str, into: Path, form: str) -> Path:
    """A copy every tool scans alike.

    "mirror": all refs (pull-request refs included) and the original pack, hard-linked: the
    repository as it is, missing objects and all. "fresh": branches and tags repacked by
    `git clone --no-local`: no missing or unreachable objects, so every tool can finish, and
    "all refs" and "the whole object store" mean the same thing."""
    name = Path(mirror).name if Path(mirror).name != "repo" else Path(mirror).parent.name.split("+")[-1]
    target = into / f"{name.removesuffix('.git')}-{form}.git"
    flags = ["--mirror"] if form == "mirror" else ["--bare", "--no-local"]
    subprocess.run(["git", "clone", "-q", *flags, mirror, str(target)], check=True)
    return target


def describe(repo: Path) -> str:
    """Blob count and size of a repository's object store."""
    listing = subprocess.run(
        ["git", "--git-dir", str(repo), "cat-file", "--batch-all-objects", "--unordered", "--batch-check"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\n")
    blobs = [line.split() for line in listing if b" blob " in line]
    return f"{len(blobs):,} blobs, {sum(int(b[2]) for b in blobs) / 1e6:,.0f} MB"


def commands(repo: Path, out: Path, ours: list[str]) -> dict[str, tuple[list[str], Path | None]]:
    """Each contender's command (and the meta file a peer's own time is read from)."""
    git_dir = f"--git-dir={repo}"
    tools: dict[str, tuple[list[str], Path | None]] = {
        "read all (hash order)": (
            ["sh", "-c", f"git {git_dir} cat-file --batch-all-objects --batch > /dev/null"],
            None,
        ),
        "read all (pack order)": (
            ["sh", "-c", f"git {git_dir} cat-file --batch-all-objects --batch --unordered > /dev/null"],
            None,
        ),
        "leakscan": (
            [
                *ours,
                "git",
                str(repo),
                "--format",
                "json",
                "-o",
                str(out / "leakscan.json"),
                "--no-progress",
            ],
            None,
        ),
    }
    runner = PEERS_HOME / "run_peer.sh"
    for tool in ("gitleaks", "kingfisher"):
        if (PEERS_HOME / "bin" / tool).exists():
            report = out / f"{tool}.json"
            tools[tool] = (
                ["bash", str(runner), tool, "git", str(repo), str(report)],
                Path(f"{report}.meta.json"),
            )
    return tools


def findings(out: Path, tool: str) -> str:
    """How many findings a tool reported."""
    path = out / f"{tool}.json"
    if not path.exists():
        return "-"
    doc = json.loads(path.read_text() or "[]")
    if isinstance(doc, dict):
        doc = doc.get("findings", doc.get("matches", []))
    return f"{len(doc):,}"


def compare(repo: Path, out: Path, repeat: int, ours: list[str]) -> None:
    """Print one table for one repository."""
    print(f"\n{repo.name}: {describe(repo)}; median of {repeat} run(s)", flush=True)
    subprocess.run(
        ["git", "--git-dir", str(repo), "cat-file", "--batch-all-objects", "--batch", "--unordered"],
        stdout=subprocess.DEVNULL,
        check=True,
    )  # warm the page cache
    rows = {}
    for tool, (command, meta) in commands(repo, out, ours).items():
        rows[tool] = measure(command, repeat, meta)
        print(f"  measured {tool}: {rows[tool][0]:.2f} s", flush=True)
    ours = rows["leakscan"][0]
    print(
        f"{'tool':<24} {'seconds':>8} {'RSS MB':>7} {'tree PSS':>8} {'findings':>9} {'time / leakscan':>16}"
    )
    for tool, (seconds, largest, tree) in rows.items():
        print(
            f"{tool:<24} {seconds:>8.2f} {largest:>7.0f} {tree:>8.0f} {findings(out, tool):>9} "
            f"{seconds / ours:>15.2f}x"
        )
    for floor in ("read all (hash order)", "read all (pack order)"):
        print(f"leakscan / {floor}: {ours / rows[floor][0]:.2f}")


def synthetic(into: Path, blobs: int, per_commit: int = 5) -> Path:
    """A repository of `blobs` unique small blobs over blobs / per_commit commits (git fast-import)."""
    repo = into / f"synthetic-{blobs}.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    importer = subprocess.Popen(
        ["git", "--git-dir", str(repo), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert importer.stdin is not None
    for number in range(blobs // per_commit):
        lines = [
            f"commit refs/heads/main\ncommitter Bench <bench@example.com> {1_600_000_000 + number} +0000\n"
            f"data 8\nchange {number % 10}\n"
        ]
        for slot in range(per_commit):
            content = f"file {slot} version {number}\nvalue = {number * per_commit + slot:x}\n".encode()
            lines.append(f"M 100644 inline dir{slot % 7}/file{slot}.txt\ndata {len(content)}\n")
            importer.stdin.write("".join(lines).encode() + content + b"\n")
            lines = []
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    return repo


def synthetic_run(into: Path, blobs: int, repeat: int, ours: list[str]) -> None:
    """Time and memory of `leakscan git` on a synthetic history of `blobs` small blobs."""
    repo = synthetic(into, blobs)
    command = [*ours, "git", str(repo), "--format", "json", "-o", str(into / "synthetic.json")]
    seconds, largest, tree = measure([*command, "--no-progress"], repeat)
    print(
        f"\nsynthetic history, {describe(repo)}: leakscan {seconds:.2f} s, "
        f"largest process {largest:.0f} MB, whole tree {tree:.0f} MB",
        flush=True,
    )


def startup(into: Path, ours: list[str], runs: int) -> None:
    """Median wall time of `leakscan git` and `leakscan scan` on a one-commit repository."""
    repo = into / "one-commit"
    repo.mkdir()
    (repo / "app.py").write_text('DEBUG = False\nNAME = "service"\n')
    git = ["git", "-C", str(repo), "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    times: dict[str, list[float]] = {"git": [], "scan": []}
    for _ in range(runs + 1):  # the first round warms the rules cache and the page cache
        for command, series in times.items():
            start = time.perf_counter()
            subprocess.run([*ours, command, str(repo)], stdout=subprocess.DEVNULL, check=True)
            series.append(time.perf_counter() - start)
    history, tree = (statistics.median(series[1:]) * 1000 for series in times.values())
    print(
        f"\nstart-up, one-commit repository, median of {runs}: leakscan git {history:.0f} ms, "
        f"leakscan scan {tree:.0f} ms ({history - tree:+.0f} ms)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic-blobs", type=int, default=100_000)
    parser.add_argument(
        "--smoke", action="store_true", help="one run, the smallest repository, 5k synthetic blobs"
    )
    parser.add_argument("--form", choices=["mirror", "fresh", "both"], default="both", help="see clone()")
    parser.add_argument("--leakscan", help="the leakscan command to run (default: this checkout's)")
    parser.add_argument("--startup-runs", type=int, default=21)
    args = parser.parse_args()
    repos = args.repos or (MIRRORS[:1] if args.smoke else MIRRORS)
    repeat = 1 if args.smoke else args.repeat
    forms = ["mirror", "fresh"] if args.form == "both" else [args.form]
    ours = args.leakscan.split() if args.leakscan else leakscan()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for mirror in repos:
            for form in forms:
                repo = clone(mirror, work, form)
                out = work / repo.name.removesuffix(".git")
                out.mkdir()
                compare(repo, out, repeat, ours)
        blobs = 5_000 if args.smoke else args.synthetic_blobs
        if blobs:
            synthetic_run(work, blobs, repeat, ours)
        runs = 5 if args.smoke else args.startup_runs
        if runs:
            startup(work, ours, runs)


if __name__ == "__main__":
    sys.exit(main())
