"""Where each matched blob came from: its paths and the commits that introduced it there.

The log pass writes every introduction to temporary files as it streams by (fixed-size records,
so memory stays flat however long the history is); after scanning, one sequential read picks out
the introductions of the few blobs that matched.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from leakscan.model import Commit
from leakscan.sources.git.repo import Repository

NO_COMMIT = 0xFFFFFFFF  # an introduction by a ref that points at a blob or tree, not a commit
_READ_RECORDS = 1 << 15


@dataclass(frozen=True)
class Introduction:
    """Blob at `path`, introduced by the commit `commit` (hex) at `time`; commit None: by a ref."""

    path: str
    commit: str | None
    time: int


class IntroductionSpool:
    """Append-only record of (blob, path, commit) introductions, kept on disk."""

    def __init__(self, id_bytes: int) -> None:
        self._entry = struct.Struct(f"<{id_bytes}sIQ")  # blob, commit index, path offset
        self._commit = struct.Struct(f"<{id_bytes}sq")  # commit id, commit time
        # Temporary files, deleted by `close` (or when the process ends).
        self._entries, self._commits, self._paths = (_scratch_file() for _ in range(3))
        self._path_offset = 0
        self._commit_count = 0

    def add_commit(self, commit: bytes, time: int) -> int:
        """Record a commit (binary id); returns its index for `add`."""
        self._commits.write(self._commit.pack(commit, time))
        self._commit_count += 1
        return self._commit_count - 1

    def add(self, blob: bytes, commit_index: int, path: bytes) -> None:
        """Record that commit number `commit_index` (or NO_COMMIT) introduced `blob` at `path`."""
        self._entries.write(self._entry.pack(blob, commit_index, self._path_offset))
        self._paths.write(struct.pack("<I", len(path)) + path)
        self._path_offset += 4 + len(path)

    def lookup(self, blobs: set[bytes]) -> dict[bytes, list[Introduction]]:
        """Every recorded introduction of each blob in `blobs`."""
        found: dict[bytes, list[Introduction]] = {}
        if not blobs:
            return found
        self._entries.flush()
        self._entries.seek(0)
        size = self._entry.size
        while chunk := self._entries.read(size * _READ_RECORDS):
            for blob, commit_index, path_offset in self._entry.iter_unpack(chunk):
                if blob in blobs:
                    found.setdefault(blob, []).append(self._introduction(commit_index, path_offset))
        self._entries.seek(0, 2)
        return found

    def close(self) -> None:
        """Delete the temporary files."""
        for handle in (self._entries, self._commits, self._paths):
            handle.close()

    def _introduction(self, commit_index: int, path_offset: int) -> Introduction:
        self._paths.flush()
        self._paths.seek(path_offset)
        (length,) = struct.unpack("<I", self._paths.read(4))
        path = self._paths.read(length).decode("utf-8", "replace")
        self._paths.seek(0, 2)
        if commit_index == NO_COMMIT:
            return Introduction(path, None, 0)
        self._commits.flush()
        self._commits.seek(commit_index * self._commit.size)
        commit, time = self._commit.unpack(self._commits.read(self._commit.size))
        self._commits.seek(0, 2)
        return Introduction(path, commit.hex(), time)


def _scratch_file() -> IO[bytes]:
    return tempfile.TemporaryFile()


def describe_commits(repo: Repository, commits: Iterable[str]) -> dict[str, Commit]:
    """Author, email, commit date (ISO 8601) and summary of each commit, in one git call."""
    wanted = sorted(set(commits))
    if not wanted:
        return {}
    output = repo.run(
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-z",
        "--no-show-signature",
        "--format=%H%x00%an%x00%ae%x00%cI%x00%s",
        input="".join(f"{c}\n" for c in wanted).encode(),
    )
    fields = output.decode("utf-8", "replace").split("\0")
    described = {}
    for i in range(0, len(fields) - 4, 5):
        commit, author, email, date, summary = fields[i : i + 5]
        described[commit] = Commit(commit, author, email, _normal_date(date), summary)
    return described


def _normal_date(date: str) -> str:
    """ISO 8601 as git prints it; UTC as `Z`."""
    try:
        parsed = datetime.fromisoformat(date)
    except ValueError:
        return date
    text = parsed.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
