"""The one error type every stage raises, and the exit codes every command uses."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes shared by every command."""

    CLEAN = 0  # scanned everything, nothing to report
    FINDINGS = 1  # scanned everything, findings reported
    INCOMPLETE = 2  # could not scan everything (bad input, unreadable object, bad rule, internal error)


class LeakscanError(Exception):
    """A fatal, user-facing problem: printed as one line, exit code 2."""


class RuleError(LeakscanError):
    """A rule file is malformed; the message names the file, the rule id and the field."""

    def __init__(self, source: str, rule_id: str | None, field: str | None, problem: str) -> None:
        where = source
        if rule_id:
            where += f": rule {rule_id!r}"
        if field:
            where += f": field {field!r}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.rule_id = rule_id
        self.field = field
