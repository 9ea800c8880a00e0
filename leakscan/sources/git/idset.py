"""The set of blob ids already seen, packed into byte arrays.

A history scan remembers every blob it has queued, so that each is scanned once. A Python set
of `bytes` costs ~85 bytes per 20-byte id; here the ids are appended to one of 65,536 byte arrays
chosen by their first two bytes (~24 bytes per id at a million ids), and looked up there with
`bytearray.find`, which runs in C. Object ids are uniformly distributed, so the arrays stay short.
"""

from __future__ import annotations

from collections.abc import Iterator

_BUCKETS = 1 << 16


class ObjectIdSet:
    """A set of fixed-width binary object ids."""

    def __init__(self, width: int) -> None:
        self._width = width
        # Empty buckets share one `b""` until their first id: 65,536 arrays cost a small scan 7 ms.
        self._buckets: list[bytes | bytearray] = [b""] * _BUCKETS
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: bytes) -> bool:
        return self._position(self._buckets[int.from_bytes(key[:2], "little")], key) >= 0

    def __iter__(self) -> Iterator[bytes]:
        for bucket in self._buckets:
            for start in range(0, len(bucket), self._width):
                yield bytes(bucket[start : start + self._width])

    def add(self, key: bytes) -> bool:
        """Add `key`; True if it was not there yet."""
        index = int.from_bytes(key[:2], "little")
        bucket = self._buckets[index]
        if self._position(bucket, key) >= 0:
            return False
        if not bucket:
            bucket = self._buckets[index] = bytearray()
        bucket += key
        self._count += 1
        return True

    def _position(self, bucket: bytes | bytearray, key: bytes) -> int:
        """Where `key` is stored in `bucket`, or -1 (a match must start on an id boundary)."""
        found = bucket.find(key)
        while found >= 0 and found % self._width:
            found = bucket.find(key, found + 1)
        return found
