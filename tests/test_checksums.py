"""Every named checksum accepts tokens built to the provider's format and rejects near misses."""

from __future__ import annotations

from zlib import crc32

import pytest

import tokens
from leakscan.validate.checksums import CHECKSUMS, base36
from leakscan.validate.dummies import DOCUMENTATION_DUMMIES, is_documentation_dummy


def _flip_last(token: str) -> str:
    return tokens.broken_checksum(token)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
def test_github_crc32(prefix: str, seed: int) -> None:
    token = tokens.github_token(seed, prefix)
    assert CHECKSUMS["github-crc32"](token)
    assert not CHECKSUMS["github-crc32"](_flip_last(token))


def test_github_docs_dummies_fail_the_crc() -> None:
    dummies = [d for d in DOCUMENTATION_DUMMIES if d[:4] in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")]
    assert len(dummies) >= 4
    assert not any(CHECKSUMS["github-crc32"](d) for d in dummies)


@pytest.mark.parametrize("seed", range(20))
def test_npm_crc32(seed: int) -> None:
    token = tokens.github_token(seed, "npm_")
    assert CHECKSUMS["npm-crc32"](token)
    assert not CHECKSUMS["npm-crc32"](_flip_last(token))


@pytest.mark.parametrize("seed", range(20))
def test_github_fine_grained(seed: int) -> None:
    token = tokens.github_fine_grained_pat(seed)
    check = CHECKSUMS["github-fine-grained"]
    assert len(token) == 93 and check(token)
    other = "AAAAAAAA" if token[77:85] != "AAAAAAAA" else "BBBBBBBB"
    assert not check(token[:77] + other + token[85:])
    assert not check(token[:-1])  # wrong length
    assert not check(token[:20] + ("x" if token[20] != "x" else "y") + token[21:])  # body changed


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("prefix", ["glpat-", "glrt-t1_"])
def test_gitlab_routable(prefix: str, seed: int) -> None:
    token = tokens.gitlab_routable_token(seed, prefix)
    check = CHECKSUMS["gitlab-routable"]
    if prefix == "glpat-":
        assert check(token)
    crc_broken = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert not check(crc_broken)


def test_gitlab_routable_checks_the_payload_length() -> None:
    token = tokens.gitlab_routable_token(7)
    payload, _, tail = token.rpartition(".")
    wrong_length = payload + "." + ("zz" if tail[:2] != "zz" else "yy")
    resealed = wrong_length + base36(crc32(wrong_length.encode()), 7)
    assert not CHECKSUMS["gitlab-routable"](resealed)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("prefix", ["vcp_", "vci_", "vca_", "vcr_", "vck_"])
def test_vercel_crc32(prefix: str, seed: int) -> None:
    token = tokens.vercel_token(seed, prefix)
    assert CHECKSUMS["vercel-crc32"](token)
    assert not CHECKSUMS["vercel-crc32"](_flip_last(token))


@pytest.mark.parametrize("seed", range(20))
def test_confluent_crc32(seed: int) -> None:
    token = tokens.confluent_secret(seed)
    check = CHECKSUMS["confluent-crc32"]
    assert len(token) == 64 and check(token)
    assert not check(_flip_last(token))
    assert not check(token[:-1])


@pytest.mark.parametrize("seed", range(20))
def test_age_bech32(seed: int) -> None:
    key = tokens.age_secret_key(seed)
    check = CHECKSUMS["age-bech32"]
    assert key.startswith("AGE-SECRET-KEY-1") and len(key) == 74 and check(key)
    last = key[-1]
    assert not check(key[:-1] + ("Q" if last != "Q" else "P"))
    assert not check(key.replace("1", "B", 1))  # not the Bech32 alphabet


def test_age_documentation_placeholder_fails() -> None:
    assert not CHECKSUMS["age-bech32"]("AGE-SECRET-KEY-1" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890" + "A" * 22)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("alg", ["HS256", "RS256", "ES384", "EdDSA"])
def test_jwt_signed(alg: str, seed: int) -> None:
    token = tokens.jwt(seed, header={"alg": alg, "typ": "JWT"})
    assert CHECKSUMS["jwt"](token)


@pytest.mark.parametrize(
    "make",
    [
        lambda: tokens.jwt(1, header={"alg": "none", "typ": "JWT"}),  # unsigned by design
        lambda: tokens.jwt(2, signature=False),  # no signature
        lambda: tokens.jwt(3, header={"typ": "JWT"}),  # no algorithm
        lambda: tokens.jwt(4).replace(".", "!", 1),  # not three parts
        lambda: "eyJub3QganNvbg." + tokens.jwt(5).split(".", 1)[1],  # header is not JSON
    ],
)
def test_jwt_rejects_malformed(make) -> None:
    assert not CHECKSUMS["jwt"](make())


def test_documentation_dummies_include_the_jwt_io_sample_signature() -> None:
    sample = next(d for d in DOCUMENTATION_DUMMIES if d.startswith("eyJ") and d.count(".") == 2)
    assert is_documentation_dummy(sample)
    resigned_elsewhere = tokens.jwt(9).rpartition(".")[0] + "." + sample.rpartition(".")[2]
    assert is_documentation_dummy(resigned_elsewhere)
    assert not is_documentation_dummy(tokens.jwt(9))
