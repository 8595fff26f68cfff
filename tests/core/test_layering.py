"""The one direction of dependencies: screens → kiosk → drivers interfaces; the core imports no device library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVICE_LIBRARIES = {"kivy", "cv2", "zxingcpp", "pyzbar", "smartcard", "escpos", "screens"}
RULES = {
    "kiosk": DEVICE_LIBRARIES,
    "drivers": {"kiosk", "screens", "kivy", "cli", "intake"},
    "intake": {"kivy", "screens", "cv2", "smartcard", "escpos", "cli"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_respects_dependency_direction(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & RULES[package])
        for path in files if imported_modules(path) & RULES[package]
    }
    assert offenders == {}


def test_rule_detects_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import cv2\nfrom smartcard.System import readers\n", encoding="utf-8")
    assert imported_modules(bad) & DEVICE_LIBRARIES == {"cv2", "smartcard"}
