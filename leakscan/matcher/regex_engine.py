"""The pure-`regex` engine: rules whose keywords occur are confirmed with `regex`.

This is the reference engine and the fallback where Hyperscan has no wheel.
"""

from __future__ import annotations

from leakscan.matcher.confirm import Confirmer
from leakscan.matcher.keywords import KeywordFinder
from leakscan.model import RawMatch
from leakscan.rules import RuleSet


class RegexEngine:
    """Keyword prefilter, then `regex` over the whole item for each candidate rule."""

    name = "regex"
    side_patterns: tuple[tuple[bytes, bool], ...] = ()

    def __init__(self, rules: RuleSet) -> None:
        self.confirmer = Confirmer(rules)
        self.finder = KeywordFinder(k for r in rules.rules for k in r.keywords)
        self._always = [i for i, r in enumerate(rules.rules) if not r.keywords]
        self._by_keyword: dict[bytes, list[int]] = {}
        for index, rule in enumerate(rules.rules):
            for keyword in {k.lower().encode("utf-8") for k in rule.keywords}:
                self._by_keyword.setdefault(keyword, []).append(index)

    def scan(
        self, data: bytes, path: str | None = None, side: list[tuple[int, int]] | None = None
    ) -> list[RawMatch]:
        """All matches of all rules in `data` (`side` is left alone: this engine has no side patterns)."""
        candidates = list(self._always)
        for keyword in self.finder.present(data):
            candidates.extend(self._by_keyword[keyword])
        if not candidates:
            return []
        return self.confirmer.matches(candidates, data, path)
