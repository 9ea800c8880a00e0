"""Repository configuration (`.leakscan.toml`): what to allow, which rules to run.

    [allowlist]
    paths = ["rules/*.yml", "docs/**/*.md"]   # globs, relative to the file's folder
    regexes = ["^AKIA.{12}TEST$"]               # a secret matching one is allowed
    stopwords = ["fixture"]                     # a secret containing one is allowed
    markers = ["gitleaks:allow"]                # other scanners' inline markers honoured (default: all)

    [rules]
    disable = ["generic-password"]
    min_severity = "medium"
    files = ["ci/acme-rules.yml"]               # more rules, in the rules YAML format
    [[rules.extra]]                             # or inline: one table per rule, same fields
    id = "acme-api-key"
    ...

Configuration lives in the scanned repository, which may be hostile: it can add detection rules,
but never live checks or endpoints (a rule with `verify` or `revoke` is an error here; such rules
come only from --rules, which the person running the scan chooses).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leakscan.errors import LeakscanError
from leakscan.rules import SEVERITIES, Rule, load_rule_file, parse_rule_document

CONFIG_NAME = ".leakscan.toml"
# Inline markers of other scanners that a config may honour (leakscan:allow always counts).
OTHER_MARKERS = ("gitleaks:allow", "pragma: allowlist secret")
_SECTIONS = {
    "allowlist": {"paths", "regexes", "stopwords", "markers", "baseline"},
    "rules": {"disable", "min_severity", "files", "extra"},
}


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
    markers: tuple[str, ...] = OTHER_MARKERS
    extra_rules: tuple[Rule, ...] = ()
    baseline: str | None = None  # the baseline every scan honours unless --baseline names another


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
    import tomllib  # only when there is a config file

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LeakscanError(f"{source}: not valid TOML: {exc}") from None
    _check_keys(source, document)
    allow, rules = document.get("allowlist", {}), document.get("rules", {})
    extra_rules = _extra_rules(source, Path(root), rules)
    # The examples of the config's own rules are not leaks: the config and its rule files are allowed.
    names = {CONFIG_NAME, os.path.basename(source)}
    rule_files = (*sorted(names), *rules.get("files", [])) if extra_rules else ()
    config = Config(
        root=root,
        source=source,
        allow_paths=_strings(source, "allowlist.paths", allow.get("paths", [])) + rule_files,
        allow_regexes=_regexes(source, _strings(source, "allowlist.regexes", allow.get("regexes", []))),
        stopwords=_strings(source, "allowlist.stopwords", allow.get("stopwords", [])),
        disabled_rules=_strings(source, "rules.disable", rules.get("disable", [])),
        min_severity=rules.get("min_severity", "info"),
        markers=_markers(source, allow.get("markers", list(OTHER_MARKERS))),
        extra_rules=extra_rules,
        baseline=_baseline(source, root, allow.get("baseline")),
    )
    if config.min_severity not in SEVERITIES:
        raise LeakscanError(f"{source}: rules.min_severity: must be one of {', '.join(SEVERITIES)}")
    return config


def _baseline(source: str, root: str, value: object) -> str | None:
    """The configured baseline file, relative to the config's folder."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise LeakscanError(f"{source}: allowlist.baseline: must be the path of a baseline file")
    return os.path.join(root, value)


def _regexes(source: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The allowlist regexes, each proven to compile (`regex` is imported only if there are some)."""
    if not patterns:
        return patterns
    import regex

    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise LeakscanError(f"{source}: allowlist.regexes: {pattern!r}: {exc}") from None
    return patterns


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


def _markers(source: str, value: object) -> tuple[str, ...]:
    markers = _strings(source, "allowlist.markers", value)
    for marker in markers:
        if marker not in OTHER_MARKERS:
            known = ", ".join(repr(m) for m in OTHER_MARKERS)
            raise LeakscanError(f"{source}: allowlist.markers: {marker!r} is not one of {known}")
    return markers


def _extra_rules(source: str, root: Path, table: dict[str, Any]) -> tuple[Rule, ...]:
    """Rules from `[[rules.extra]]` tables and `rules.files`, none of them with a live check."""
    inline = table.get("extra", [])
    if not isinstance(inline, list) or not all(isinstance(t, dict) for t in inline):
        raise LeakscanError(f"{source}: rules.extra: must be tables ([[rules.extra]])")
    found: list[Rule] = []
    if inline:
        document = {"provider": "custom", "rules": inline}
        found.extend(parse_rule_document(document, f"{source}: rules.extra", live_checks=False))
    for name in _strings(source, "rules.files", table.get("files", [])):
        found.extend(load_rule_file(root / name, live_checks=False))
    return tuple(found)
