"""Values shaped like a secret that are not one.

Three checks, from safest to most specific:

- `is_placeholder`: template placeholders, environment lookups and documentation dummies
  (`EXAMPLE`, `xxxxxxxx`, `<your-key>`, `${VAR}`, `{{ v }}`, `%(x)s`, `os.environ[...]`). A real
  token of any provider never looks like these, so every rule applies this check.
- `is_public_material`: values that are not secret by nature: lockfile integrity hashes
  (`sha512-…`), public keys and certificates, embedded images and data URIs. Every rule.
- `generic_reject`: for generic rules only, where the value is whatever follows a name such as
  `password =`: the name says it is not a secret (`page_token`, `public_key`, `password_hash`),
  or the value is code (a call, a variable, a path, a URL), a word or identifier, a UUID, or a
  test-looking value (`test1234`, `fake-token`). Provider rules keep real secrets that would
  fail these (Heroku keys are UUIDs; Stripe test keys say `test`).
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse

# Plain `re` (loaded at start-up anyway): the `regex` module is imported only when a rule's
# pattern has to run.

# Words and shapes that mark a value as an example, a template or an environment lookup.
_PLACEHOLDER = re.compile(
    r"""(?ix)
      example | sample | dummy | placeholder | change[_-]?me | redacted | insert[_-]?your
    | your[_-]?(?:own[_-]?)?(?:api[_-]?|access[_-]?|secret[_-]?|auth[_-]?)?(?:key|token|secret|pass)
    | ^<[^>]*>$ | \$\{[^}]*\} | \{\{[^}]*\}\} | \{%[^%]*%\} | <%[^%]*%> | %\([^)]*\)[sd]
    | ^\$[A-Za-z_][A-Za-z0-9_]*$ | ^\$\(.*\)$ | ^`.*`$ | ^%[A-Za-z_][A-Za-z0-9_]*%$ | ^@[A-Za-z_]\w*@$
    | \#\{[^}]*\}
    | os\.environ | getenv\s*\( | process\.env\b | \bENV\s*(?:\[|\.fetch) | System\.getenv
    | GetEnvironmentVariable | \benv\s*\(\s*['"]
    """
)
# Credentials printed in protocol specifications, which vendored protocol libraries quote in their
# docstrings and tests: OAuth 1.0 (RFC 5849), OAuth 2.0 (RFC 6749, 6750), HTTP Basic (RFC 7617).
# Exact values only; provider documentation dummies are listed in dummies.py.
_PROTOCOL_EXAMPLES = frozenset(
    {"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "hh5s93j4hdidpola", "hdhd0244k9j7ao03", "nnch734d00sl2jdk"}
    | {"pfkkdhi9sl3r4s00", "hfdp7dh39dks9884", "9djdj82h48djs9d2", "kkk9d7dh3k39sjv7", "j49sk3j29djd"}
    | {"dh893hdasih9", "0685bd9184jfhq22", "ad180jjd733klru7"}
    | {"s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw", "gX1fBat3bV", "czZCaGRSa3F0MzpnWDFmQmF0M2JW", "A3ddj3w"}
    | {"2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "SplxlOBeZQQYbYS6WxSbIA", "mF_9.B5f-4.1JqM"}
    | {"QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
)
_RUN = re.compile(r"(.)\1{5,}")
_SEQUENCE = re.compile(r"(?i)0123456789|1234567890|abcdefghij|qwertyuiop")

_PUBLIC = re.compile(
    r"""(?x)
      ^sha(?:1|256|384|512)-[A-Za-z0-9+/]{20,}={0,2}$           # npm/yarn integrity
    | BEGIN\ (?:[A-Z0-9]+\ )?PUBLIC\ KEY | BEGIN\ CERTIFICATE | BEGIN\ PGP\ PUBLIC
    | ^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com)\s+AAAA
    | ^data:[\w.+-]+/[\w.+-]+;base64,
    | ^(?:pk_(?:live|test)_|sb_publishable_|phc_)            # publishable: Stripe, Supabase, PostHog
    | ^(?:AC|SK|PN|MG|AP|CA)[0-9a-f]{32}$                  # Twilio account, key and service ids
    | \.apps\.googleusercontent\.com$                      # Google OAuth client ids
    | ^(?:iVBORw0KGgo|/9j/[0-9A-Za-z+/]|R0lGODlh|R0lGODdh|UklGR|PHN2Zy)  # png jpeg gif webp svg
    """
)

# Name parts that say the value is not a secret (split from `next_page_token`, `publicKey`...).
_NOT_SECRET_NAME_PARTS = frozenset(
    {"public", "pub", "publishable", "cert", "certificate", "csrf", "xsrf", "page", "next"}
    | {"continuation", "cancel", "cancellation", "sync", "resume", "pagination", "nonce", "site"}
    | {"hash", "hashed", "digest", "checksum", "sha", "sha1", "sha256", "sha512", "md5", "integrity"}
    | {"etag", "fingerprint", "commit", "revision", "rev"}
    | {"example", "sample", "dummy", "fake", "mock", "placeholder"}
)
_NAME = re.compile(r"([A-Za-z0-9_.$-]+)[^A-Za-z0-9_.$-]*$")
_SECRET_WORD = re.compile(r"(?i)pass|pwd|secret|token|key|auth|credential")
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# An identifier as people write them: snake_case, camelCase, PascalCase, UPPER_CASE.
_WORD = r"(?:[a-z_$][a-z0-9_$]*(?:[A-Z][a-z0-9]+)*|(?:[A-Z][a-z0-9]+)+|[A-Z][A-Z0-9_]*)"
_CODE = re.compile(
    r"""(?x)
      [(){}\[\]]                                          # calls, indexing, format fields
    | ^[$@&*%<~]                                          # a variable, a <tag>, a ~sphinx.ref
    | \$(?:[{(]|[A-Za-z_][A-Za-z0-9_]{2,})                # $VAR, ${VAR}, $(cmd) inside a value
    | ^{word}(?:(?:\.|::|->){word})+$                     # attribute or constant: settings.SECRET
    | ^(?:/|\./|\.\./|~/|[A-Za-z]:\\)                     # a path
    | ^[\w.-]+(?:/[\w.-]+)*\.(?i:json|pem|key|crt|cer|p12|pfx|jks|keystore|txt|ya?ml|env|cfg|conf|ini|xml)$
    | ^[A-Za-z][A-Za-z0-9+.-]*://                         # a URL (credentials in URLs have own rules)
    | ^(?i:true|false|null|nil|none|undefined|optional|required|string|bool|int)$
    """.replace("{word}", _WORD)
)
_WORDLIKE = re.compile(
    r"""(?x)
      ^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$    # UPPER_SNAKE: the name of an environment variable
    | ^[a-z]+(?:[ _.:@/-][a-z]+)*$        # lower words: my_secret, db-password-secret, user@host
    | ^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$      # CamelCase words without digits
    | ^[^\W\d_]*[^\x00-\x7f][^\W\d_]*$    # a word with non-ASCII letters: a translation (Contraseña)
    | ^\d+$
    """
)
# Keys that are public by design, recognised by what surrounds them: Algolia DocSearch's
# search-only key in a docs theme (`docsearch({ apiKey: '…', indexName: '…' })`).
_PUBLIC_CONTEXT = re.compile(r"(?i)docsearch\s*\(")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UUID = re.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TEST_LOOKING = re.compile(
    r"""(?ix)
      test | fake | mock | dummy | sample | example | placeholder | change[_-]?me | changeit | lorem
    | secret | passw | p[@4]ss | pa\$\$ | foo | bar | baz | qwerty | letmein | hunter2 | admin
    | default | token | api[_-]?key | my[_-]?key | xxx | \*\*\* | \.\.\. | 12345 | abcde | ssw[o0]rd
    """
)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")
_PERIODIC = re.compile(r"^(.{1,4}?)\1{2,}.{0,3}$")


def is_placeholder(secret: str) -> bool:
    """Whether `secret` is a documentation dummy, a template placeholder or an environment lookup."""
    return (
        secret in _PROTOCOL_EXAMPLES
        or _PLACEHOLDER.search(secret) is not None
        or _mostly_one_character(secret)
    )


def is_public_material(secret: str) -> bool:
    """Whether `secret` is public by nature: an integrity hash, a public key or certificate, an image."""
    return _PUBLIC.search(secret) is not None


def generic_reject(secret: str, context: str) -> str | None:
    """Why a generic rule's value is not a secret ("name", "public", "code", "word", "uuid",
    "test-value"), or None. `context` is the text just before the value (a few lines at most): its
    last line holds the name the value is assigned to."""
    if _name_says_not_secret(assigned_name(context)):
        return "name"
    if _PUBLIC_CONTEXT.search(context):
        return "public"
    if context.endswith(f"{secret}:") or context.endswith(f"{urllib.parse.unquote(secret)}:"):
        return "test-value"  # `user:user@host`, `-u admin:admin`: the password is the user name
    return value_reject(secret)


def value_reject(value: str) -> str | None:
    """Why a value assigned to a secret-sounding name is not a secret, or None."""
    if _CODE.search(value):
        return "code"
    if _UUID.match(value):
        return "uuid"
    if _WORDLIKE.match(value) or _PERIODIC.match(value):
        return "word"
    if _TEST_LOOKING.search(value) or _SEQUENCE.search(value) or is_placeholder(value):
        return "test-value"
    if "%" in value and _PERCENT_ESCAPE.search(value):
        return value_reject(urllib.parse.unquote(value))
    decoded = _decoded_text(value)
    if decoded is not None:
        # `Basic dXNlcm5hbWU6cGFzc3dvcmQ=` is "username:password": judge what it says.
        password = decoded.rpartition(":")[2] if ":" in decoded else decoded
        if len(password) < 4 or value_reject(password) is not None:
            return "test-value"
    return None


def assigned_name(context: str) -> str:
    """The name a value is assigned to: the last identifier in `context` (`DB_PASSWORD` in
    `export DB_PASSWORD="`, `password` in `<password>`)."""
    m = _NAME.search(context.rpartition("\n")[2].rstrip(" \t\"'`=:,>([{"))
    return m.group(1) if m else ""


def _name_says_not_secret(name: str) -> bool:
    """`next_page_token`, `publicKey`, `password_sha256`: a secret word qualified away. A name with
    no secret word in it is not the assignment's key (a URL's user name, a host) and says nothing."""
    if not _SECRET_WORD.search(name):
        return False
    parts = {p.lower() for p in _NAME_PARTS.findall(name)}
    return not parts.isdisjoint(_NOT_SECRET_NAME_PARTS)


def _decoded_text(value: str) -> str | None:
    """`value` decoded from base64 when it is base64 of printable text, else None."""
    if not _BASE64.match(value) or len(value) % 4:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw or any(b < 0x20 or b > 0x7E for b in raw):
        return None
    return raw.decode("ascii")


def _mostly_one_character(secret: str) -> bool:
    """`xxxxxxxx`, `ghp_0000…`, `AKIAXXXX…`: one repeated character fills much of the value.
    (Real key material may hold a short run, e.g. `AAAAAAAA` inside an OpenSSH key.)"""
    longest = max((len(m.group()) for m in _RUN.finditer(secret)), default=0)
    return longest >= 6 and longest * 3 >= len(secret)
