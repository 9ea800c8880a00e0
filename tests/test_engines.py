"""Both engines give identical findings: on every built-in rule's examples laid out as a tree, on
patterns Hyperscan can only prefilter or cannot compile at all, and on real third-party text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
import yaml

from leakscan.rules import load_rules

TRICKY_RULES = r"""
provider: tricky
rules:
  - id: tricky-lookbehind
    name: value after a marker (lookbehind; Hyperscan prefilters it)
    severity: low
    pattern: '(?<=TRICKY_KEY=)([A-Z0-9]{12})\b'
    keywords: [tricky_key=]
    examples: [{text: 'TRICKY_KEY=AB12CD34EF56', secret: AB12CD34EF56}]
  - id: tricky-conditional
    name: quoted or bare value (a conditional group Hyperscan cannot compile)
    severity: low
    pattern: '\bcondkey:(")?(?P<secret>c0nd[a-z]{8})(?(1)")'
    keywords: ['condkey:']
    examples:
      - {text: 'condkey:"c0ndabcdefgh"', secret: c0ndabcdefgh}
      - {text: 'condkey:c0ndhgfedcba', secret: c0ndhgfedcba}
  - id: tricky-caseless-backref
    name: same delimiter on both sides, any case
    severity: low
    pattern: '(?i)\bbackref\s*=\s*([''"])(?P<secret>[a-z0-9]{10})\1'
    keywords: [backref]
    examples: [{text: "BackRef = 'q1w2e3r4t5'", secret: q1w2e3r4t5}]
  - id: tricky-multiline
    name: a block over several lines
    severity: low
    pattern: '-----BEGIN TRICKY-----\r?\n(?P<secret>(?:[A-Za-z0-9+/]{8,64}\r?\n){2,20})-----END TRICKY-----'
    keywords: ['-----BEGIN TRICKY']
    examples:
      - text: "-----BEGIN TRICKY-----\nQUJDREVGR0hJSktM\nTU5PUFFSU1RVVldY\n-----END TRICKY-----\n"
        secret: "QUJDREVGR0hJSktM\nTU5PUFFSU1RVVldY\n"
"""


def lay_out_examples(root: Path) -> list[tuple[str, str, str]]:
    """Every built-in rule's examples as files; returns (path, rule id, secret) expected."""
    expected = []
    for rule in load_rules().rules:
        for kind, examples in (("pos", rule.examples), ("neg", rule.negative_examples)):
            for n, example in enumerate(examples):
                folder = root / kind / rule.id / str(n)
                relative = example.path or "example.txt"
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"# leading line\n{example.text}\n# trailing line\n")
                if kind == "pos":
                    expected.append((str(target.relative_to(root)), rule.id, example.secret))
    return expected


def scan_json(run, target: str, engine: str, *extra: str, cwd: Path | None = None) -> dict:
    proc = run(
        "scan",
        target,
        "--format",
        "json",
        "--show-secrets",
        "--engine",
        engine,
        "--jobs",
        "1",
        *extra,
        cwd=cwd,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)


def test_labelled_tree_identical_on_both_engines(run, tmp_path: Path) -> None:
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    expected = lay_out_examples(tmp_path)
    by_engine = {e: scan_json(run, ".", e, cwd=tmp_path)["findings"] for e in ("hyperscan", "regex")}
    assert by_engine["hyperscan"] == by_engine["regex"]
    found = {(f["path"], f["rule_id"], f["secret"]) for f in by_engine["regex"]}
    missing = [e for e in expected if e not in found]
    assert missing == []
    negatives = {
        (f["path"].split(os.sep)[1], f["rule_id"]) for f in by_engine["regex"] if f["path"].startswith("neg")
    }
    assert {rule_id for folder, rule_id in negatives if folder == rule_id} == set()


