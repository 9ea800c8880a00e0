"""Shared fixtures: run the CLI as a user does, with a private engine cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("leakscan-cache")


@pytest.fixture
def run(cache_dir: Path):
    """run(*args, input=bytes, cwd=path) → CompletedProcess of `python -m leakscan`."""

    def _run(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None):
        full_env = {**os.environ, "LEAKSCAN_CACHE_DIR": str(cache_dir), "NO_COLOR": "1", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "leakscan", *args],
            input=input,
            cwd=cwd,
            env=full_env,
            capture_output=True,
            timeout=600,
        )

    return _run


@pytest.fixture(params=["hyperscan", "regex"])
def engine(request: pytest.FixtureRequest) -> str:
    """Both matching engines; Hyperscan only where its wheel is installed."""
    if request.param == "hyperscan":
        pytest.importorskip("hyperscan", reason="the hyperscan package has no wheel for this platform")
    return request.param


@pytest.fixture
def issuer():
    """A fake provider API on 127.0.0.1 (see tests/issuer.py)."""
    from issuer import Issuer

    server = Issuer()
    yield server
    server.close()
