"""The reference semantics of a rule: `regex` over the whole item, secret = group `secret` or 1."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from leakscan.model import RawMatch
from leakscan.rules import Rule, RuleSet

if TYPE_CHECKING:
    import regex


class Confirmer:
    """Compiles rule patterns on first use (start-up stays cheap) and extracts their matches."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules.rules
        self._compiled: dict[int, tuple[regex.Pattern[bytes], int | str]] = {}
        self._paths: dict[str, re.Pattern[str]] = {}
        self._any_path: dict[tuple[int, ...], re.Pattern[str]] = {}

    def applies(self, index: int, path: str | None) -> bool:
        """Whether rule `index` applies to an item at `path` (see `rule_applies`)."""
        return self.rule_applies(self.rules[index], path)

    def rule_applies(self, rule: Rule, path: str | None) -> bool:
        """Whether `rule` applies to an item at `path`: a rule with a `path` needs a path that
        matches it, and a rule with a `skip_path` never applies to a path that matches that."""
        if rule.skip_path is not None and path is not None and self._path(rule.skip_path).search(path):
            return False
        if rule.path is None:
            return True
        return path is not None and self._path(rule.path).search(path) is not None

    def _path(self, pattern: str) -> re.Pattern[str]:
        compiled = self._paths.get(pattern)
        if compiled is None:
            compiled = self._paths[pattern] = re.compile(pattern)  # `re`: the commit hook never needs `regex`
        return compiled

    def any_applies(self, indices: list[int], path: str) -> bool:
        """Whether any of the path-bound rules at `indices` may apply at `path` (their `path`
        patterns, in one search: one search per rule cost more than matching the item; a
        `skip_path` is left to `applies`)."""
        key = tuple(indices)
        combined = self._any_path.get(key)
        if combined is None:
            combined = self._any_path[key] = re.compile(
                "|".join(_scoped(self.rules[i].path or "(?!)") for i in indices)
            )
        return combined.search(path) is not None

    def matches(self, candidates: Iterable[int], data: bytes, path: str | None) -> list[RawMatch]:
        """Matches of the candidate rules in `data`, ordered by secret position, then rule order."""
        found: list[RawMatch] = []
        for index in sorted(set(candidates)):
            if self.applies(index, path):
                found.extend(self._rule_matches(index, data))
        found.sort(key=lambda m: (m.secret_start, m.rule_index))
        return found

    def _rule_matches(self, index: int, data: bytes) -> list[RawMatch]:
        pattern, group = self._pattern(index)
        out = []
        for m in pattern.finditer(data):
            start, end = m.span(group)
            if start < 0 or start == end:
                continue
            out.append(RawMatch(index, m.start(), m.end(), start, end, data[start:end]))
        return out

    def _pattern(self, index: int) -> tuple[regex.Pattern[bytes], int | str]:
        entry = self._compiled.get(index)
        if entry is None:
            import regex

            pattern = regex.compile(self.rules[index].pattern.encode("utf-8"))
            entry = (pattern, "secret" if "secret" in pattern.groupindex else 1)
            self._compiled[index] = entry
        return entry


_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(pattern: str) -> str:
    """`(?i)abc` → `(?i:abc)`: a pattern's leading flags, kept to it inside an alternation."""
    flags = _GLOBAL_FLAGS.match(pattern)
    if flags is None:
        return f"(?:{pattern})"
    return f"(?{flags.group(1)}:{pattern[flags.end() :]})"
