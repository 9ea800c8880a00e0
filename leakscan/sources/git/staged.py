"""What is staged for the next commit: each changed file's staged blob and the lines it adds.

One `git diff --cached` gives both the list of changed files (raw, NUL-separated: exact paths and
full blob ids) and the `-U0` hunk headers that say which lines of the staged file are new. The
staged blobs are then read in one `git cat-file --batch`. Works before the first commit (no HEAD).
The index is the one git names in GIT_INDEX_FILE when it runs a commit hook, so `git commit -a`
and `git commit PATH` are scanned as they will be committed.

A binary diff has no lines: the whole staged blob counts as new, and what its HEAD version
already held is subtracted by the caller (`base_blob`).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import IO

from leakscan.errors import LeakscanError
from leakscan.sources.git.repo import Repository, git_environment

Lines = tuple[tuple[int, int], ...]  # 1-based inclusive ranges of line numbers
_ZERO = "0" * 40
_GITLINK = "160000"
# Raw entries (exact paths, full ids) then the patch, whose `-U0` hunk headers give the new lines.
_DIFF_OPTIONS = (
    "--cached",
    "--raw",
    "--patch",
    "-z",
    "-U0",
    "-M",
    "--no-abbrev",
    "--full-index",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--diff-filter=ACMRT",
)
# The only patch lines that matter: which blobs a file section is about, its hunks, binary-ness.
_PATCH_MARKS = re.compile(
    rb"^(?:index ([0-9a-f]+)\.\.([0-9a-f]+)"
    rb"|@@ -[0-9,]+ \+(\d+)(?:,(\d+))? @@"
    rb"|(Binary files |GIT binary patch))",
    re.MULTILINE,
)


@dataclass(frozen=True)
class StagedFile:
    """A staged file with something new in it."""

    path: str
    blob: str  # the staged blob id
    added: Lines | None  # the new lines; None when the whole file is new (added, binary, retyped)
    base_blob: str | None = None  # for a binary change: the HEAD version, whose secrets are not new


@dataclass(frozen=True)
class StagedChanges:
    """The files to scan, and the staged entries left out (with why)."""

    files: tuple[StagedFile, ...]
    notes: tuple[str, ...]


def staged_changes(repo: Repository) -> StagedChanges:
    """The staged changes of a working tree."""
    out = repo.run("diff", *_DIFF_OPTIONS)
    entries, patch = _split_raw(out)
    hunks = _hunks(patch)
    files: list[StagedFile] = []
    notes: list[str] = []
    for status, old_mode, new_mode, old, new, path in entries:
        if _GITLINK in (old_mode, new_mode):
            notes.append(f"{path}: submodule commit changed (submodules are not scanned)")
        elif status in "AT":
            files.append(StagedFile(path, new, None))
        elif old != new and (old, new) in hunks:
            added = hunks[(old, new)]
            files.append(StagedFile(path, new, None, old) if added is None else StagedFile(path, new, added))
    return StagedChanges(tuple(f for f in files if f.added != ()), tuple(notes))


def _split_raw(out: bytes) -> tuple[list[tuple[str, str, str, str, str, str]], bytes]:
    """The raw entries (status, old mode, new mode, old id, new id, path) and the patch text after them."""
    tokens = out.split(b"\0")
    entries = []
    i = 0
    while i < len(tokens) and tokens[i].startswith(b":"):
        old_mode, new_mode, old, new, status = tokens[i][1:].decode("ascii").split()
        i += 3 if status[0] in "RC" else 2  # a rename or copy names its source, then its path
        entries.append((status[0], old_mode, new_mode, old, new, os.fsdecode(tokens[i - 1])))
    return entries, b"\0".join(tokens[i:])


def _hunks(patch: bytes) -> dict[tuple[str, str], Lines | None]:
    """For each (old blob, new blob) in the patch: the new side's added lines, None if binary."""
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = {}
    binary: set[tuple[str, str]] = set()
    key: tuple[str, str] | None = None
    for m in _PATCH_MARKS.finditer(patch):
        if m.group(1):
            key = (m.group(1).decode(), m.group(2).decode())
            ranges.setdefault(key, [])
        elif key is None:
            continue
        elif m.group(5):
            binary.add(key)
        elif m.group(4) != b"0":  # "+n,0": lines were only removed
            start = int(m.group(3))
            ranges[key].append((start, start + int(m.group(4) or 1) - 1))
    return {k: None if k in binary else tuple(v) for k, v in ranges.items()}


def read_blobs(
    repo: Repository, blobs: list[str], max_size: int
) -> Generator[tuple[str, bytes | None], None, None]:
    """Each blob's content, in order (None when it is larger than `max_size`), from one `git cat-file`.
    Only one blob is held at a time."""
    if not blobs:
        return
    pipe = subprocess.PIPE
    process = subprocess.Popen(
        repo.command("cat-file", "--batch"),
        stdin=pipe,
        stdout=pipe,
        stderr=subprocess.DEVNULL,
        env=git_environment(),
    )
    assert process.stdin is not None and process.stdout is not None
    # Ids go in from a thread: with many blobs, git would block on its full output pipe while we
    # blocked on its full input pipe.
    writer = threading.Thread(target=_write_ids, args=(process.stdin, blobs), daemon=True)
    writer.start()
    try:
        for blob in blobs:
            yield blob, _next_blob(process.stdout, blob, max_size)
    finally:
        process.stdout.close()
        process.wait()
        writer.join()


def _write_ids(stream: IO[bytes], blobs: list[str]) -> None:
    try:
        stream.write("".join(f"{b}\n" for b in blobs).encode())
        stream.close()
    except OSError:
        pass  # git went away; the reader reports it


def _next_blob(stream: IO[bytes], blob: str, max_size: int) -> bytes | None:
    header = stream.readline().split()
    if len(header) != 3 or header[1] != b"blob":
        raise LeakscanError(f"staged blob {blob} could not be read")
    size = int(header[2])
    if size <= max_size:
        data = stream.read(size + 1)  # the content and git's newline after it
        if len(data) != size + 1:
            raise LeakscanError(f"staged blob {blob} could not be read (truncated)")
        return data[:size]
    remaining = size + 1
    while remaining:  # skip an oversized blob without holding it
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            raise LeakscanError(f"staged blob {blob} could not be read (truncated)")
        remaining -= len(chunk)
    return None


def changed_windows(data: bytes, added: Lines, context: int) -> list[tuple[int, int, int]]:
    """The parts of a staged file worth scanning: whole lines around the added ones, `context`
    lines on each side (overlaps merged), as (start byte, end byte, number of the first line)."""
    spans: list[tuple[int, int]] = []
    for first, last in sorted(added):
        low, high = max(1, first - context), last + context
        if spans and low <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], high))
        else:
            spans.append((low, high))
    starts = _line_starts(data, spans[-1][1] + 1 if spans else 0)
    windows = []
    for low, high in spans:
        if low <= len(starts):
            end = starts[high] if high < len(starts) else len(data)
            windows.append((starts[low - 1], end, low))
    return windows


def _line_starts(data: bytes, count: int) -> list[int]:
    """Byte offsets where the first `count` lines start (fewer if the data has fewer lines)."""
    starts = [0]
    while len(starts) < count:
        newline = data.find(b"\n", starts[-1])
        if newline < 0 or newline + 1 == len(data):
            break
        starts.append(newline + 1)
    return starts
