"""Rules carry their own proof: each example must yield exactly its secret, and no negative
example may yield anything. `leakscan rules test` and the test suite share this code path."""

from __future__ import annotations

from leakscan.detect import Detector, build_detector
from leakscan.rules import Example, Rule, RuleSet


def prove(rules: RuleSet, engine: str = "auto") -> tuple[list[str], tuple[int, int]]:
    """Run every example through the full detection pipeline; return failures and example counts."""
    detector = build_detector(rules, engine)
    failures: list[str] = []
    positives = negatives = 0
    for rule in rules.rules:
        for number, example in enumerate(rule.examples, 1):
            positives += 1
            problem = _check_positive(detector, rule, example)
            if problem:
                failures.append(f"{rule.source}: {rule.id}: example {number}: {problem}")
        for number, example in enumerate(rule.negative_examples, 1):
            negatives += 1
            found = _secrets(detector, rule, example)
            if found:
                failures.append(f"{rule.source}: {rule.id}: negative example {number}: matched {found[0]!r}")
    return failures, (positives, negatives)


def _check_positive(detector: Detector, rule: Rule, example: Example) -> str | None:
    found = _secrets(detector, rule, example)
    if found == [example.secret]:
        return None
    if not found:
        return f"expected {example.secret!r}, found nothing{_why_not(detector, example)}"
    return f"expected exactly {example.secret!r}, found {found!r}"


def _secrets(detector: Detector, rule: Rule, example: Example) -> list[str]:
    detection = detector.detect(example.text.encode("utf-8"), example.path)
    return [hit.secret for hit in detection.hits if hit.rule_id == rule.id]


def _why_not(detector: Detector, example: Example) -> str:
    dropped = detector.detect(example.text.encode("utf-8"), example.path).dropped
    return f" (dropped: {', '.join(sorted(dropped))})" if dropped else ""
