"""The one direction of dependencies: screens → kiosk → drivers interfaces, intake and kiosk each → wire (the
contract) and never one to the other; the core imports no device library; and no module imports itself back
through others (no import circles, type-only imports included)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "config", "drivers", "intake", "kiosk", "screens", "wire")
DEVICE_LIBRARIES = {"kivy", "cv2", "zxingcpp", "pyzbar", "smartcard", "escpos", "screens"}
RULES = {
    "kiosk": DEVICE_LIBRARIES | {"intake", "cli"},
    "drivers": {"kiosk", "screens", "kivy", "cli", "intake"},
    "intake": {"kivy", "screens", "cv2", "smartcard", "escpos", "cli", "kiosk", "drivers"},
    "wire": {"kiosk", "intake", "drivers", "screens", "cli", "kivy"},
}


def imports(path: Path) -> Iterator[str]:
    """Every absolute module name ``path`` imports, anywhere in the file (``from a.b import c`` gives ``a.b.c``
    and ``a.b``: ``c`` may be a module or a name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def imported_modules(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports(path)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (a package's ``__init__`` is its own node)."""
    files = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    return {name: {m for m in imports(path) if m in files and m != name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_respects_dependency_direction(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & RULES[package])
        for path in files if imported_modules(path) & RULES[package]
    }
    assert offenders == {}


def test_no_import_circles() -> None:
    assert cycles(project_graph()) == []


def test_rule_detects_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import cv2\nfrom smartcard.System import readers\nfrom kiosk.errors import KioskError\n",
                   encoding="utf-8")
    assert imported_modules(bad) & DEVICE_LIBRARIES == {"cv2", "smartcard"}
    assert imported_modules(bad) & RULES["intake"] == {"cv2", "smartcard", "kiosk"}


def test_circle_detection_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