def test_patterns_hyperscan_cannot_hold_fall_back_to_keywords(run, tmp_path: Path, engine: str) -> None:
    rules = tmp_path / "tricky.yml"
    rules.write_text(TRICKY_RULES)
    assert run("rules", "test", str(rules), "--engine", engine).returncode == 0
    target = tmp_path / "t"
    target.mkdir()
    (target / "a.txt").write_text("x TRICKY_KEY=ZZ99YY88XX77\ncondkey:c0ndqwertyui\nBACKREF='a1b2c3d4e5'\n")
    found = scan_json(run, str(target), engine, "--rules", str(rules))["findings"]
    assert [(f["rule_id"], f["line"], f["secret"]) for f in found] == [
        ("tricky-lookbehind", 1, "ZZ99YY88XX77"),
        ("tricky-conditional", 2, "c0ndqwertyui"),
        ("tricky-caseless-backref", 3, "a1b2c3d4e5"),
    ]


def test_real_text_identical_on_both_engines(run, tmp_path: Path) -> None:
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    for package in (click, yaml):
        folder = str(Path(package.__file__).parent)
        results = [scan_json(run, folder, e) for e in ("hyperscan", "regex")]
        assert results[0]["findings"] == results[1]["findings"]
        assert results[0]["scan"]["files"] == results[1]["scan"]["files"] > 5


def test_compiled_database_is_cached_and_a_bad_cache_is_rebuilt(run, tmp_path: Path, cache_dir: Path) -> None:
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    cache = tmp_path / "cache"
    (tmp_path / "a.txt").write_text("nothing")
    env = {"LEAKSCAN_CACHE_DIR": str(cache)}
    assert run("scan", str(tmp_path / "a.txt"), "--engine", "hyperscan", env=env).returncode == 0
    [db] = cache.glob("hs-*.db")
    db.write_bytes(b"garbage")
    assert run("scan", str(tmp_path / "a.txt"), "--engine", "hyperscan", env=env).returncode == 0
    assert db.read_bytes().startswith(b"leakscan-hsdb-3\n")


@pytest.mark.parametrize(
    ("pattern", "expression"),
    [
        (r"[A-Z]{64,8000}", r"[A-Z]{32,}"),  # a large bounded repeat is opened up
        (r"x{2,5}", r"x{2,}"),  # small ones too
        (r"a{40}", r"a{40}"),  # exact counts stay
        (r"(?:ab){3,100}?", r"(?:ab){3,}?"),
        (r"\{1,300}", r"\{1,300}"),  # an escaped brace is a literal
        (r"[]{1,300}]{1,300}", r"[]{1,300}]{1,}"),  # braces inside a class are literals
        (r"\s--(?:[a-z]{1,20}-){0,4}t", r"\s--(?:[a-z]{1,}-){0,}t"),
        (r"[^]]{33,34}", r"[^]]{32,}"),
        (r"a{1,300}+b", r"a{1,300}+b"),  # possessive: opening it up could lose matches
    ],
)
def test_hyperscan_prefilter_only_widens(pattern: str, expression: str) -> None:
    from leakscan.matcher.db_cache import widen_repeats

    assert widen_repeats(pattern) == expression


NESTED_RANGE_RULE = r"""
provider: cli
rules:
  - id: cli-token-flag
    name: a token given on a command line
    severity: low
    pattern: '\s--(?:[a-z]{1,20}-){0,4}token[ =](?P<secret>[a-z]{12})\b'
    keywords: [token]
    examples: [{text: 'run --api-token abcdefghijkl', secret: abcdefghijkl}]
"""


def test_nested_bounded_ranges_hyperscan_misses_are_still_found(run, tmp_path: Path, engine: str) -> None:
    """Hyperscan 5 loses this match when the ranges stay bounded; the prefilter opens them up."""
    rules = tmp_path / "cli.yml"
    rules.write_text(NESTED_RANGE_RULE)
    target = tmp_path / "notes.txt"
    target.write_text("xx an/koga-Village --token abcdefghijkl \n")
    found = scan_json(run, str(target), engine, "--rules", str(rules))["findings"]
    assert [(f["rule_id"], f["column"], f["secret"]) for f in found] == [
        ("cli-token-flag", 28, "abcdefghijkl")
    ]
