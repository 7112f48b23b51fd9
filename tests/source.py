"""Reading the portal's own code for the checks that enumerate what it imports."""

from __future__ import annotations

import ast


def lazily_imported(node: ast.AST) -> str | None:
    """The module a `lazy_module("x.y")` call imports at first use (partnership/lazy.py),
    or None for any other node: the checks that read imports count it as `import x.y`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "lazy_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None
