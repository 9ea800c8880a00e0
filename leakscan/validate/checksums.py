"""Checksums that providers build into their tokens: a token that fails its checksum cannot be real.

Each entry of CHECKSUMS takes the extracted secret and says whether its checksum (or, for JWTs,
its structure) holds. Every algorithm here was recomputed offline on published tokens
(../shared/providers.md §0.1 and providers-more.md) before a rule was allowed to depend on it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def base62(number: int, width: int) -> str:
    """`number` in base 62 (0-9A-Za-z), left-padded with '0' to `width`."""
    return _in_base(number, _BASE62, width)


def base36(number: int, width: int) -> str:
    """`number` in lowercase base 36 (0-9a-z), left-padded with '0' to `width`."""
    return _in_base(number, _BASE36, width)


def _in_base(number: int, alphabet: str, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, len(alphabet))
        digits.append(alphabet[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_base62_tail(secret: str, prefix_length: int = 4) -> bool:
    """GitHub ghp_/gho_/ghu_/ghs_/ghr_, npm_ and Vercel vc?_: the last 6 characters are
    base62(CRC32(body)), where body is everything between the 4-character prefix and the checksum."""
    body, tail = secret[prefix_length:-6], secret[-6:]
    if not body:
        return False
    return base62(zlib.crc32(body.encode("ascii", "replace")), 6) == tail


def github_fine_grained(secret: str) -> bool:
    """GitHub `github_pat_` (93 characters): characters 78–85 are the first 8 characters of
    base32(SHA-256(the first 77 characters, prefix included))."""
    if len(secret) != 93:
        return False
    digest = hashlib.sha256(secret[:77].encode("ascii", "replace")).digest()
    return base64.b32encode(digest).decode("ascii")[:8] == secret[77:85]


def gitlab_routable(secret: str) -> bool:
    """GitLab routable tokens `<prefix><base64url payload>.<version>.<length><crc>`: the last 7
    characters are base36(CRC32(everything before them)), and the 2 before them give the payload
    length in base36."""
    head, crc = secret[:-7], secret[-7:]
    if base36(zlib.crc32(head.encode("ascii", "replace")), 7) != crc:
        return False
    payload, _, length = head.rpartition(".")
    payload = payload.rpartition(".")[0]
    encoded = payload[payload.index("-") + 1 :] if "-" in payload else payload
    return base36(len(encoded), 2) == length


def confluent_crc32(secret: str) -> bool:
    """Confluent Cloud `cflt` secrets: `cflt` + 54 characters + the first 6 characters of
    base64(CRC32 of those 54, as 4 little-endian bytes)."""
    if not secret.startswith("cflt") or len(secret) != 64:
        return False
    crc = zlib.crc32(secret[4:58].encode("ascii", "replace")).to_bytes(4, "little")
    return base64.b64encode(crc).decode("ascii")[:6] == secret[58:]


def age_bech32(secret: str) -> bool:
    """age identities `AGE-SECRET-KEY-1…`: a Bech32 string (BIP 173 checksum, constant 1)."""
    lowered = secret.lower()
    separator = lowered.rfind("1")
    hrp, data = lowered[:separator], lowered[separator + 1 :]
    if separator < 1 or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _bech32_polymod(values + [_BECH32.index(c) for c in data]) == 1


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_BECH32_GENERATOR):
            if top >> bit & 1:
                checksum ^= generator
    return checksum


def jwt_signed(secret: str) -> bool:
    """A signed JWT: header and payload are base64url JSON objects, the header names an
    algorithm other than "none", and the signature is not empty."""
    parts = secret.split(".")
    if len(parts) != 3 or not parts[2]:
        return False
    header, payload = (_base64url_json(part) for part in parts[:2])
    if header is None or payload is None:
        return False
    algorithm = header.get("alg")
    return isinstance(algorithm, str) and algorithm.lower() not in ("", "none")


def _base64url_json(part: str) -> dict | None:
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(decoded)
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github-crc32": crc32_base62_tail,
    "github-fine-grained": github_fine_grained,
    "gitlab-routable": gitlab_routable,
    "npm-crc32": crc32_base62_tail,
    "vercel-crc32": crc32_base62_tail,
    "confluent-crc32": confluent_crc32,
    "age-bech32": age_bech32,
    "jwt": jwt_signed,
}
