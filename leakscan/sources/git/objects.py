"""Reading objects straight from git's object store.

`BlobReader` keeps one `git cat-file --batch` running and feeds it object ids in bulk, so blob
bytes cross exactly one pipe, from git to the process that scans them. A worker process holds
its own reader (see `reader_for`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from leakscan.errors import LeakscanError
from leakscan.sources.git.repo import Repository, git_environment, last_line

_PIPE_BUFFER = 1 << 16
# git's side of the pipe: a larger one lets git inflate the next blobs while this process scans
# (at the default 64 KiB the two mostly take turns). Linux only; elsewhere the default stays.
_GIT_PIPE_SIZE = 1 << 20
_DISCARD_CHUNK = 1 << 20
LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1\n"
LFS_POINTER_MAX = 1024  # the LFS specification caps pointer files below 1024 bytes


@dataclass(frozen=True)
class Unread:
    """A blob that was not read: over the size cap (a policy skip) or unreadable (an error)."""

    reason: str
    error: bool


class BlobReader:
    """One long-lived `git cat-file --batch`; restarted if git dies on a corrupt object."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def read(self, oids: Sequence[str], max_size: int) -> Iterator[bytes | Unread]:
        """The content of each blob in `oids`, in order, or why it was not read.

        All ids of a call are written at once (callers keep a call under 64 KiB of ids, so the
        write cannot block on a full pipe while git waits for us to read).
        """
        done = 0
        while done < len(oids):
            process = self._start()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write("".join(f"{oid}\n" for oid in oids[done:]).encode())
                process.stdin.flush()
            except BrokenPipeError:
                pass  # git died; the header read below notices and names the object
            for outcome in self._results(process.stdout, oids[done:], max_size):
                done += 1
                yield outcome
                if isinstance(outcome, Unread) and outcome.error and self._process is None:
                    break  # git died on this object: restart it for the rest

    def close(self) -> None:
        """Stop git."""
        if self._process is not None:
            self._stop()

    def _results(self, stdout: IO[bytes], oids: Sequence[str], max_size: int) -> Iterator[bytes | Unread]:
        for oid in oids:
            header = stdout.readline()
            if not header.endswith(b"\n"):
                yield Unread(f"blob {oid}: git could not read it: {self._stop()}", error=True)
                return
            fields = header.split()
            if len(fields) == 2 and fields[1] == b"missing":
                yield Unread(f"blob {oid}: missing from the repository's object store", error=True)
                continue
            if len(fields) != 3:
                yield Unread(
                    f"blob {oid}: git answered {header.decode(errors='replace').strip()!r}", error=True
                )
                continue
            size = int(fields[2])
            if fields[1] != b"blob":
                _discard(stdout, size + 1)
                yield Unread(f"blob {oid}: is a {fields[1].decode()}, not a blob", error=True)
            elif size > max_size:
                _discard(stdout, size + 1)
                yield Unread(f"blob {oid}: larger than --max-file-size ({size} bytes)", error=False)
            else:
                data = stdout.read(size)
                if len(data) < size or stdout.read(1) != b"\n":
                    yield Unread(f"blob {oid}: git could not read it: {self._stop()}", error=True)
                    return
                yield data

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as git; closed by _stop)
            self._process = subprocess.Popen(
                self.repo.command("cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=git_environment(),
                bufsize=_PIPE_BUFFER,
            )
            assert self._process.stdout is not None
            _widen_pipe(self._process.stdout.fileno())
        return self._process

    def _stop(self) -> str:
        """Stop git and return the last thing it said."""
        process, stderr = self._process, self._stderr
        self._process = self._stderr = None
        assert process is not None and stderr is not None
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        process.wait()
        stderr.seek(0)
        message = last_line(stderr.read())
        stderr.close()
        return message


def _widen_pipe(fd: int) -> None:
    """Ask for a larger pipe buffer (as much as the system allows, up to _GIT_PIPE_SIZE)."""
    import fcntl

    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:
        return
    with contextlib.suppress(OSError):  # above this user's limit: the default buffer still works
        fcntl.fcntl(fd, set_size, _GIT_PIPE_SIZE)


def _discard(stream: IO[bytes], size: int) -> None:
    while size > 0:
        got = len(stream.read(min(size, _DISCARD_CHUNK)))
        if not got:
            return
        size -= got


_readers: dict[tuple[int, str], BlobReader] = {}  # per process: forked workers must not share a pipe


def reader_for(repo: Repository) -> BlobReader:
    """This process's reader for `repo`, started on first use."""
    key = (os.getpid(), repo.git_dir)
    reader = _readers.get(key)
    if reader is None:
        reader = _readers[key] = BlobReader(repo)
    return reader


def close_readers() -> None:
    """Stop this process's readers (before forking workers, and when a scan ends)."""
    for key in [k for k in _readers if k[0] == os.getpid()]:
        _readers.pop(key).close()


def is_lfs_pointer(data: bytes) -> bool:
    """Whether a blob is a Git LFS pointer (the file's content lives on an LFS server)."""
    return len(data) < LFS_POINTER_MAX and data.startswith(LFS_POINTER_PREFIX)


def store_exceeds(repo: Repository, limit: int) -> bool:
    """Whether the object store takes more than `limit` bytes on disk (packs and loose objects).

    Read from the file system rather than `git count-objects`: a small repository's scan pays
    no extra git process, and a large one stops counting once past the limit."""
    total = 0
    for entry in _store_files(os.path.join(repo.common_dir, "objects")):
        total += entry.stat(follow_symlinks=False).st_size
        if total > limit:
            return True
    return False


def _store_files(objects: str) -> Iterator[os.DirEntry[str]]:
    """The pack files and the loose objects (in the fan-out folders `00` .. `ff`) of a store."""
    yield from _files(os.path.join(objects, "pack"), ".pack")
    try:
        names = os.listdir(objects)
    except OSError:
        return
    hexdigits = set("0123456789abcdef")
    for name in names:
        if len(name) == 2 and set(name) <= hexdigits:
            yield from _files(os.path.join(objects, name), "")


def _files(folder: str, suffix: str) -> Iterator[os.DirEntry[str]]:
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False):
                yield entry


