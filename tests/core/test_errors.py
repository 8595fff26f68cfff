"""One exception tree: every typed error of the project derives from ``wire.errors.CodedError`` (drawn at the top of
``wire/errors.py``), so a caller catches one type and every error carries a code."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from wire.errors import CodedError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("wire", "kiosk", "drivers", "intake")
# Internal signals that never leave their module (caught where raised), not errors reported to anyone.
INTERNAL = {"drivers.emrtd.cms.SignatureCheckError", "drivers.qr.zbar_binary.ZbarUnavailableError"}


def error_classes() -> list[tuple[str, str]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and \
                        f"{module}.{node.name}" not in INTERNAL:
                    found.append((module, node.name))
    return found


@pytest.mark.parametrize(("module", "name"), error_classes())
def test_every_error_derives_from_the_one_base(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, CodedError), f"{module}.{name}"
    assert isinstance(cls.code, str) and cls.code


def test_the_tree_is_drawn_in_one_place() -> None:
    drawn = (ROOT / "wire" / "errors.py").read_text(encoding="utf-8")
    for root in ("KioskError", "IntakeError", "EmrtdError", "TransportError", "CameraError", "PrinterError"):
        assert root in drawn
