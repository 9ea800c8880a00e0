"""The blobs a history scan reads: each blob of the selected history once, in the order the
log pass meets them, with every introduction recorded for provenance on the way.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator

from leakscan.sources.git.idset import ObjectIdSet
from leakscan.sources.git.log import GITLINK, HistoryLog, Selection
from leakscan.sources.git.objects import ref_blobs, store_objects
from leakscan.sources.git.provenance import NO_COMMIT, IntroductionSpool
from leakscan.sources.git.repo import Repository


class BlobSource:
    """The blobs to scan, each once, in the order the log pass meets them; records introductions."""

    def __init__(
        self, repo: Repository, selection: Selection, spool: IntroductionSpool, skip: bytes = b""
    ) -> None:
        self.repo = repo
        self.selection = selection
        self.spool = spool
        self.seen = ObjectIdSet(repo.hash_hex // 2)  # the only per-blob state kept in memory
        width = repo.hash_hex // 2
        for start in range(0, len(skip), width):  # blobs an earlier sweep scanned count as seen
            self.seen.add(skip[start : start + width])
        self.fresh = bytearray()  # binary ids of the blobs handed out, in order
        self.gitlinks: set[str] = set()
        self.commits = 0
        self.errors: list[str] = []

    def blobs(self) -> Iterator[tuple[str, str]]:
        """(blob id, a path it has) for every blob the selection holds, each once."""
        yield from self._introduced_blobs()
        if self.selection.everything:
            for oid, name in ref_blobs(self.repo):
                yield from self._new(oid.encode(), name.encode(), NO_COMMIT)
        if self.selection.unreachable:
            for oid in store_objects(self.repo, "blob"):
                key = binascii.unhexlify(oid)
                if self.seen.add(key):
                    self.fresh += key
                    yield oid, f"<unreachable blob {oid}>"

    def _introduced_blobs(self) -> Iterator[tuple[str, str]]:
        log = HistoryLog(self.repo, self.selection, self._extra_tips())
        for changes in log.commits():
            self.commits += 1
            index = self.spool.add_commit(binascii.unhexlify(changes.commit), changes.time)
            for mode, blob, path in changes.blobs:
                if mode == GITLINK:
                    self.gitlinks.add(path.decode("utf-8", "replace"))
                else:
                    yield from self._new(blob, path, index)
        if log.error:
            self.errors.append(f"git log stopped: {log.error}")

    def _new(self, blob: bytes, path: bytes, commit_index: int) -> Iterator[tuple[str, str]]:
        key = binascii.unhexlify(blob)
        self.spool.add(key, commit_index, path)
        if self.seen.add(key):
            self.fresh += key
            yield blob.decode(), path.decode("utf-8", "replace")

    def _extra_tips(self) -> list[str]:
        """Besides every ref: older stash entries (the stash's reflog), and with `unreachable`,
        every commit in the object store, so dangling commits get provenance too."""
        if not self.selection.everything:
            return []
        stash = self.repo.run("log", "-g", "--format=%H", "refs/stash", "--", check=False)
        tips = stash.decode().split()
        if self.selection.unreachable:
            tips.extend(store_objects(self.repo, "commit"))
        return tips
