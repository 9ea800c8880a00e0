"""Rules are data with their own proof: loading errors, `rules list`, `rules test`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tokens import github_token

GOOD_RULE = """\
provider: acme
rules:
  - id: acme-key
    name: Acme API key
    severity: high
    pattern: '\\b(acme_[a-z0-9]{16})\\b'
    keywords: [acme_]
    examples:
      - acme_0123456789abcdef
      - text: 'ACME_KEY="acme_fedcba9876543210"'
        secret: acme_fedcba9876543210
    negative_examples:
      - acme_short
    references: [https://acme.invalid/docs/keys]
"""


def write_rule(tmp_path: Path, text: str, name: str = "acme.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            ("severity: high", "severity: urgent"),
            "rule 'acme-key': field 'severity': must be one of critical",
        ),
        (
            ("pattern: '\\b(acme_", "pattern: '\\b((acme_"),
            "rule 'acme-key': field 'pattern': not a valid regular",
        ),
        (("keywords: [acme_]", "keyword: [acme_]"), "rule 'acme-key': field 'keyword': unknown field"),
        (("id: acme-key", "id: Acme Key"), "rule '#1': field 'id': required: kebab-case"),
        (("    examples:\n", "    exemples:\n"), "rule 'acme-key': field 'exemples': unknown field"),
        (("provider: acme", "provider: [acme"), "not valid YAML at line 2: "),
        (("'\\b(acme_[a-z0-9]{16})\\b'", "'acme_[a-z0-9]{16}'"), "field 'pattern': needs a capture group"),
    ],
)
def test_malformed_rule_is_one_line_naming_file_rule_and_field(run, tmp_path: Path, change, where) -> None:
    old, new = change
    assert old in GOOD_RULE
    path = write_rule(tmp_path, GOOD_RULE.replace(old, new))
    proc = run("scan", str(tmp_path), "--rules", str(path))
    assert proc.returncode == 2
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith(f"leakscan: error: {path}: ")
    assert where in line
    assert b"Traceback" not in proc.stderr


def test_duplicate_rule_id_is_an_error(run, tmp_path: Path) -> None:
    first = write_rule(tmp_path, GOOD_RULE, "a.yml")
    second = write_rule(tmp_path, GOOD_RULE, "b.yml")
    proc = run("rules", "list", "--rules", str(first), "--rules", str(second))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == (
        f"leakscan: error: {second}: rule 'acme-key': field 'id': already defined in {first}"
    )


def test_extra_rules_find_secrets(run, tmp_path: Path) -> None:
    rules = write_rule(tmp_path, GOOD_RULE)
    target = tmp_path / "src"
    target.mkdir()
    (target / "a.txt").write_text("key = acme_0123456789abcdef\n")
    proc = run("scan", str(target), "--rules", str(rules), "--format", "jsonl")
    assert proc.returncode == 1
    assert b'"rule_id": "acme-key"' in proc.stdout and b'"line": 1, "column": 7' in proc.stdout


def test_rules_list_table(run, tmp_path: Path) -> None:
    proc = run("rules", "list", "--rules", str(write_rule(tmp_path, GOOD_RULE)))
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split() == ["ID", "PROVIDER", "SEVERITY", "LIVE", "CHECK"]
    expected = ["github-pat-classic", "github", "critical", "verify+revoke"]
    assert any(line.split() == expected for line in lines)
    assert any(line.split() == ["discord-bot-token", "discord", "high", "verify"] for line in lines)
    assert lines[-1].split() == ["acme-key", "acme", "high", "no"]


def test_rules_test_passes_on_builtin_rules(run, engine: str) -> None:
    proc = run("rules", "test", "--engine", engine)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().startswith("all pass: ")


def test_rules_test_reports_each_failing_example(run, tmp_path: Path, engine: str) -> None:
    broken = GOOD_RULE.replace("acme_fedcba9876543210\n", "acme_fedcba98765432XX\n").replace(
        "- acme_short", "- acme_aaaabbbbccccdddd"
    )
    path = write_rule(tmp_path, broken)
    proc = run("rules", "test", str(path), "--engine", engine)
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [
        f"{path}: acme-key: example 2: expected exactly 'acme_fedcba98765432XX', "
        "found ['acme_fedcba9876543210']",
        f"{path}: acme-key: negative example 1: matched 'acme_aaaabbbbccccdddd'",
    ]
    assert proc.stdout.decode().startswith("2 failures; 1 rules, 2 examples, 1 negative examples")


def test_rules_test_says_why_an_example_was_dropped(run, tmp_path: Path) -> None:
    token = github_token(5)
    rule = GOOD_RULE.replace("[a-z0-9]{16}", "[a-z0-9]{16}").replace(
        "    references:", "    min_entropy: 4.5\n    references:"
    )
    path = write_rule(tmp_path, rule)
    proc = run("rules", "test", str(path))
    assert proc.returncode == 1
    assert (
        "example 1: expected 'acme_0123456789abcdef', found nothing (dropped: entropy)"
        in proc.stderr.decode()
    )
    assert token  # the generator is importable where rule tests need checksummed examples


def test_wheel_ships_the_rules(tmp_path: Path) -> None:
    """The rules load from an installed wheel, not only from the checkout."""
    repo = Path(__file__).resolve().parents[1]
    source = tmp_path / "src"  # setuptools builds in place: keep its build/ out of the checkout
    shutil.copytree(repo, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info"))
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        capture_output=True,
    )
    if build.returncode != 0 and b"No module named" in build.stderr:
        pytest.skip("setuptools/wheel are not installed in this environment")
    assert build.returncode == 0, build.stderr.decode()
    [wheel] = (tmp_path / "dist").glob("leakscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "leakscan/rules/github.yml" in names and "leakscan/rules/README.md" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    proc = subprocess.run(
        [sys.executable, "-m", "leakscan", "rules", "list"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"github-pat-classic" in proc.stdout
