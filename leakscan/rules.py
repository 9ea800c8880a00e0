"""Rule files (YAML) → validated `Rule`s. Every problem names the file, the rule id and the field.

A rule file holds one provider:

    provider: github
    rules:
      - id: github-pat-classic
        name: GitHub personal access token (classic)
        severity: critical
        pattern: '\\b(ghp_[A-Za-z0-9]{36})\\b'
        keywords: [ghp_]
        ...

The full format is documented in rules/README.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakscan import __version__
from leakscan.cache import read_cached, write_cached
from leakscan.errors import RuleError

if TYPE_CHECKING:
    from leakscan.live.recipes import Recipe

SEVERITIES = ("critical", "high", "medium", "low", "info")
_ID = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
_FILE_KEYS = {"provider", "rules"}
_REQUIRED = ("id", "name", "severity", "pattern", "examples")
_OPTIONAL = (
    "provider",
    "description",
    "keywords",
    "min_entropy",
    "checksum",
    "negative_examples",
    "references",
    "path",
    "skip_path",
    "generic",
    "verify",
    "revoke",
    "parts",
)


@dataclass(frozen=True)
class Example:
    """Text a rule must (or must not) find; `secret` is what it must extract."""

    text: str
    secret: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Rule:
    """One detection rule, validated."""

    id: str
    name: str
    provider: str
    severity: str
    pattern: str
    source: str
    keywords: tuple[str, ...] = ()
    description: str = ""
    min_entropy: float | None = None
    checksum: str | None = None
    examples: tuple[Example, ...] = ()
    negative_examples: tuple[Example, ...] = ()
    references: tuple[str, ...] = ()
    path: str | None = None  # the rule applies only to items whose path matches this regex
    skip_path: str | None = None  # ...and never to items whose path matches this one
    generic: bool = False  # a broader rule: yields to a specific rule on the same secret
    verify: dict[str, Any] | None = field(default=None, compare=False)  # as written; see `live`
    revoke: dict[str, Any] | None = field(default=None, compare=False)
    parts: dict[str, Any] | None = field(default=None, compare=False)

    @cached_property
    def live(self) -> Recipe | None:
        """The live checks, typed (validated when the rule was loaded)."""
        from leakscan.live.recipes import parse_recipe

        return parse_recipe(self.source, self.id, self.verify, self.revoke, self.parts)


@dataclass(frozen=True)
class RuleSet:
    """The rules of one scan, in a stable order, with a hash that keys compiled caches."""

    rules: tuple[Rule, ...]

    @cached_property
    def digest(self) -> str:
        """SHA-256 over everything that changes what the rules match."""
        material = [[r.id, r.pattern, list(r.keywords), r.path, r.skip_path] for r in self.rules]
        blob = json.dumps([__version__, material], separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    @cached_property
    def _index(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if none)."""
        return self._index[rule_id]


