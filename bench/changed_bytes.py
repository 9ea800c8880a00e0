"""How many of a history's bytes a scan of changed text only would read (a design measurement).

    python bench/changed_bytes.py [REPO] [--every 20] [--context 3] [--margin 4096]

`leakscan git` scans every new blob in full. The only way below the read-time ratio DESIGN's
blob-once flow reaches on two cores is to send fewer bytes through Hyperscan: for a blob that
modifies an earlier version of its path, only the lines that version lacks (plus context).
This reads every --every-th modification of REPO's history (`git log --raw`, non-merge
commits, each new blob once) with its earlier version and prints, of the new versions' bytes:
  - lines absent from the earlier version, with --context lines either side;
  - the one span between the common prefix and the common suffix, widened by --margin bytes
    (the cheap form: two memcmp searches, no line splitting).
Additions (no earlier version) are scanned in full either way; the last line projects the
bytes a changed-lines scan would read in all, additions included.
"""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Iterator

DEFAULT_REPO = "/work/.mirror/git+git/repo"
_BINARY_PROBE = 8000


def modifications(repo: str) -> tuple[list[tuple[bytes, bytes]], list[bytes]]:
    """(earlier blob, new blob) of each modification that introduces a blob first, and the
    blobs first introduced by an addition."""
    log = subprocess.run(
        [
            "git",
            "-C",
            repo,
            "log",
            "--all",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--root",
            "--no-merges",
            "--format=C%H",
        ],
        capture_output=True,
        check=True,
    ).stdout
    pairs: list[tuple[bytes, bytes]] = []
    seen: set[bytes] = set()
    additions: list[bytes] = []
    tokens = iter(log.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if not token.startswith(b":"):
            continue
        next(tokens, None)  # the path
        _, new_mode, old, new, status = token[1:].split(b" ")
        if new_mode == b"000000" or new in seen:
            continue
        seen.add(new)
        if status.startswith(b"M"):
            pairs.append((old, new))
        else:
            additions.append(new)
    return pairs, additions


def total_size(repo: str, oids: list[bytes]) -> int:
    """Bytes of the blobs `oids` (missing ones count 0)."""
    listing = subprocess.run(
        ["git", "-C", repo, "cat-file", "--batch-check=%(objectsize)"],
        input=b"".join(oid + b"\n" for oid in oids),
        capture_output=True,
        check=True,
    ).stdout
    return sum(int(line) for line in listing.split() if line.isdigit())


def contents(repo: str, pairs: list[tuple[bytes, bytes]]) -> Iterator[tuple[bytes, bytes]]:
    """Both versions of each pair, text only (a missing or binary blob is left out)."""
    with subprocess.Popen(
        ["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as git:
        assert git.stdin is not None and git.stdout is not None

        def read(oid: bytes) -> bytes | None:
            git.stdin.write(oid + b"\n")
            git.stdin.flush()
            header = git.stdout.readline().split()
            if header[1] == b"missing":
                return None
            data = git.stdout.read(int(header[2]))
            git.stdout.read(1)
            return data

        for old, new in pairs:
            before, after = read(old), read(new)
            if before is not None and after is not None and b"\0" not in after[:_BINARY_PROBE]:
                yield before, after
        git.stdin.close()


def changed_lines(before: bytes, after: bytes, context: int) -> int:
    """Bytes of `after` in lines `before` lacks, with `context` lines either side."""
    known = set(before.split(b"\n"))
    lines = after.split(b"\n")
    keep = bytearray(len(lines) + 1)
    for number, line in enumerate(lines):
        if line not in known:
            keep[max(0, number - context) : number + context + 1] = b"\1" * (
                min(len(lines), number + context + 1) - max(0, number - context)
            )
    return sum(len(line) + 1 for line, kept in zip(lines, keep, strict=False) if kept)


def common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix, by binary search over slice comparisons (C-speed memcmp)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def changed_span(before: bytes, after: bytes, margin: int) -> int:
    """Bytes of `after` between the common prefix and suffix, widened by `margin` each side."""
    prefix = common_prefix(before, after)
    suffix = common_prefix(before[prefix:][::-1], after[prefix:][::-1])
    return min(len(after), len(after) - suffix + margin) - max(0, prefix - margin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", default=DEFAULT_REPO)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--context", type=int, default=3)
    parser.add_argument("--margin", type=int, default=4096)
    args = parser.parse_args()
    pairs, additions = modifications(args.repo)
    total = lines = span = count = 0
    for before, after in contents(args.repo, pairs[:: args.every]):
        count += 1
        total += len(after)
        lines += changed_lines(before, after, args.context)
        span += changed_span(before, after, args.margin)
    added = total_size(args.repo, additions)
    modified = total_size(args.repo, [new for _, new in pairs])
    print(
        f"{args.repo}: first introductions: {len(pairs):,} modifications ({modified / 1e6:,.0f} MB), "
        f"{len(additions):,} additions ({added / 1e6:,.0f} MB)"
    )
    print(f"sampled {count:,} modifications, {total / 1e6:.0f} MB of new versions:")
    print(f"  changed lines ±{args.context}: {lines / 1e6:.1f} MB ({100 * lines / max(total, 1):.1f}%)")
    print(f"  prefix/suffix span ±{args.margin} B: {span / 1e6:.1f} MB ({100 * span / max(total, 1):.1f}%)")
    projected = added + modified * lines / max(total, 1)
    print(
        f"projected bytes to scan with changed lines: {projected / 1e6:,.0f} MB "
        f"of {(added + modified) / 1e6:,.0f} MB ({100 * projected / max(added + modified, 1):.0f}%)"
    )


if __name__ == "__main__":
    main()
