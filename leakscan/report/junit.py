"""JUnit XML, for the test-report views of GitLab CI and Jenkins.

Each reported finding is a failed test case named after its place and rule; each unreadable input
is a test case in error. A clean scan is one passing test case, so the report is never empty.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from leakscan.findings import printable, redact, snippet
from leakscan.model import Finding, ScanError, ScanResult


def render(result: ScanResult, show_secrets: bool, color: bool = False) -> str:
    """The JUnit XML document: one test suite named after the scan."""
    findings = result.reported
    suite = ET.Element(
        "testsuite",
        name=f"leakscan {result.mode}",
        tests=str(max(1, len(findings) + len(result.errors))),
        failures=str(len(findings)),
        errors=str(len(result.errors)),
        skipped="0",
        time=f"{result.duration_s:.3f}",
        timestamp=result.started_at,
    )
    for finding in findings:
        suite.append(_failed_case(finding, show_secrets))
    for error in result.errors:
        suite.append(_error_case(error))
    if not findings and not result.errors:
        ET.SubElement(suite, "testcase", classname="leakscan", name="no secrets found", time="0")
    root = ET.Element(
        "testsuites", name="leakscan", tests=suite.get("tests", "0"), failures=suite.get("failures", "0")
    )
    root.set("errors", suite.get("errors", "0"))
    root.append(suite)
    ET.indent(root)
    document = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_safe(document) + "\n"


def _failed_case(finding: Finding, show_secrets: bool) -> ET.Element:
    shown = finding.secret if show_secrets else redact(finding.secret)
    case = ET.Element(
        "testcase",
        classname=finding.path,
        name=f"{finding.rule_id} at line {finding.line}, column {finding.column}",
        file=finding.path,
        line=str(finding.line),
        time="0",
    )
    failure = ET.SubElement(case, "failure", type=finding.rule_id, message=f"{finding.rule_name}: {shown}")
    details = [
        f"{finding.path}:{finding.line}:{finding.column}  {finding.severity}  {finding.rule_id}",
        snippet(finding, show_secrets),
    ]
    if finding.commit is not None:
        c = finding.commit
        details.append(f"commit {c.id}  {c.author} <{c.email}>  {c.date}  {c.summary}")
    details.append("Not a secret? Add `leakscan:allow` in a comment on the line, or record it in a baseline.")
    failure.text = "\n".join(details)
    return case


def _error_case(error: ScanError) -> ET.Element:
    case = ET.Element("testcase", classname=error.path, name="could not scan", time="0")
    ET.SubElement(case, "error", type="unreadable", message=error.message)
    return case


def _xml_safe(document: str) -> str:
    """Text XML 1.0 can hold: control characters from scanned content become U+FFFD, and
    undecodable bytes of a file name '?'."""
    cleaned = "\n".join(printable(line) for line in document.split("\n"))
    return cleaned.encode("utf-8", "replace").decode("utf-8")
