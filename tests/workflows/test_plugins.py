"""Workflow kinds are plugins: one module plus TOML adds a kind, and the touch UI's controller, the command line
and the demo all queue through the same ``submit``."""

from __future__ import annotations

import shutil
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk.controller import KioskController
from kiosk.session import Step
from kiosk.workflows.errors import ConfigError
from kiosk.workflows.plugin import WorkflowContext, WorkflowPlugin
from kiosk.workflows.registry import Registry, default_config_dir
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submit import start_visit, submit
from tests.workflows.conftest import chip_identity
from tests.workflows.test_one_stop import RecordingOutbox
from wire.errors import PayloadSchemaError

LIBRARY_MODULE = '''
"""A public library issuing reader cards: a fourth kind, added by this module and its TOML only."""

from typing import Any

from kiosk.workflows.plugin import Notice, Visit, WorkflowContext, WorkflowPlugin
from wire.schemas import FormPayload


class LibraryPayload(FormPayload):
    reader_card: str


class LibraryPlugin(WorkflowPlugin):
    kind = "library"
    payload_schema = LibraryPayload

    def before_consent(self, visit: Visit, ctx: WorkflowContext) -> list[Notice]:
        return [Notice("new-reader", "ok", "Bạn sẽ được cấp thẻ bạn đọc", "You will get a reader card",
                       "Mời bạn tiếp tục.", "Please continue.")]

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        number = "TV-" + (visit.form.get("id_number") or "")[-6:]
        visit.outputs["reader_card"] = number
        return {"reader_card": number}


PLUGIN = LibraryPlugin()
'''

LIBRARY_TOML = {
    "kinds/library.toml": 'kind = "library"\nmodule = "library_kind"\n',
    "forms/library-card.toml": '''
        consent_vi = "Thư viện dùng họ tên và số định danh để cấp thẻ bạn đọc."
        consent_en = "The library uses your name and ID number to issue a reader card."

        [[fields]]
        name = "full_name"
        label_vi = "Họ và tên"
        label_en = "Full name"
        required = true
        identity = "full_name"

        [[fields]]
        name = "id_number"
        label_vi = "Số định danh"
        label_en = "ID number"
        type = "id_number"
        required = true
        identity = "id_number"
        ''',
    "procedures/library-card.toml": '''
        id = "library-card"
        kind = "library"
        form = "library-card"
        title_vi = "Làm thẻ bạn đọc"
        title_en = "Reader card"
        ''',
    "profiles/library.toml": '''
        id = "library"
        title_vi = "Thư viện"
        title_en = "Library"
        procedures = ["library-card"]
        ''',
}


@pytest.fixture
def library_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped configuration plus the library kind: one module, its TOML files, nothing else."""
    config = tmp_path / "config"
    shutil.copytree(default_config_dir(), config, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for name, text in LIBRARY_TOML.items():
        (config / name).write_text(textwrap.dedent(text), encoding="utf-8")
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "library_kind.py").write_text(LIBRARY_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    return config


def test_a_fourth_kind_is_one_module_plus_toml(library_config: Path) -> None:
    registry = Registry(library_config)
    assert sorted(registry.kinds) == ["clinic", "library", "lodging", "one-stop"]
    outbox = RecordingOutbox()
    # The touch UI's road: the controller, the check screen's notices, consent, the one submit.
    controller = KioskController(registry, "library", outbox=outbox)  # type: ignore[arg-type]
    controller.start("library-card")
    controller.session.offer_identity(chip_identity())
    assert controller.can_continue()
    controller.to_consent()
    deadline = time.monotonic() + 5
    while controller.checking and time.monotonic() < deadline:
        time.sleep(0.01)
    assert controller.session.step is Step.CHECK
    assert [n.code for n in controller.notices()] == ["new-reader"]
    controller.continue_to_consent()
    assert controller.submit() is None
    assert controller.session.step is Step.DONE
    [(kind, data, _evidence)] = outbox.items
    assert kind == "library" and data["reader_card"] == "TV-123456" and data["procedure"] == "library-card"
    assert controller.submitted is not None and controller.submitted.outputs == {"reader_card": "TV-123456"}
    controller.cancel()


def test_shipped_kinds_without_the_module_are_refused(library_config: Path) -> None:
    (library_config / "kinds" / "library.toml").write_text('kind = "library"\nmodule = "no_such_module"\n')
    with pytest.raises(ConfigError) as info:
        Registry(library_config)
    assert "no_such_module" in info.value.message
    other = 'kind = "library"\nmodule = "kiosk.workflows.kinds.clinic"\n'
    (library_config / "kinds" / "library.toml").write_text(other)
    with pytest.raises(ConfigError):  # a module for another kind
        Registry(library_config)


def test_nothing_is_queued_that_the_intake_would_refuse(tmp_path: Path) -> None:
    registry = Registry()
    form = fill_workflow(registry, "clinic", chip_identity(), {"visit_reason": "Khám"})
    outbox = RecordingOutbox()

    class Broken(WorkflowPlugin):
        kind = "clinic"

        def submission_extra(self, visit: Any, ctx: WorkflowContext) -> dict[str, Any]:
            return {"fhir": {"resourceType": "Bundle", "type": "collection", "entry": []}}  # an empty Bundle

    registry.kinds["clinic"] = Broken()
    with pytest.raises(PayloadSchemaError) as info:
        submit(registry, start_visit(registry, form), outbox, WorkflowContext())
    assert (info.value.field or "").startswith("data.fhir")
    assert outbox.items == []
    # On the touch screen the same refusal is an error to show, not a crash; nothing is queued.
    controller = KioskController(registry, "clinic", outbox=outbox)  # type: ignore[arg-type]
    controller.start("clinic-checkin")
    controller.session.offer_identity(chip_identity())
    controller.set_value("visit_reason", "Khám")
    controller.to_consent()
    error = controller.submit()
    assert error is not None and error.code == "invalid-field" and error.message_vi
    assert controller.session.step is Step.CONSENT and outbox.items == []
    controller.cancel()


def test_every_caller_uses_the_one_submit() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = {p: p.read_text(encoding="utf-8") for d in ("cli", "kiosk", "screens", "bench")
               for p in (root / d).rglob("*.py")}
    queued = sorted(str(p.relative_to(root)) for p, text in sources.items() if "outbox.submit(" in text)
    # Besides the one road, only the raw ``kiosk submit`` command (scripted integrations, checked against the same
    # schema) and the queue's own benchmark call the outbox directly.
    assert queued == ["bench/outbox.py", "cli/submit.py", "kiosk/workflows/submit.py"], queued
    assert not any("def accept(" in text for p, text in sources.items() if p.name == "controller.py")
    assert not any('== "lodging"' in text for p, text in sources.items()
                   if p.name in ("controller.py", "service.py", "devices.py", "heartbeat.py"))
