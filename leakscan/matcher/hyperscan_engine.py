"""The Hyperscan engine: one compiled database of every rule, one pass per item.

Each pattern is compiled in prefilter mode with single-match reporting: Hyperscan then reports,
at most once per item, every rule that *may* match (prefilter matches are a superset), and the
`regex` confirmation decides. A pattern Hyperscan cannot compile even as a prefilter falls back
to its keywords, like the `regex` engine. The compiled database is cached on disk by rule-set hash.
"""

from __future__ import annotations

from leakscan.matcher.confirm import Confirmer
from leakscan.matcher.db_cache import load_or_compile
from leakscan.matcher.keywords import KeywordFinder
from leakscan.model import RawMatch
from leakscan.rules import RuleSet


class HyperscanEngine:
    """Hyperscan finds candidate rules for all patterns at once; `regex` confirms them."""

    name = "hyperscan"

    def __init__(self, rules: RuleSet) -> None:
        import hyperscan

        self.confirmer = Confirmer(rules)
        self.database, fallback = load_or_compile(rules)
        self.scratch = hyperscan.Scratch(self.database)
        self._fallback = fallback
        self._finder = KeywordFinder(k for i in fallback for k in rules.rules[i].keywords)
        self._fallback_keywords = {
            i: {k.lower().encode("utf-8") for k in rules.rules[i].keywords} for i in fallback
        }

    def scan(self, data: bytes, path: str | None = None) -> list[RawMatch]:
        """All matches of all rules in `data`."""
        candidates: list[int] = []

        def on_match(rule_index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            candidates.append(rule_index)

        self.database.scan(data, match_event_handler=on_match, scratch=self.scratch)
        if self._fallback:
            candidates.extend(self._fallback_candidates(data))
        if not candidates:
            return []
        return self.confirmer.matches(candidates, data, path)

    def _fallback_candidates(self, data: bytes) -> list[int]:
        present = self._finder.present(data)
        return [i for i, words in self._fallback_keywords.items() if not words or words & present]
