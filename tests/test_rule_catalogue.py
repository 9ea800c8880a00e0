"""The built-in catalogue: large, each rule with its proof, Hyperscan-compilable, and quiet on
documentation dummies and tokens whose checksum cannot be right. (`leakscan rules test` on both
engines is test_rules_cli.py::test_rules_test_passes_on_builtin_rules.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tokens
from leakscan.rules import load_rules
from leakscan.validate.dummies import DOCUMENTATION_DUMMIES

# Rules whose pattern Hyperscan cannot compile even as a prefilter; they fall back to keywords.
HYPERSCAN_FALLBACK_ALLOWED: frozenset[str] = frozenset()


def test_catalogue_has_150_rules_each_with_its_proof() -> None:
    rules = load_rules().rules
    assert len(rules) >= 150
    for rule in rules:
        assert len(rule.examples) >= 2, rule.id
        assert len(rule.negative_examples) >= 1, rule.id
        assert rule.references and all(ref.startswith("https://") for ref in rule.references), rule.id
        # Keywords make the regex engine fast; a rule bound to a file's path is skipped by its path.
        assert rule.keywords or rule.path, rule.id


def test_every_pattern_compiles_in_hyperscan() -> None:
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    from leakscan.matcher.db_cache import compile_database

    rules = load_rules()
    fallback = compile_database(rules).fallback
    assert {rules.rules[i].id for i in fallback} <= HYPERSCAN_FALLBACK_ALLOWED


def _scan(run, engine: str, tree: Path) -> list[dict]:
    report = tree.parent / f"{tree.name}-{engine}.json"
    result = run("scan", str(tree), "--engine", engine, "--format", "json", "-o", str(report),
                 "--show-secrets", "--no-progress")  # fmt: skip
    assert result.returncode in (0, 1), result.stderr.decode()
    return json.loads(report.read_text())["findings"]


def test_github_dummies_and_wrong_checksums_are_not_reported(run, engine: str, tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    live = [tokens.github_token(1, "ghp_"), tokens.github_fine_grained_pat(2), tokens.github_token(3, "ghr_")]
    broken = [tokens.broken_checksum(tokens.github_token(seed, prefix)) for seed, prefix in
              enumerate(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])]  # fmt: skip
    fine = tokens.github_fine_grained_pat(4)
    broken.append(fine[:77] + ("AAAAAAAA" if fine[77:85] != "AAAAAAAA" else "BBBBBBBB") + fine[85:])
    docs = sorted(d for d in DOCUMENTATION_DUMMIES if d.startswith(("ghp_", "gho_", "ghu_", "ghs_", "ghr_")))
    lines = [f"GITHUB_TOKEN={value}" for value in [*broken, *docs, *live]]
    (tree / "settings.env").write_text("\n".join(lines) + "\n")
    found = _scan(run, engine, tree)
    assert sorted(f["secret"] for f in found) == sorted(live)


def test_documentation_dummies_are_not_reported(run, engine: str, tmp_path: Path) -> None:
    tree = tmp_path / "docs"
    tree.mkdir()
    contexts = ["token = {}", "aws_secret_access_key = {}", "Authorization: Bearer {}",
                "OPENAPI_TOKEN={}", "AccountName=devstoreaccount1;AccountKey={}", "key: {}"]  # fmt: skip
    text = "\n".join(c.format(d) for d in sorted(DOCUMENTATION_DUMMIES) for c in contexts)
    (tree / "README.md").write_text(text + "\n")
    assert _scan(run, engine, tree) == []


def test_checksummed_formats_are_found_with_valid_checksums(run, engine: str, tmp_path: Path) -> None:
    tree = tmp_path / "app"
    tree.mkdir()
    expected = {
        "gitlab-pat-routable": tokens.gitlab_routable_token(5),
        "npm-access-token": tokens.github_token(6, "npm_"),
        "vercel-personal-token": tokens.vercel_token(7),
        "confluent-api-secret": tokens.confluent_secret(8),
        "age-secret-key": tokens.age_secret_key(9),
    }
    (tree / ".env").write_text("".join(f"SECRET_{n}={v}\n" for n, v in enumerate(expected.values())))
    found = {(f["rule_id"], f["secret"]) for f in _scan(run, engine, tree)}
    assert found == set(expected.items())
