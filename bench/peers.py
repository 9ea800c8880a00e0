"""Run commands and peer scanners for the benchmarks: wall time, peak RSS, medians.

The peers are the ones ../shared/peers/install.sh installs (into $LEAKSCAN_PEERS_HOME, default
~/.cache/leakscan-peers), each run with the flags PEERS.md documents (offline, JSON out).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PEERS_HOME = Path(os.environ.get("LEAKSCAN_PEERS_HOME", Path.home() / ".cache" / "leakscan-peers"))
REPO = Path(__file__).resolve().parents[1]


def measure(
    command: list[str],
    repeat: int,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0, 1, 200, 205),
) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MB, largest single process of the command's tree)
    over `repeat` runs, each measured by a fresh probe process so that peaks do not carry over."""
    times, peaks = [], []
    for _ in range(repeat):
        probe = [sys.executable, __file__, "--probe", *command]
        out = subprocess.run(
            probe, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
        )
        seconds, rss, code = out.stdout.split()
        if int(code) not in ok:
            raise SystemExit(f"{command[0]} exited {code}: {out.stderr.strip()[-400:]}")
        times.append(float(seconds))
        peaks.append(float(rss))
    return statistics.median(times), statistics.median(peaks)


def peer(tool: str) -> str | None:
    """Path of an installed peer's wrapper, or None."""
    path = PEERS_HOME / "bin" / tool
    return str(path) if path.exists() else None


def leakscan() -> list[str]:
    """The leakscan command of this checkout's environment."""
    found = shutil.which("leakscan", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "leakscan"]


def _probe(command: list[str]) -> None:
    start = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
    print(f"{seconds:.4f} {rss:.1f} {proc.returncode}")


if __name__ == "__main__" and sys.argv[1:2] == ["--probe"]:
    _probe(sys.argv[2:])
