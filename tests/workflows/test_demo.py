"""``kiosk run --profile P --simulate --json``: one simulated visit per profile prints the workflow's outputs
(clinic: the card check's code, the QĐ 130 XML and the FHIR Bundle; one-stop: the queue ticket and the CT01 PDF;
lodging: the declaration deadline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
# The address index is built once per run before the demos (a kiosk builds it once, at its first start, before anyone
# is served); each demo reads it back from the run's shared cache.
pytestmark = pytest.mark.usefixtures("address_service")


def demo(profile: str, state: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_STATE_DIR")}
    out = subprocess.run([sys.executable, "-m", "cli.main", "run", "--simulate", "--json", "--profile", profile,
                          "--state-dir", str(state)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, Any] = json.loads(out.stdout)
    assert result["ok"] and result["delivered"] and result["profile"] == profile
    return result


@pytest.mark.timeout(300)
def test_clinic_demo_prints_the_card_check_the_qd130_xml_and_the_fhir_bundle(tmp_path: Path) -> None:
    result = demo("clinic", tmp_path / "state")
    assert result["card_check"]["code"] == "000" and result["card_check"]["checked"] is True
    assert [n["code"] for n in result["notices"]] == ["000"]
    row = ET.fromstring(result["qd130_xml"]).find("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB")
    assert row is not None and row.findtext("SO_CCCD") == result["identity"]["id_number"]
    assert row.findtext("MA_THE_BHYT")  # a usable card fills the insurance fields
    bundle = Bundle.model_validate(result["fhir"])
    assert {e.resource.get_resource_type() for e in bundle.entry} == {"Patient", "Coverage", "Encounter"}
    assert set(result["timings"]) >= {"card_to_review_s", "checks_before_consent_s", "submit_to_delivered_s"}


@pytest.mark.timeout(300)
def test_one_stop_demo_prints_the_ticket_and_the_ct01_pdf(tmp_path: Path) -> None:
    result = demo("one-stop", tmp_path / "state")
    assert result["ticket"]["display"] == "C001" and result["ticket"]["counter_id"] == "residence"
    assert Path(result["ticket_image"]).is_file()  # the slip on the printer twin
    pdf = Path(result["ct01_pdf"])
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert result["identity"]["id_number"] in text.replace(" ", "")
    assert "submit_and_ticket_printed_s" in result["timings"]


@pytest.mark.timeout(300)
def test_lodging_demo_prints_the_declaration_deadline(tmp_path: Path) -> None:
    result = demo("lodging", tmp_path / "state")
    deadline = result["deadline"]
    assert deadline["rule"] in ("same-day-23h", "next-day-08h") and deadline["due"] > deadline["arrival"]
    assert deadline["status"] in ("pending", "due-soon") and deadline["minutes_left"] > 0
