#!/usr/bin/env python3
"""Dependency audits for CI: pip-audit over the project's virtualenv and `npm audit
--omit=dev` over the front-end packages the portal serves.

Fails (exit 1) when:
- pip-audit reports any known vulnerability (PyPI's advisories carry no severity, so every
  finding counts, which is stricter than "high"), or
- npm audit reports a vulnerability of severity high or critical.

When an advisory service cannot be reached (no network, a registry mirror without the audit
endpoint), the audit is incomplete, not clean: that is printed as a warning, and it fails
only with AUDIT_REQUIRED=1 (set it where CI has internet access).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("AUDIT_REQUIRED") == "1"


def pip_audit() -> tuple[list[str], str | None]:
    """Findings, and why the audit was incomplete (None if it was complete)."""
    tool = ROOT / ".venv" / "bin" / "pip-audit"
    proc = subprocess.run(
        [str(tool), "--local", "--skip-editable", "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return (
            [],
            f"pip-audit gave no report (exit {proc.returncode}): {proc.stderr.strip()[-400:]}",
        )
    deps = report.get("dependencies", [])
    findings = [
        f"{d['name']} {d.get('version', '')}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
        for d in deps
        for v in d.get("vulns", [])
    ]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    print(
        f"pip-audit: {audited} of {len(deps)} packages audited, {len(findings)} known vulnerabilities"
    )
    incomplete = None
    if skipped:
        incomplete = (
            f"{len(skipped)} packages could not be audited (e.g. {skipped[0]['skip_reason']}); "
            "PyPI's vulnerability data was not reachable"
        )
    return findings, incomplete


def npm_audit() -> tuple[list[str], str | None]:
    proc = subprocess.run(
        ["npm", "audit", "--omit=dev", "--audit-level=high", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return [], f"npm audit gave no report (exit {proc.returncode})"
    if "error" in report or "statusCode" in report:
        return [], f"npm audit could not reach the advisory endpoint: {report.get('message', '')}"
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    high = counts.get("high", 0) + counts.get("critical", 0)
    print(f"npm audit --omit=dev: {json.dumps(counts)}")
    findings = [
        f"{name}: {v.get('severity')} ({', '.join(str(x.get('title', x)) if isinstance(x, dict) else str(x) for x in v.get('via', []))})"
        for name, v in report.get("vulnerabilities", {}).items()
        if v.get("severity") in ("high", "critical")
    ]
    if high and not findings:
        findings = [f"{high} high or critical vulnerabilities"]
    return findings, None


def main() -> int:
    failed, complete = False, True
    for name, audit in (("pip-audit", pip_audit), ("npm audit", npm_audit)):
        findings, incomplete = audit()
        complete = complete and not incomplete
        for finding in findings:
            print(f"  VULNERABLE: {finding}")
        if findings:
            failed = True
        if incomplete:
            print(f"WARNING: {name} is incomplete: {incomplete}")
            if REQUIRED:
                failed = True
    if failed:
        print("Audits: FAILED")
    elif complete:
        print("Audits: no known high-severity vulnerabilities")
    else:
        print("Audits: none reported, but INCOMPLETE (see the warnings above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
