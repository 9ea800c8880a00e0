"""Accuracy on a labelled repository (tests/corpus.py), scanned through the CLI as a user does."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from corpus import Corpus, Reported, build_corpus, score

RECALL = 0.98
PRECISION = 0.98


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("accuracy") / "repo")


def scan_findings(run, corpus: Corpus, engine: str, out: Path, command: str = "scan") -> list[dict]:
    proc = run(
        command, str(corpus.root), "--engine", engine, "--format", "json", "-o", str(out), "--show-secrets"
    )
    assert proc.returncode == 1, proc.stderr.decode()
    return json.loads(out.read_text())["findings"]


def relative(corpus: Corpus, path: str) -> str:
    """A tree scan reports paths as given (here absolute); a history scan, relative to the repository."""
    return os.path.relpath(path, corpus.root) if os.path.isabs(path) else path


def reported(corpus: Corpus, findings: list[dict]) -> list[Reported]:
    return [Reported(f["rule_id"], relative(corpus, f["path"]), f["line"], f["secret"]) for f in findings]


def test_corpus_is_large_and_varied(corpus: Corpus) -> None:
    assert len(corpus.planted) >= 126
    assert len(corpus.kinds()) >= 47
    assert len(corpus.decoys) >= 28
    assert sum(p.history_only for p in corpus.planted) >= 5
    assert {p.encoding for p in corpus.planted} >= {"base64", "base64+base64", "json", "percent"}
    assert any(p.path.endswith(".ipynb") for p in corpus.planted)


def test_working_tree_recall_and_precision(run, engine: str, corpus: Corpus, tmp_path: Path) -> None:
    result = score(corpus, reported(corpus, scan_findings(run, corpus, engine, tmp_path / "r.json")), False)
    assert result.decoys_reported == []
    assert result.recall >= RECALL, [(p.kind, p.path, p.line) for p in result.missed]
    assert result.precision >= PRECISION, [(f.tool_rule, f.path, f.line) for f in result.false_findings]


def test_history_recall_and_precision(run, engine: str, corpus: Corpus, tmp_path: Path) -> None:
    findings = scan_findings(run, corpus, engine, tmp_path / "r.json", command="git")
    result = score(corpus, reported(corpus, findings), True)
    assert result.decoys_reported == []
    assert result.recall >= RECALL, [(p.kind, p.path, p.line) for p in result.missed]
    assert result.precision >= PRECISION, [(f.tool_rule, f.path, f.line) for f in result.false_findings]
    # Secrets that only the history holds: removed, deleted, or on an unmerged branch.
    gone = {p.secret for p in corpus.planted if p.history_only}
    assert gone <= {f["secret"] for f in findings if f["commit"]}


def test_each_secret_is_reported_once(run, corpus: Corpus, tmp_path: Path) -> None:
    findings = scan_findings(run, corpus, "regex", tmp_path / "r.json")
    places = Counter((f["path"], f["line"], f["secret"]) for f in findings)
    assert [place for place, n in places.items() if n > 1] == []


def test_decoded_secrets_point_at_their_encoded_text(run, corpus: Corpus, tmp_path: Path) -> None:
    findings = scan_findings(run, corpus, "regex", tmp_path / "r.json")
    decoded = {(relative(corpus, f["path"]), f["line"], f["decoded"]) for f in findings}
    encoded = [p for p in corpus.expected(history=False) if p.encoding]
    assert len(encoded) >= 8
    for planted in encoded:
        assert (planted.path, planted.line, planted.encoding) in decoded, planted
