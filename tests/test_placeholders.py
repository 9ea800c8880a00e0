"""What the placeholder filter takes for "not a secret", and what it must leave alone."""

from __future__ import annotations

import pytest

from leakscan.validate.placeholders import generic_reject, is_placeholder, is_public_material
from tokens import github_token


@pytest.mark.parametrize(
    "value",
    [
        "${DB_PASSWORD}",
        "{{ .Values.db.password }}",
        "%(password)s",
        "$API_TOKEN",
        "<your-api-key>",
        "os.environ['STRIPE_KEY']",
        "process.env.STRIPE_KEY",
        "getenv('TOKEN')",
        "xxxxxxxxxxxxxxxx",
        "AKIAIOSFODNN7EXAMPLE",
        "2YotnFZFEjr1zCsicMWpAA",  # RFC 6749's example access token
    ],
)
def test_placeholders_and_lookups(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "sha512-" + "q" * 86 + "==",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC\n-----END PUBLIC KEY-----",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl deploy@host",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
        "pk_live_51HqLyjWDarjtT1zdp7dc00aBcDeFgHiJkLmNoP",
    ],
)
def test_public_material(value: str) -> None:
    assert is_public_material(value)


@pytest.mark.parametrize(
    ("context", "value", "reason"),
    [
        ('next_page_token = "', "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA3", "name"),
        ('publicKey: "', "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB", "name"),
        ("onload=\"docsearch({\n  apiKey: '", "f177061e2354c50a97bfc635e827ffab", "public"),
        ('client_secret = "', "settings.OAUTH_CLIENT_SECRET", "code"),
        ('token = "', "get_token(user)", "code"),
        ("TOKEN_FILE=", "/run/secrets/api_token", "code"),
        ('password = "', "basic:$USERPASS64", "code"),
        ('api_key = "', "550e8400-e29b-41d4-a716-446655440000", "uuid"),
        ("password: ", "DATABASE_PASSWORD", "word"),
        ('"Password":"', "Contraseña", "word"),
        ('password = "', "test_password_123", "test-value"),
        ("Authorization: Basic ", "dXNlcm5hbWU6cGFzc3dvcmQ=", "test-value"),  # username:password
        ("https://user%40host:", "user%40host", "test-value"),
        ("https://user:", "p%C3%A4ssword", "test-value"),
    ],
)
def test_generic_values_that_are_not_secrets(context: str, value: str, reason: str) -> None:
    assert generic_reject(value, context) == reason


@pytest.mark.parametrize(
    ("context", "value"),
    [
        ('DB_PASSWORD = "', "Xop7UrzV#sHXRQ7v"),
        ("password: ", "afk.ZrHTOlUoSZFr"),
        ('api_key = "', "c81f2a9e47d35b60e1a7f4c2"),
        ("Authorization: Basic ", "ZGVwbG95OldxM3ZSOHRMcDJ6Sw=="),  # deploy:Wq3vR8tLp2zK
        ("git clone https://mirror:", "K3xq9LmZt2Wv8RpN"),
    ],
)
def test_generic_values_that_are_secrets(context: str, value: str) -> None:
    assert generic_reject(value, context) is None


def test_provider_tokens_pass_every_check() -> None:
    for seed in range(200):
        token = github_token(seed)
        assert not is_placeholder(token) and not is_public_material(token)
