"""Fake credentials with valid checksums, generated at test time (none is committed as text)."""

from __future__ import annotations

import random
import string
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    return digits.rjust(width, "0")


def github_token(seed: int, prefix: str = "ghp_") -> str:
    """A GitHub classic-format token whose CRC32 checksum is valid."""
    rng = random.Random(seed)
    body = "".join(rng.choice(BASE62) for _ in range(76 if prefix == "ghr_" else 30))
    return prefix + body + _base62(zlib.crc32(body.encode()), 6)


def broken_checksum(token: str) -> str:
    """The same token with its last checksum character changed: it cannot be real."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")
