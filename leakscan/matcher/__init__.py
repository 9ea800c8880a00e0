"""How to match: every rule over an item in one pass, giving `RawMatch`es.

Two engines give identical matches by construction: each only decides which rules *may* match an
item (Hyperscan in one pass over all patterns; the `regex` engine by the rules' literal keywords),
then the same `regex` confirmation (`confirm.py`) extracts the matches of those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from leakscan.errors import LeakscanError
from leakscan.model import RawMatch
from leakscan.rules import RuleSet

ENGINES = ("auto", "hyperscan", "regex")


class Engine(Protocol):
    """Finds raw matches of a rule set in one item."""

    name: str
    side_patterns: tuple[tuple[bytes, bool], ...]  # matched in the same pass (Hyperscan only)

    def scan(
        self, data: bytes, path: str | None = None, side: list[tuple[int, int]] | None = None
    ) -> list[RawMatch]:
        """All matches of all rules in `data`, ordered by position then rule; the side patterns'
        matches are appended to `side` as (side pattern number, end) when it is given."""
        ...


def hyperscan_available() -> bool:
    """Whether the hyperscan package imports on this platform."""
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(name: str) -> str:
    """The concrete engine for `name`: "auto" picks Hyperscan where it is installed."""
    if name not in ENGINES:
        raise LeakscanError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name == "auto":
        return "hyperscan" if hyperscan_available() else "regex"
    if name == "hyperscan" and not hyperscan_available():
        raise LeakscanError("--engine hyperscan: the hyperscan package is not installed here")
    return name


def build_engine(rules: RuleSet, name: str = "auto", side: Sequence[tuple[bytes, bool]] = ()) -> Engine:
    """The engine called `name` (see `resolve_engine`). Hyperscan also matches the `side`
    patterns (expression, first match only) in its pass; the `regex` engine has no side patterns."""
    if resolve_engine(name) == "hyperscan":
        from leakscan.matcher.hyperscan_engine import HyperscanEngine

        return HyperscanEngine(rules, side)
    from leakscan.matcher.regex_engine import RegexEngine

    return RegexEngine(rules)
