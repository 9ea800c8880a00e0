"""Decoded secrets and overlapping matches, through the CLI: where a finding points, how it says it
was decoded, and that one secret is reported once."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest

from corpus import ALNUM, Forge, build_corpus
from leakscan.matcher import build_engine
from leakscan.rules import load_rules
from leakscan.validate.decode import GATES, SpanFinder
from tokens import github_token

FORGE = Forge(7)  # generated values: nothing secret-shaped is written in this file
PASSWORD, USER_PASSWORD, API_KEY = (FORGE.text(ALNUM, n) for n in (14, 16, 20))
ACME = "acme_" + FORGE.text("abcdefghijklmnopqrstuvwxyz0123456789", 20)


def findings(run, target: Path, *args: str) -> list[dict]:
    proc = run("scan", str(target), "--format", "json", "--show-secrets", *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)["findings"]


def places(found: list[dict]) -> list[tuple]:
    return [
        (Path(f["path"]).name, f["line"], f["column"], f["rule_id"], f["secret"], f["decoded"]) for f in found
    ]


def test_base64_secret_points_at_the_encoded_text(run, tmp_path: Path, engine: str) -> None:
    token = github_token(11)
    encoded = base64.b64encode(token.encode()).decode()
    (tmp_path / "secret.yaml").write_text(f"kind: Secret\ndata:\n  token: {encoded}\n")
    assert places(findings(run, tmp_path, "--engine", engine)) == [
        ("secret.yaml", 3, 10, "github-pat-classic", token, "base64")
    ]


def test_binary_items_are_matched_but_not_decoded(run, tmp_path: Path, engine: str) -> None:
    plain, hidden = github_token(12), github_token(13)
    encoded = base64.b64encode(hidden.encode())
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01PK\x00" + plain.encode() + b"\n" + encoded + b"\n")
    (tmp_path / "text.txt").write_bytes(encoded + b"\n")
    assert places(findings(run, tmp_path, "--engine", engine)) == [
        ("blob.bin", 1, 6, "github-pat-classic", plain, None),
        ("text.txt", 1, 1, "github-pat-classic", hidden, "base64"),
    ]


def test_nested_base64_is_decoded_twice(run, tmp_path: Path, engine: str) -> None:
    auth = base64.b64encode(f"ci-bot:{PASSWORD}".encode()).decode()
    config = base64.b64encode(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}).encode()).decode()
    (tmp_path / "registry.yaml").write_text(f"data:\n  .dockerconfigjson: {config}\n")
    found = findings(run, tmp_path, "--engine", engine)
    assert [(f["line"], f["column"], f["secret"], f["decoded"]) for f in found] == [
        (2, 22, f"ci-bot:{PASSWORD}", "base64+base64")
    ]


def test_json_escapes_and_percent_encoding_point_at_the_escaped_secret(run, tmp_path: Path) -> None:
    escaped = PASSWORD[:5] + "\\u0026" + PASSWORD[5:]
    (tmp_path / "services.json").write_text(f'{{"smtp_password": "{escaped}"}}\n')
    quoted = urllib.parse.quote(f"https://sync:{USER_PASSWORD}@git.internal/repo.git", safe="")
    (tmp_path / "links.txt").write_text(f"mirror: https://gw.internal/login?next={quoted}\n")
    assert places(findings(run, tmp_path)) == [
        ("links.txt", 1, 61, "generic-url-password", USER_PASSWORD, "percent"),
        ("services.json", 1, 20, "generic-password", PASSWORD[:5] + "&" + PASSWORD[5:], "json"),
    ]


def test_notebook_cells_and_outputs_report_the_files_lines(run, tmp_path: Path) -> None:
    token = github_token(12)
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["import os\n", f'weather_api_key = "{API_KEY}"\n'],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"GH_TOKEN={token}\n"]}],
            }
        ]
    }
    (tmp_path / "analysis.ipynb").write_text(json.dumps(notebook, indent=1))
    assert places(findings(run, tmp_path)) == [
        ("analysis.ipynb", 7, 26, "generic-api-key", API_KEY, "json"),
        ("analysis.ipynb", 14, 17, "github-pat-classic", token, None),
    ]


def test_a_secret_visible_in_plain_text_is_not_reported_again_decoded(run, tmp_path: Path) -> None:
    token = github_token(13)
    (tmp_path / "a.json").write_text(
        json.dumps({"script": f'export GITHUB_TOKEN=\\"{token}\\" && make'}) + "\n"
    )
    found = findings(run, tmp_path)
    assert [(f["rule_id"], f["secret"], f["decoded"]) for f in found] == [("github-pat-classic", token, None)]


RULES = f"""provider: acme
rules:
  - id: acme-token
    name: Acme token
    severity: high
    pattern: '\\b(acme_[a-z0-9]{{20}})\\b'
    keywords: [acme_]
    examples: ['{ACME}']
  - id: acme-token-broad
    name: Acme token (any context)
    severity: high
    pattern: '(acme_[a-z0-9]{{20}})'
    keywords: [acme]
    examples: ['{ACME}']
"""


def test_two_specific_rules_on_one_span_report_it_once(run, tmp_path: Path) -> None:
    rules = tmp_path / "acme.yml"
    rules.write_text(RULES)
    target = tmp_path / "src"
    target.mkdir()
    (target / "app.env").write_text(f"ACME_API_TOKEN={ACME}\n")
    found = findings(run, target, "--rules", str(rules))
    # The longer literal keyword says more: acme-token wins; the generic assignment yields.
    assert [(f["rule_id"], f["secret"]) for f in found] == [("acme-token", ACME)]


def test_both_span_finders_find_the_same_spans(tmp_path: Path) -> None:
    pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    corpus = build_corpus(tmp_path / "repo")
    texts = [p.read_bytes() for p in corpus.root.rglob("*") if p.is_file() and ".git" not in p.parts]
    texts += [b"=dGVzdDp0ZXN0aW5nMTIz", b"x YWJjZGVmZ2hpams=\n", b"QUJDREVGR0hJSktM", b"a" * 100]
    # Escapes that are telling and some that are not (three spaces, a letter escape, a format).
    password = "pa55" + "w0rdXyz"  # built here: this repository's own scan must stay clean
    url = f"postgres://u:{password}@db/x"
    for gap in ("", " ", "  ", "   "):
        texts.append(f'x = "{{\\"a\\":{gap}\\"{url}\\"}}"\n'.encode())
    texts.append(f'"https:\\/\\/u:{password}@db.example\\/x"'.encode())
    texts += [b'"user\\u0040host.example"\n', f'f(a,  \\"{password}123\\")\n'.encode()]
    texts += [f'f(a,   \\"{password}123\\")\n'.encode(), b'printf("%02x%s")']
    texts += [url.replace("55", "55%40", 1).encode(), url.replace("55", "55%41", 1).encode()]
    fast, slow = SpanFinder(use_hyperscan=True), SpanFinder(use_hyperscan=False)
    # The gates matched in the engine's own pass over the rules (how detection finds them).
    rules = load_rules()
    engine = build_engine(rules, "hyperscan", side=GATES)
    for text in texts:
        gated: list[tuple[int, int]] = []
        engine.scan(text, None, gated)
        expected = [(s.start, s.end, s.kind, s.text) for s in slow.find(text, 1 << 20)]
        assert [(s.start, s.end, s.kind, s.text) for s in fast.find(text, 1 << 20)] == expected
        assert [(s.start, s.end, s.kind, s.text) for s in fast.find(text, 1 << 20, gated)] == expected
    assert any(slow.find(text, 1 << 20) for text in texts)
