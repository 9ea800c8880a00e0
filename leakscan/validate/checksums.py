"""Checksums that providers build into their tokens: a token that fails its checksum cannot be real.

Each entry of CHECKSUMS takes the extracted secret and says whether its checksum holds.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    """`number` in base 62 (0-9A-Za-z), left-padded with '0' to `width`."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_base62_tail(secret: str, prefix_length: int = 4) -> bool:
    """GitHub ghp_/gho_/ghu_/ghs_/ghr_ and npm_: the last 6 characters are base62(CRC32(body)),
    where body is everything between the 4-character prefix and the checksum."""
    body, tail = secret[prefix_length:-6], secret[-6:]
    if not body:
        return False
    return base62(zlib.crc32(body.encode("ascii", "replace")), 6) == tail


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github-crc32": crc32_base62_tail,
    "npm-crc32": crc32_base62_tail,
}
