"""Whether a change to the history scan kept its findings: record them once, compare after.

    python bench/same_findings.py record OUT_DIR [REPO ...]
    python bench/same_findings.py compare OUT_DIR [REPO ...]

Each REPO (default: the requests, flask and git mirrors under /work/.mirror) is cloned with
`--bare --no-local` into OUT_DIR once and scanned with `leakscan git`; a finding is kept as
(rule_id, path, blob, commit, line). `record` writes them to OUT_DIR/NAME.findings.json;
`compare` scans again and prints what appeared and what disappeared (exit 1 if anything did).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from peers import leakscan

MIRRORS = [f"/work/.mirror/{name}/repo" for name in ("psf+requests", "pallets+flask", "git+git")]
Key = tuple[str, str, str, str, int]


def repository(mirror: str, out: Path) -> Path:
    """OUT_DIR/NAME.git, cloned on first use (the same copy for record and compare)."""
    name = Path(mirror).parent.name.split("+")[-1] if Path(mirror).name == "repo" else Path(mirror).stem
    target = out / f"{name}.git"
    if not target.exists():
        subprocess.run(["git", "clone", "-q", "--bare", "--no-local", mirror, str(target)], check=True)
    return target


def scan(repo: Path, out: Path) -> list[Key]:
    """The findings of `leakscan git REPO`, as sorted keys."""
    report = out / f"{repo.stem}.scan.json"
    command = [*leakscan(), "git", str(repo), "--format", "json", "-o", str(report), "--no-progress"]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in (0, 1):
        raise SystemExit(f"leakscan exited {done.returncode}: {done.stderr.decode()[-600:]}")
    found = json.loads(report.read_text())["findings"]
    return sorted((f["rule_id"], f["path"], f["blob"], f["commit"] or "", f["line"]) for f in found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("out", type=Path)
    parser.add_argument("repos", nargs="*")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    changed = False
    for mirror in args.repos or MIRRORS:
        repo = repository(mirror, args.out)
        keys = scan(repo, args.out)
        recorded = args.out / f"{repo.stem}.findings.json"
        if args.action == "record":
            recorded.write_text(json.dumps(keys, indent=0))
            print(f"{repo.stem}: {len(keys)} findings recorded")
            continue
        before = {tuple(k) for k in json.loads(recorded.read_text())}
        after = set(keys)
        print(f"{repo.stem}: {len(after)} findings, {len(after - before)} new, {len(before - after)} gone")
        for key in sorted(after - before):
            print(f"  + {key}")
        for key in sorted(before - after):
            print(f"  - {key}")
        changed = changed or before != after
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