def store_objects(repo: Repository, kind: str) -> Iterator[str]:
    """Ids of every object of type `kind` in the object store, reachable or not, in pack order."""
    wanted = kind.encode()
    for object_type, oid in _store_listing(repo, "%(objecttype) %(objectname)"):
        if object_type == wanted:
            yield oid.decode()


def count_store_blobs(repo: Repository) -> tuple[int, int]:
    """How many blobs the object store holds and their total size: a progress estimate only."""
    count = size = 0
    for object_type, object_size in _store_listing(repo, "%(objecttype) %(objectsize)"):
        if object_type == b"blob":
            count += 1
            size += int(object_size)
    return count, size


def _store_listing(repo: Repository, fields: str) -> Iterator[tuple[bytes, bytes]]:
    """Two fields per object of the whole store (`git cat-file --batch-all-objects`)."""
    command = repo.command("cat-file", "--batch-all-objects", "--unordered", f"--batch-check={fields}")
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=git_environment()) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            first, _, second = line.rstrip(b"\n").partition(b" ")
            yield first, second
        if process.wait() != 0:
            stderr.seek(0)
            raise LeakscanError(f"cannot list the object store of {repo.root}: {last_line(stderr.read())}")


@dataclass(frozen=True)
class Ref:
    """A ref and the object it names, tags peeled: what a history scan starts from."""

    name: str
    object_type: str
    oid: str


def list_refs(repo: Repository) -> list[Ref]:
    """Every ref of the repository (one `git for-each-ref`), annotated tags peeled."""
    listing = repo.run(
        "for-each-ref", "--format=%(*objecttype) %(*objectname) %(objecttype) %(objectname) %(refname)"
    )
    refs = []
    for line in listing.decode("utf-8", "replace").splitlines():
        peeled_type, peeled, own_type, own, refname = line.split(" ", 4)
        refs.append(Ref(refname, *((peeled_type, peeled) if peeled_type else (own_type, own))))
    return refs


def ref_blobs(repo: Repository, refs: Sequence[Ref]) -> Iterator[tuple[str, str]]:
    """(blob id, name) for blobs that a ref (usually a tag) points at directly or through a tree:
    no commit introduces them, so the log pass cannot see them."""
    for ref in refs:
        if ref.object_type == "blob":
            yield ref.oid, ref.name
        elif ref.object_type == "tree":
            for entry in repo.run("ls-tree", "-r", "-z", ref.oid).split(b"\0"):
                info, _, path = entry.partition(b"\t")
                fields = info.split()
                if len(fields) == 3 and fields[1] == b"blob":
                    yield fields[2].decode(), f"{ref.name}:{path.decode('utf-8', 'replace')}"
