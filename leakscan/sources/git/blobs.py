"""The blobs a history scan reads: each blob of the selected history once, in the order the
log pass meets them, with every introduction recorded for provenance on the way; then, once
more, each blob that was introduced at a path-bound rule's path other than the one it was
first scanned at (a `.pgpass` renamed from `pgpass.sample`).
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Generator, Iterator

from leakscan.sources.git.idset import ObjectIdSet
from leakscan.sources.git.log import GITLINK, HistoryLog, Selection
from leakscan.sources.git.objects import Ref, list_refs, ref_blobs, store_objects
from leakscan.sources.git.provenance import NO_COMMIT, IntroductionSpool
from leakscan.sources.git.repo import Repository

_PATHS_REMEMBERED = 1 << 16


class BlobSource:
    """The blobs to scan, each once, in the order the log pass meets them; records introductions.

    `path_bound` says whether a path-bound rule names a path (rules/ `path:`)."""

    def __init__(
        self,
        repo: Repository,
        selection: Selection,
        spool: IntroductionSpool,
        skip: bytes = b"",
        path_bound: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.repo = repo
        self.selection = selection
        self.spool = spool
        width = repo.hash_hex // 2
        self.seen = ObjectIdSet(width)  # the only per-blob state kept in memory
        self._skip: ObjectIdSet | None = None  # blobs an earlier sweep scanned (seen, too)
        if skip:
            self._skip = ObjectIdSet(width)
            for start in range(0, len(skip), width):
                self.seen.add(skip[start : start + width])
                self._skip.add(skip[start : start + width])
        self.fresh = bytearray()  # binary ids of the blobs handed out, in order
        self.gitlinks: set[str] = set()
        self.commits = 0
        self.errors: list[str] = []
        self._path_bound = path_bound
        self._bound_paths: dict[bytes, bool] = {}
        self._scanned_at: set[tuple[bytes, bytes]] = set()  # (blob, path-bound path) scanned there
        self._again: dict[tuple[bytes, bytes], None] = {}  # (blob, path-bound path) to scan again

    def blobs(self) -> Generator[tuple[str, str, bool], None, None]:
        """(blob id, path, False) for every blob the selection holds, each once; then
        (blob id, path, True) for each blob to scan again at a path-bound path."""
        known = self._bound_paths
        for blob, path, new in self.introductions():
            bound = known.get(path)  # inline: this loop runs once per introduction
            if bound is None:
                bound = self._bound(path)
            if bound:
                if new:
                    self._scanned_at.add((blob, path))
                elif (blob, path) not in self._scanned_at and not self._skipped(blob):
                    self._again[(blob, path)] = None
            if new:
                yield blob.decode(), path.decode("utf-8", "replace"), False
        if self.selection.unreachable:
            for oid in store_objects(self.repo, "blob"):
                key = binascii.unhexlify(oid)
                if self.seen.add(key):
                    self.fresh += key
                    yield oid, f"<unreachable blob {oid}>", False
        for blob, path in self._again:
            yield blob.decode(), path.decode("utf-8", "replace"), True

    def introductions(self) -> Iterator[tuple[bytes, bytes, bool]]:
        """(blob id, path, whether the blob is new) for every introduction the log pass meets,
        then for blobs a ref holds outside any commit; each is recorded for provenance."""
        refs = list_refs(self.repo) if self.selection.everything else []
        log = HistoryLog(self.repo, self.selection, self._extra_tips(refs))
        for changes in log.commits():
            self.commits += 1
            index = self.spool.add_commit(binascii.unhexlify(changes.commit), changes.time)
            for mode, blob, path in changes.blobs:
                if mode == GITLINK:
                    self.gitlinks.add(path.decode("utf-8", "replace"))
                else:
                    yield blob, path, self._new(blob, path, index)
        if log.error:
            self.errors.append(f"git log stopped: {log.error}")
        if self.selection.everything:
            for oid, name in ref_blobs(self.repo, refs):
                blob, path = oid.encode(), name.encode()
                yield blob, path, self._new(blob, path, NO_COMMIT)

    def _skipped(self, blob: bytes) -> bool:
        return self._skip is not None and binascii.unhexlify(blob) in self._skip

    def _bound(self, path: bytes) -> bool:
        """Test a path not tested yet (a history holds many versions of each path)."""
        if len(self._bound_paths) >= _PATHS_REMEMBERED:
            self._bound_paths.clear()
        bound = self._bound_paths[path] = self._path_bound(path.decode("utf-8", "replace"))
        return bound

    def _new(self, blob: bytes, path: bytes, commit_index: int) -> bool:
        key = binascii.unhexlify(blob)
        self.spool.add(key, commit_index, path)
        if self.seen.add(key):
            self.fresh += key
            return True
        return False

    def _extra_tips(self, refs: list[Ref]) -> list[str]:
        """Besides every ref: older stash entries (the stash's reflog, read only when there is a
        stash), and with `unreachable`, every commit in the object store, so dangling commits
        get provenance too."""
        if not self.selection.everything:
            return []
        tips = []
        if any(ref.name == "refs/stash" for ref in refs):
            tips = self.repo.run("log", "-g", "--format=%H", "refs/stash", "--", check=False).decode().split()
        if self.selection.unreachable:
            tips.extend(store_objects(self.repo, "commit"))
        return tips
