"""Files and directories on disk.

The walk never enters `.git`, never follows a symlinked directory into one already walked (no
loops), skips special files (a FIFO would block), and names every file it skips or cannot read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from leakscan.model import ScanError, Skipped


@dataclass(frozen=True)
class FileEntry:
    """A regular file to scan: where to open it, the path to report, and its size."""

    fs_path: str
    path: str
    size: int


def walk(targets: Sequence[str], max_size: int) -> Iterator[FileEntry | Skipped | ScanError]:
    """Every file under `targets` in a stable order, or why it is left out."""
    roots = [os.path.realpath(t) for t in targets]
    walked: set[tuple[int, int]] = set()
    for target in targets:
        try:
            info = os.stat(target)
        except OSError as exc:
            yield ScanError(target, _reason(exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(target, roots, walked, max_size)
        else:
            yield _entry(target, os.path.normpath(target), info, max_size)


def read_file(entry: FileEntry, max_size: int) -> bytes | ScanError | Skipped:
    """The file's bytes, or why they could not be had (the file may have changed since the walk)."""
    try:
        with open(entry.fs_path, "rb") as handle:
            data = handle.read(max_size + 1)
    except OSError as exc:
        return ScanError(entry.path, _reason(exc))
    if len(data) > max_size:
        return Skipped(entry.path, f"larger than --max-file-size ({max_size} bytes)")
    return data


def _walk_dir(
    top: str, roots: list[str], walked: set[tuple[int, int]], max_size: int
) -> Iterator[FileEntry | Skipped | ScanError]:
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            info = os.stat(directory)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield ScanError(os.path.normpath(directory), f"cannot list directory: {_reason(exc)}")
            continue
        if (info.st_dev, info.st_ino) in walked:
            continue
        walked.add((info.st_dev, info.st_ino))
        subdirs = []
        for entry in entries:
            if entry.name == ".git":
                continue
            path = os.path.normpath(entry.path)
            outcome = _classify(entry, path, roots, walked, max_size)
            if isinstance(outcome, str):
                subdirs.append(outcome)
            elif outcome is not None:
                yield outcome
        stack.extend(reversed(subdirs))


def _classify(
    entry: os.DirEntry[str], path: str, roots: list[str], walked: set[tuple[int, int]], max_size: int
) -> FileEntry | Skipped | ScanError | str | None:
    """A file to scan, a reason to leave it out, a folder (its path) to descend into, or None."""
    try:
        info = entry.stat(follow_symlinks=True)
    except FileNotFoundError:
        return Skipped(path, "broken symlink") if entry.is_symlink() else None
    except OSError as exc:
        return ScanError(path, _reason(exc))
    if stat.S_ISDIR(info.st_mode):
        if entry.is_symlink() and (info.st_dev, info.st_ino) in walked:
            return Skipped(path, "symlink to a directory already scanned")
        return entry.path
    if entry.is_symlink() and _inside(os.path.realpath(entry.path), roots):
        return None  # the target itself is scanned at its own path
    return _entry(entry.path, path, info, max_size)


def _entry(fs_path: str, path: str, info: os.stat_result, max_size: int) -> FileEntry | Skipped:
    if not stat.S_ISREG(info.st_mode):
        return Skipped(path, "not a regular file")
    if info.st_size > max_size:
        return Skipped(path, f"larger than --max-file-size ({info.st_size} bytes)")
    return FileEntry(fs_path, path, info.st_size)


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
