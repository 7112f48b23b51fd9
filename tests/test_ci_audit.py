"""The CI audit script (.ci/audit.py) fails on findings and tells an unreachable advisory
service apart from a clean result. The real tools run in .ci/run; here their reports are
given, in the JSON formats pip-audit and npm print."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit.py"

PIP_CLEAN = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []}
PIP_VULNERABLE = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.0",
            "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": []}],
        }
    ],
    "fixes": [],
}
PIP_UNREACHABLE = {
    "dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    ],
    "fixes": [],
}
NPM_CLEAN = {"metadata": {"vulnerabilities": {"low": 0, "moderate": 0, "high": 0, "critical": 0}}}
NPM_MODERATE = {
    "vulnerabilities": {"dkfds": {"severity": "moderate", "via": ["x"]}},
    "metadata": {"vulnerabilities": {"low": 0, "moderate": 1, "high": 0, "critical": 0}},
}
NPM_HIGH = {
    "vulnerabilities": {"dkfds": {"severity": "high", "via": [{"title": "XSS in tooltip"}]}},
    "metadata": {"vulnerabilities": {"low": 0, "moderate": 0, "high": 1, "critical": 0}},
}
NPM_UNREACHABLE = {"message": "405 Method Not Allowed", "statusCode": 405, "error": {}}


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("ci_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(pip, npm, required=False):
        def fake_run(cmd, **kwargs):
            report = npm if cmd[0] == "npm" else pip
            return subprocess.CompletedProcess(cmd, 1, json.dumps(report), "")

        monkeypatch.setattr(module.subprocess, "run", fake_run)
        monkeypatch.setattr(module, "REQUIRED", required)
        return module.main()

    return run


def test_clean_reports_pass(audit, capsys):
    assert audit(PIP_CLEAN, NPM_CLEAN) == 0
    assert "no known high-severity vulnerabilities" in capsys.readouterr().out


def test_a_python_vulnerability_fails(audit, capsys):
    assert audit(PIP_VULNERABLE, NPM_CLEAN) == 1
    assert "PYSEC-2025-1" in capsys.readouterr().out


def test_npm_high_fails_and_moderate_does_not(audit, capsys):
    assert audit(PIP_CLEAN, NPM_HIGH) == 1
    assert "XSS in tooltip" in capsys.readouterr().out
    assert audit(PIP_CLEAN, NPM_MODERATE) == 0


def test_unreachable_advisories_are_incomplete_not_clean(audit, capsys):
    assert audit(PIP_UNREACHABLE, NPM_UNREACHABLE) == 0
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "no known" not in out
    assert audit(PIP_UNREACHABLE, NPM_UNREACHABLE, required=True) == 1
