"""Repository configuration (`.leakscan.toml`): what to allow, which rules to run.

    [allowlist]
    paths = ["rules/*.yml", "docs/**/*.md"]   # globs, relative to the file's folder
    regexes = ["^AKIA.{12}TEST$"]               # a secret matching one is allowed
    stopwords = ["fixture"]                     # a secret containing one is allowed

    [rules]
    disable = ["generic-password"]
    min_severity = "medium"

Configuration can only narrow what is reported: it never defines live checks or endpoints,
because a scanned repository may be hostile.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from leakscan.errors import LeakscanError
from leakscan.rules import SEVERITIES

CONFIG_NAME = ".leakscan.toml"
_SECTIONS = {"allowlist": {"paths", "regexes", "stopwords"}, "rules": {"disable", "min_severity"}}


@dataclass(frozen=True)
class Config:
    """Validated repository configuration; `root` is the folder its paths are relative to."""

    root: str = "."
    source: str | None = None
    allow_paths: tuple[str, ...] = ()
    allow_regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    min_severity: str = "info"


def find_config(target: str) -> Path | None:
    """The `.leakscan.toml` that governs `target`: in its folder or above, up to the repository root."""
    here = Path(target if os.path.isdir(target) else os.path.dirname(target) or ".").resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
        if (folder / ".git").exists():
            return None
    return None


def load_config(path: Path | None) -> Config:
    """Parse and validate a config file (no file: the empty config)."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LeakscanError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise LeakscanError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(text, str(path), str(path.resolve().parent))


def parse_config(text: str, source: str, root: str) -> Config:
    """Validate config text; `source` names it in errors, `root` is the folder its paths are relative to."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LeakscanError(f"{source}: not valid TOML: {exc}") from None
    _check_keys(source, document)
    allow, rules = document.get("allowlist", {}), document.get("rules", {})
    config = Config(
        root=root,
        source=source,
        allow_paths=_strings(source, "allowlist.paths", allow.get("paths", [])),
        allow_regexes=_strings(source, "allowlist.regexes", allow.get("regexes", [])),
        stopwords=_strings(source, "allowlist.stopwords", allow.get("stopwords", [])),
        disabled_rules=_strings(source, "rules.disable", rules.get("disable", [])),
        min_severity=rules.get("min_severity", "info"),
    )
    if config.min_severity not in SEVERITIES:
        raise LeakscanError(f"{source}: rules.min_severity: must be one of {', '.join(SEVERITIES)}")
    for pattern in config.allow_regexes:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise LeakscanError(f"{source}: allowlist.regexes: {pattern!r}: {exc}") from None
    return config


def _check_keys(source: str, document: dict[str, Any]) -> None:
    for section, value in document.items():
        if section not in _SECTIONS:
            raise LeakscanError(f"{source}: unknown section [{section}]")
        if not isinstance(value, dict):
            raise LeakscanError(f"{source}: [{section}] must be a table")
        unknown = set(value) - _SECTIONS[section]
        if unknown:
            raise LeakscanError(f"{source}: {section}.{sorted(unknown)[0]}: unknown field")


def _strings(source: str, name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LeakscanError(f"{source}: {name}: must be a list of strings")
    return tuple(value)
