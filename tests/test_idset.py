"""The compact set of seen blob ids behaves as a set through growth and collisions."""

from __future__ import annotations

import hashlib

from leakscan.sources.git.idset import ObjectIdSet


def ids(count: int, salt: str = "") -> list[bytes]:
    return [hashlib.sha1(f"{salt}{n}".encode()).digest() for n in range(count)]


def test_add_reports_new_ids_once_across_growth():
    seen = ObjectIdSet(20)
    keys = ids(200_000)
    assert all(seen.add(k) for k in keys)
    assert not any(seen.add(k) for k in keys[::7])
    assert len(seen) == 200_000
    assert all(k in seen for k in keys[::11])
    assert not any(k in seen for k in ids(5_000, salt="other"))


def test_ids_sharing_their_first_bytes_are_kept_apart():
    seen = ObjectIdSet(20)
    prefix = b"\x01" * 8
    keys = [prefix + n.to_bytes(12, "big") for n in range(100)]
    assert all(seen.add(k) for k in keys)
    assert all(k in seen for k in keys)
    assert len(seen) == 100


def test_an_id_spanning_two_stored_ids_is_not_found():
    seen = ObjectIdSet(4)
    seen.add(b"abcd")
    seen.add(b"abef")  # the bucket now holds b"abcdabef"
    straddling = b"cdab"
    assert straddling not in seen  # different bucket anyway; search the bucket directly too
    assert seen._position(bytearray(b"abcdabef"), b"cdab") == -1
    assert seen._position(bytearray(b"abcdabef"), b"abef") == 4


def test_sha256_width():
    seen = ObjectIdSet(32)
    key = hashlib.sha256(b"x").digest()
    assert key not in seen
    assert seen.add(key) and not seen.add(key)
    assert key in seen and len(seen) == 1
