"""Documentation dummies and template placeholders: shaped like a secret, but never one."""

from __future__ import annotations

import re

# Plain `re` (loaded at start-up anyway): the `regex` module is imported only when a rule's
# pattern has to run.
# Words and shapes that mark a value as an example, a template or an environment lookup.
_PLACEHOLDER = re.compile(
    r"""(?ix)
      example | sample | dummy | placeholder | changeme | redacted | insert[_-]?your
    | your[_-]?(?:api[_-]?)?(?:key|token|secret|password)
    | ^<[^>]*>$ | \$\{[^}]*\} | \{\{[^}]*\}\} | %\([^)]*\)s | ^\$[A-Z_][A-Z0-9_]*$
    """
)
_RUN = re.compile(r"(.)\1{5,}")


def is_placeholder(secret: str) -> bool:
    """Whether `secret` is a documentation dummy or a template placeholder."""
    return _PLACEHOLDER.search(secret) is not None or _mostly_one_character(secret)


def _mostly_one_character(secret: str) -> bool:
    """`xxxxxxxx`, `ghp_0000…`, `AKIAXXXX…`: one repeated character fills much of the value.
    (Real key material may hold a short run, e.g. `AAAAAAAA` inside an OpenSSH key.)"""
    longest = max((len(m.group()) for m in _RUN.finditer(secret)), default=0)
    return longest >= 6 and longest * 3 >= len(secret)
