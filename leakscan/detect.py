"""One item, start to finish: match every rule, validate each match, locate what survives.

This is where a finding is born (in a worker process); `scan.py` gives it its place in a report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from leakscan.findings import Locator
from leakscan.matcher import Engine
from leakscan.model import Hit, RawMatch
from leakscan.rules import Rule, RuleSet
from leakscan.suppress import line_marker
from leakscan.validate.checksums import CHECKSUMS
from leakscan.validate.dummies import is_documentation_dummy
from leakscan.validate.entropy import shannon
from leakscan.validate.placeholders import is_placeholder


@dataclass
class Detection:
    """What one item yielded: the hits, and how many raw matches each validator dropped."""

    hits: list[Hit] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def reject_reason(rule: Rule, secret: str) -> str | None:
    """Why a raw match of `rule` is not a finding ("checksum", "entropy", "placeholder"), or None."""
    if rule.checksum is not None and not CHECKSUMS[rule.checksum](secret):
        return "checksum"
    if rule.min_entropy is not None and shannon(secret) < rule.min_entropy:
        return "entropy"
    if is_placeholder(secret) or is_documentation_dummy(secret):
        return "placeholder"
    return None


class Detector:
    """Runs the match → validate → locate pipeline over items with one engine."""

    def __init__(self, rules: RuleSet, engine: Engine) -> None:
        self.rules = rules.rules
        self.engine = engine

    def detect(self, data: bytes, path: str | None = None) -> Detection:
        """Findings-to-be in `data`, in order of position."""
        result = Detection()
        kept: list[RawMatch] = []
        for raw in self.engine.scan(data, path):
            reason = reject_reason(self.rules[raw.rule_index], raw.secret.decode("utf-8", "replace"))
            if reason is None:
                kept.append(raw)
            else:
                result.dropped[reason] += 1
        kept = self._prefer_specific(kept, result.dropped)
        locator = Locator(data, marker=line_marker)
        for raw in kept:
            result.hits.append(locator.hit(self.rules[raw.rule_index].id, raw.secret_start, raw.secret_end))
        return result

    def _prefer_specific(self, kept: list[RawMatch], dropped: Counter[str]) -> list[RawMatch]:
        """A generic rule yields to a specific rule that found an overlapping secret."""
        specific = [(m.secret_start, m.secret_end) for m in kept if not self.rules[m.rule_index].generic]
        if len(specific) == len(kept):
            return kept
        out = []
        for m in kept:
            if self.rules[m.rule_index].generic and any(
                s < m.secret_end and m.secret_start < e for s, e in specific
            ):
                dropped["overlap"] += 1
            else:
                out.append(m)
        return out
