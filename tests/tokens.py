"""Fake credentials with valid checksums, generated at test time (none is committed as text)."""

from __future__ import annotations

import base64
import hashlib
import json
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
    """A GitHub classic-format token whose CRC32 checksum is valid (ghr_: 70 + 6, others 30 + 6)."""
    rng = random.Random(seed)
    body = "".join(rng.choice(BASE62) for _ in range(70 if prefix == "ghr_" else 30))
    return prefix + body + _base62(zlib.crc32(body.encode()), 6)


def broken_checksum(token: str) -> str:
    """The same token with its last checksum character changed: it cannot be real."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def github_fine_grained_pat(seed: int) -> str:
    """A GitHub fine-grained PAT (93 characters) whose characters 78-85 are the first 8 characters
    of base32(SHA-256(the first 77))."""
    rng = random.Random(seed)
    head = "github_pat_11" + "".join(rng.choice(BASE62) for _ in range(20)) + "_"
    head += "".join(rng.choice(BASE62) for _ in range(77 - len(head)))
    check = base64.b32encode(hashlib.sha256(head.encode()).digest()).decode()[:8]
    return head + check + "".join(rng.choice(BASE62) for _ in range(8))


def gitlab_routable_token(seed: int, prefix: str = "glpat-") -> str:
    """A GitLab routable token: prefix + base64url(16 random bytes + routing + its length) +
    `.01.` + base36 payload length (2) + base36 CRC32 of everything before (7)."""
    rng = random.Random(seed)
    routing = f"o:{rng.randrange(36**4):x}\nu:{rng.randrange(36**3):x}".encode()
    raw = rng.randbytes(16) + routing + bytes([len(routing)])
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    head = f"{prefix}{payload}.01.{_base36(len(payload), 2)}"
    return head + _base36(zlib.crc32(head.encode()), 7)


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits.rjust(width, "0")


def vercel_token(seed: int, prefix: str = "vcp_") -> str:
    """A Vercel token: prefix + 50 base62 characters + base62(CRC32 of the 50) in 6."""
    rng = random.Random(seed)
    body = "".join(rng.choice(BASE62) for _ in range(50))
    return prefix + body + _base62(zlib.crc32(body.encode()), 6)


def confluent_secret(seed: int) -> str:
    """A Confluent Cloud secret: cflt + 54 + the first 6 characters of base64(little-endian CRC32)."""
    rng = random.Random(seed)
    body = "".join(rng.choice(BASE62 + "+/") for _ in range(54))
    return "cflt" + body + base64.b64encode(zlib.crc32(body.encode()).to_bytes(4, "little")).decode()[:6]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def age_secret_key(seed: int) -> str:
    """An age X25519 identity: Bech32 (BIP 173) with the human-readable part `age-secret-key-`."""
    rng = random.Random(seed)
    hrp = "age-secret-key-"
    data = [rng.randrange(32) for _ in range(52)]
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data + [0] * 6
    checksum = _bech32_polymod(values) ^ 1
    data += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(_BECH32[d] for d in data)).upper()


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if top >> bit & 1:
                checksum ^= generator[bit]
    return checksum


def jwt(seed: int, header: dict | None = None, payload: dict | None = None, signature: bool = True) -> str:
    """A JWT with a random (not verifiable) signature; `signature=False` leaves it empty."""
    rng = random.Random(seed)
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    payload = payload if payload is not None else {"sub": str(rng.randrange(10**9)), "exp": 1900000000}
    parts = [_b64url_json(header), _b64url_json(payload)]
    sig = "".join(rng.choice(BASE62 + "-_") for _ in range(43)) if signature else ""
    return ".".join([*parts, sig])


def _b64url_json(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")