def builtin_rules_dir() -> Path:
    """Where the shipped rules are: inside the installed package, or rules/ of a checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "rules", package_dir.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.yml")):
            return candidate
    raise RuleError(
        str(package_dir / "rules"), None, None, "the built-in rules are missing from this install"
    )


def load_rules(extra: Sequence[str | Path] = (), builtin: bool = True) -> RuleSet:
    """Load the built-in rules and any extra rule files or folders; raise RuleError on any problem.

    A rule set validated once is cached by the hash of its files, so start-up (a pre-commit hook)
    pays neither YAML parsing nor pattern validation again.
    """
    paths: list[Path] = []
    if builtin:
        paths.extend(sorted(builtin_rules_dir().glob("*.yml")))
    for entry in extra:
        paths.extend(_rule_files(Path(entry)))
    texts = [(str(path), _read(path)) for path in paths]
    key = hashlib.sha256(repr([__version__, *texts]).encode()).hexdigest()[:32]
    cached = _from_cache(read_cached(f"rules-{key}.json"))
    if cached is not None:
        return cached
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for source, text in texts:
        for rule in parse_rule_document(_parse_yaml(source, text), source):
            if rule.id in seen:
                raise RuleError(source, rule.id, "id", f"already defined in {seen[rule.id]}")
            seen[rule.id] = source
            rules.append(rule)
    write_cached(f"rules-{key}.json", json.dumps([asdict(r) for r in rules]).encode())
    return RuleSet(tuple(rules))


def _from_cache(raw: bytes | None) -> RuleSet | None:
    if raw is None:
        return None
    try:
        return RuleSet(tuple(_rule_from_dict(d) for d in json.loads(raw)))
    except (ValueError, TypeError, KeyError):
        return None


def _rule_from_dict(d: dict[str, Any]) -> Rule:
    examples = {k: tuple(Example(**e) for e in d[k]) for k in ("examples", "negative_examples")}
    lists = {k: tuple(d[k]) for k in ("keywords", "references")}
    return Rule(**{**d, **examples, **lists})


def _rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted([*path.glob("*.yml"), *path.glob("*.yaml")])
        if not found:
            raise RuleError(str(path), None, None, "no .yml rule files in this folder")
        return found
    if not path.is_file():
        raise RuleError(str(path), None, None, "no such rule file or folder")
    return [path]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(str(path), None, None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RuleError(str(path), None, None, "not UTF-8 text") from None


def load_rule_file(path: Path, live_checks: bool = True) -> list[Rule]:
    """Parse and validate one provider file (not cached: for the few rules a config names)."""
    return parse_rule_document(_parse_yaml(str(path), _read(path)), str(path), live_checks)


def _parse_yaml(source: str, text: str) -> object:
    import yaml  # only when rules are parsed, not when they come from the cache

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~8x faster where present
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise RuleError(source, None, None, f"not valid YAML{where}: {problem}") from None


def parse_rule_document(document: object, source: str, live_checks: bool = True) -> list[Rule]:
    """Validate a parsed provider document (a mapping with `provider` and `rules`); without
    `live_checks`, a rule with a live check is an error (rules from a scanned repository)."""
    if not isinstance(document, dict):
        raise RuleError(source, None, None, "expected a mapping with 'provider' and 'rules'")
    unknown = set(document) - _FILE_KEYS
    if unknown:
        raise RuleError(source, None, sorted(unknown)[0], "unknown top-level field")
    provider = document.get("provider")
    if not isinstance(provider, str) or not _ID.match(provider):
        raise RuleError(source, None, "provider", "required: a lowercase name such as 'github'")
    entries = document.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RuleError(source, None, "rules", "required: a non-empty list of rules")
    return [_parse_rule(entry, provider, source, n, live_checks) for n, entry in enumerate(entries, 1)]


def _parse_rule(entry: object, provider: str, source: str, number: int, live_checks: bool = True) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(source, f"#{number}", None, "each rule must be a mapping")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleError(source, f"#{number}", "id", "required: kebab-case, e.g. 'github-pat-classic'")
    check = _FieldChecker(source, rule_id, entry)
    unknown = set(entry) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise RuleError(source, rule_id, sorted(unknown)[0], "unknown field")
    live = next((k for k in ("verify", "revoke", "parts") if k in entry), None)
    if live and not live_checks:
        raise RuleError(
            source,
            rule_id,
            live,
            "a repository config cannot define live checks or endpoints (a scanned repository may "
            "be hostile); pass rules with live checks with --rules",
        )
    severity = check.text("severity")
    if severity not in SEVERITIES:
        raise RuleError(source, rule_id, "severity", f"must be one of {', '.join(SEVERITIES)}")
    pattern = check.pattern("pattern")
    rule = Rule(
        id=rule_id,
        name=check.text("name"),
        provider=check.text("provider", provider),
        severity=severity,
        pattern=pattern,
        source=source,
        keywords=check.words("keywords"),
        description=check.text("description", ""),
        min_entropy=check.number("min_entropy"),
        checksum=check.checksum("checksum"),
        examples=check.examples("examples", required=True),
        negative_examples=check.examples("negative_examples", required=False),
        references=check.words("references"),
        path=check.optional_pattern("path"),
        skip_path=check.optional_pattern("skip_path"),
        generic=check.flag("generic"),
        verify=check.mapping("verify"),
        revoke=check.mapping("revoke"),
        parts=check.mapping("parts"),
    )
    _ = rule.live  # a malformed live check fails here, naming its field, like any rule error
    return rule


class _FieldChecker:
    """Reads one field of one rule, raising RuleError that names it."""

    def __init__(self, source: str, rule_id: str, entry: dict[str, Any]) -> None:
        self.source, self.rule_id, self.entry = source, rule_id, entry

    def fail(self, name: str, problem: str) -> RuleError:
        return RuleError(self.source, self.rule_id, name, problem)

    def text(self, name: str, default: str | None = None) -> str:
        value = self.entry.get(name, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(name, "required: a non-empty string")
        return value

    def words(self, name: str) -> tuple[str, ...]:
        value = self.entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(name, "must be a list of non-empty strings")
        return tuple(value)

    def number(self, name: str) -> float | None:
        value = self.entry.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 8:
            raise self.fail(name, "must be a number of bits per character between 0 and 8")
        return float(value)

    def flag(self, name: str) -> bool:
        value = self.entry.get(name, False)
        if not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.entry.get(name)
        if value is not None and not isinstance(value, dict):
            raise self.fail(name, "must be a mapping")
        return value

    def checksum(self, name: str) -> str | None:
        from leakscan.validate.checksums import CHECKSUMS

        value = self.entry.get(name)
        if value is not None and value not in CHECKSUMS:
            raise self.fail(name, f"unknown checksum; known: {', '.join(sorted(CHECKSUMS))}")
        return value

    def pattern(self, name: str) -> str:
        value = self.text(name)
        import regex  # only when rules are parsed, not when they come from the cache

        try:
            compiled = regex.compile(value.encode("utf-8"))
        except regex.error as exc:
            raise self.fail(name, f"not a valid regular expression: {exc}") from None
        if compiled.groups == 0:
            raise self.fail(name, "needs a capture group: group 1 or (?P<secret>...) is the secret")
        return value

    def optional_pattern(self, name: str) -> str | None:
        value = self.entry.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(name, "must be a regular expression over the file path")
        try:
            re.compile(value)  # paths are matched with `re`: the commit hook never imports `regex`
        except re.error as exc:
            raise self.fail(name, f"not a valid regular expression: {exc}") from None
        return value

    def examples(self, name: str, required: bool) -> tuple[Example, ...]:
        value = self.entry.get(name, [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(name, "required: a non-empty list" if required else "must be a list")
        return tuple(self._example(name, item, positive=required) for item in value)

    def _example(self, name: str, item: object, positive: bool) -> Example:
        if isinstance(item, str) and item:
            return Example(text=item, secret=item if positive else None)
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise self.fail(name, "each example is a string or a mapping with 'text' (and 'secret', 'path')")
        extra = set(item) - {"text", "secret", "path"}
        if extra:
            raise self.fail(name, f"unknown example key {sorted(extra)[0]!r}")
        secret = item.get("secret")
        if positive and not isinstance(secret, str):
            raise self.fail(name, "a mapping example needs 'secret': the exact text the rule must extract")
        return Example(text=item["text"], secret=secret, path=item.get("path"))
