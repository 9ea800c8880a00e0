"""Published documentation dummies: real-looking credentials that providers print in their docs.

They are copied verbatim into countless repositories, tests and tutorials; none of them grants
access to anything. Only exact values are listed (a near-miss is a different string and is judged
on its own). A JWT also counts as a dummy when its signature is a documented sample signature.
"""

from __future__ import annotations

DOCUMENTATION_DUMMIES: frozenset[str] = frozenset(
    {
        # AWS IAM docs ("Managing access keys"), the two example key pairs.
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        # jwt.io's sample token (HS256 with "your-256-bit-secret"), whole and its signature.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
        "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        # jwt.io's current sample (adds "admin": true; HS256 with "a-string-secret-at-least-256-bits-long").
        "KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30",
        # GitHub REST docs: app user token, OAuth token, installation token, refresh token.
        "ghu_16C7e42F292c6912E7710c838347Ae178B4a",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498",
        # Stripe API reference examples (secret and publishable test keys, old and new docs).
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "pk_test_6pRNASCoBOKtIshFeQd4XMUh",
        # Stripe CLI wiki, `stripe listen` output.
        "whsec_oZ8nus9PHnoltEtWZ3pGITZdeHWHoqnL",
        # Telegram Bot API docs and the "Bots: an introduction" page.
        "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
        "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        # Ably docs ("API key format"): the sample key, app ID I2E_JQ.
        "I2E_JQ.OqUdfg:EVKVTCBlzLBPYJiCZTsIW_pqylJ9WVRB5K9P19Ap1y0",
        # Mailgun API docs example key.
        "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        # Azure Storage emulator (Azurite) well-known account key, published by Microsoft.
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        # Azure Cosmos DB emulator well-known key, published by Microsoft.
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
        # Databricks CLI docs token.
        "dapi12345678901234567890123456789012",
        # Flask docs ("Configuration Handling", quickstart "Sessions").
        "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
        "5f352379324c22463451387a0aec5d2f",
        # Akamai EdgeGrid client library READMEs.
        "akab-c113ntt0k3n4qtari252bfxxbsl-yvsdj",
        # Openapi.com / openapi.it OAuth API specs: token and refresh-token examples.
        "5f8711afe4754a532a7a8358",
        "5f8041e42efdfc468b6e60ea",
        "656d1e2f8b3c2a001f7e4a12",
        "656d1e2f8b3c2a001f7e4a13",
        # Google API keys printed in public SDK samples and quickstarts (providers.md §2.5).
        "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
        "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
        "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
        "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
        "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    }
)


def is_documentation_dummy(secret: str) -> bool:
    """Whether `secret` is a value published in a provider's documentation, or ends in a documented
    sample JWT signature (a token built around the jwt.io sample is still the sample)."""
    if secret in DOCUMENTATION_DUMMIES:
        return True
    return "." in secret and secret.rpartition(".")[2] in DOCUMENTATION_DUMMIES
