"""Which commits introduced which blob at which path: one `git log --raw -c` pass over the history.

A commit introduces blob B at path P when B is at P in its tree and at P in none of its parents'
trees. `-c` makes git list, for a merge, exactly the paths that differ from every parent, so a
secret that exists only in a merge's conflict resolution is attributed to the merge. Root commits
(and the boundary commits of a shallow clone) introduce everything in their tree. Every blob that
any selected commit holds is therefore introduced by at least one selected commit.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from leakscan.errors import LeakscanError
from leakscan.sources.git.repo import Repository, git_environment, last_line

GITLINK = b"160000"  # a submodule's commit, recorded in the tree; its content is another repository
_DELETED = b"000000"
_CHUNK = 1 << 20
_LOG_OPTIONS = (
    "--raw",
    "-c",  # merges: paths that differ from every parent
    "-z",
    "--no-abbrev",
    "--no-renames",  # a rename is a deletion and an addition: the blob is introduced at the new path
    "--root",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--no-show-signature",
    "--ignore-submodules=none",
    "--format=C%H %ct",
)


@dataclass(frozen=True)
class Selection:
    """Which history to read: all refs (default), some revisions, a date floor, the whole store."""

    revisions: tuple[str, ...] = ()  # e.g. ("A..B",) or branch names; empty: every ref
    since: str | None = None
    unreachable: bool = False  # also commits no ref reaches (and, later, blobs no commit holds)

    @property
    def everything(self) -> bool:
        """Whether every ref is read (not a range, branch or date window)."""
        return not self.revisions and self.since is None


def check_revisions(repo: Repository, selection: Selection, option: str) -> None:
    """Raise a one-line LeakscanError naming the first revision that does not name a commit."""
    for revision in selection.revisions:
        ends = revision.split("...") if "..." in revision else revision.split("..")
        for end in filter(None, ends):
            found = repo.run(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{end}^{{commit}}", check=False
            )
            if not found:
                raise LeakscanError(f"{option} {revision}: {end!r} is not a commit in {repo.root}")


@dataclass
class CommitChanges:
    """One commit of the log: its id, commit time, and the blobs it introduced (mode, id, path)."""

    commit: bytes  # hex
    time: int
    blobs: list[tuple[bytes, bytes, bytes]] = field(default_factory=list)


class HistoryLog:
    """Runs the log pass and streams each commit's introductions; `error` says if git failed."""

    def __init__(self, repo: Repository, selection: Selection, extra_tips: Sequence[str] = ()) -> None:
        self.repo = repo
        self.selection = selection
        self.extra_tips = extra_tips
        self.error: str | None = None

    def commits(self) -> Iterator[CommitChanges]:
        """Every selected commit, newest first, with the blobs it introduced."""
        with tempfile.TemporaryFile() as tips, tempfile.TemporaryFile() as stderr:
            tips.write("".join(f"{tip}\n" for tip in self.extra_tips).encode())
            tips.seek(0)
            process = subprocess.Popen(
                # Its delta cache does not speed the log pass up (measured): keep it small.
                self.repo.command("-c", "core.deltaBaseCacheLimit=32m", "log", *self._arguments()),
                stdin=tips,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=git_environment(),
            )
            assert process.stdout is not None
            try:
                yield from _parse(process.stdout.fileno())
            finally:
                process.stdout.close()
                process.wait()
            if process.returncode != 0:
                stderr.seek(0)
                self.error = last_line(stderr.read())

    def _arguments(self) -> list[str]:
        args = [*_LOG_OPTIONS, "--stdin"]
        if self.selection.since:
            args.append(f"--since={self.selection.since}")
        if self.selection.revisions:
            return [*args, "--end-of-options", *self.selection.revisions]
        return [*args, "--all"]


def _parse(fd: int) -> Iterator[CommitChanges]:
    """Parse `--format=C%H %ct --raw -z`: a header token, then (meta, path) token pairs.

    Tokens are positional: the one after a meta token is always a path, whatever it looks like."""
    current: CommitChanges | None = None
    meta: bytes | None = None
    tail = b""
    while True:
        chunk = os.read(fd, _CHUNK)  # what git has written so far: never wait for a full chunk
        tokens = (tail + chunk).split(b"\0")
        tail = tokens.pop() if chunk else b""
        for token in tokens:
            if meta is not None:
                _add(current, meta, token)
                meta = None
                continue
            token = token.lstrip(b"\n")  # git separates a header from a non-merge's entries by LF
            if token.startswith(b":"):
                meta = token
            elif token.startswith(b"C"):
                if current is not None:
                    yield current
                commit, _, time = token[1:].partition(b" ")
                current = CommitChanges(commit, int(time))
        if not chunk:
            break
    if current is not None:
        yield current


def _add(current: CommitChanges | None, meta: bytes, path: bytes) -> None:
    """Record the entry's new side: `:old new old_id new_id S`, or for a merge of k parents,
    k colons, k+1 modes, k+1 ids and the status letters."""
    if current is None:
        return
    parents = len(meta) - len(meta.lstrip(b":"))
    fields = meta[parents:].split(b" ")
    mode, blob = fields[parents], fields[2 * parents + 1]
    if mode != _DELETED:
        current.blobs.append((mode, blob, path))
