"""The workflow commands end to end: ``kiosk form``, ``kiosk lodging``, ``kiosk clinic``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

import cli.main
from tests.workflows.conftest import chip_identity, passport_identity, qr_identity

MODULES = ("cli.form", "cli.lodging", "cli.clinic")


@pytest.fixture(autouse=True)
def _cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli.main, "COMMAND_MODULES", MODULES)
    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path / "state"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = cli.main.main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1])


def write(tmp_path: Path, name: str, identity) -> str:
    path = tmp_path / name
    path.write_text(identity.to_json(), encoding="utf-8")
    return str(path)


def test_form_fill_reports_exactly_what_needs_a_person(tmp_path: Path, capsys) -> None:
    ident = write(tmp_path, "chip.json", chip_identity())
    for workflow, missing in (
        ("one-stop", ["relation_to_head", "head_name", "head_id_number", "request"]),
        ("clinic", ["visit_reason"]),
        ("lodging", ["room", "arrival", "expected_departure", "reason"]),
    ):
        code, out = run(capsys, "form", "fill", "--workflow", workflow, "--identity", ident, "--json")
        assert code == 0 and out["missing"] == missing and out["errors"] == []
        filled = {f["name"]: f for f in out["fields"]}
        assert filled["full_name"]["value"] == "Nguyễn Thị Hồng Nhung"
        assert filled["full_name"]["source"] == "chip-verified" and filled["full_name"]["locked"]
    assert out["address"]["province"]["name"] == "Thành phố Hà Nội"


def test_form_fill_with_sets_and_members(tmp_path: Path, capsys) -> None:
    ident = write(tmp_path, "chip.json", chip_identity())
    child = write(tmp_path, "child.json", chip_identity(id_number="001212345678", full_name="Trần Đức Huy",
                                                        date_of_birth=date(2012, 5, 17), sex="M"))
    code, out = run(capsys, "form", "fill", "--workflow", "one-stop", "--procedure", "temporary-residence",
                    "--identity", ident, "--member", child, "--set", "relation_to_head=Chủ hộ",
                    "--set", "request=Đăng ký tạm trú", "--set", "members.1.relation=con", "--json")
    assert code == 0 and out["ok"] and out["missing"] == []
    members = next(f for f in out["fields"] if f["name"] == "members")["rows"]
    assert members[0]["id_number"] == {"value": "001212345678", "source": "chip-verified", "locked": True}


def test_errors_are_json_with_exit_code_2(tmp_path: Path, capsys) -> None:
    code, out = run(capsys, "form", "fill", "--workflow", "clinic", "--identity", str(tmp_path / "none.json"),
                    "--json")
    assert code == 2 and out["ok"] is False and out["error"]["code"] == "invalid-input-file"
    assert out["error"]["message_vi"]
    ident = write(tmp_path, "chip.json", chip_identity())
    code, out = run(capsys, "form", "fill", "--workflow", "clinic", "--procedure", "ct01", "--identity", ident,
                    "--json")
    assert code == 2 and out["error"]["code"] == "unknown-procedure"
    code, out = run(capsys, "form", "fill", "--workflow", "clinic", "--identity", ident, "--set", "novalue",
                    "--json")
    assert code == 2 and out["error"]["code"] == "invalid-form-field"


def test_form_render_writes_a_pdf(tmp_path: Path, capsys) -> None:
    ident = write(tmp_path, "chip.json", chip_identity())
    pdf = tmp_path / "ct01.pdf"
    code, out = run(capsys, "form", "render", "--workflow", "one-stop", "--procedure", "ct01", "--identity", ident,
                    "--set", "relation_to_head=chu-ho", "--set", "request=Điều chỉnh thông tin", "--pdf", str(pdf),
                    "--json")
    assert code == 0 and out["ok"] and pdf.read_bytes().startswith(b"%PDF")
    code, out = run(capsys, "form", "render", "--workflow", "clinic", "--identity", ident, "--pdf", str(pdf),
                    "--json")
    assert code == 2 and out["error"]["code"] == "no-printable-form"


def test_form_render_of_an_incomplete_form_exits_non_zero(tmp_path: Path, capsys) -> None:
    ident = write(tmp_path, "qr.json", qr_identity())
    pdf = tmp_path / "ct01.pdf"
    code, out = run(capsys, "form", "render", "--workflow", "one-stop", "--procedure", "ct01", "--identity", ident,
                    "--pdf", str(pdf), "--json")
    assert code == 1 and out["ok"] is False and out["missing"] and pdf.read_bytes().startswith(b"%PDF")


def test_lodging_deadline_command(capsys) -> None:
    code, out = run(capsys, "lodging", "deadline", "--arrival", "2026-11-23T23:00", "--now", "2026-11-24T07:30",
                    "--json")
    assert (code, out["due"], out["rule"], out["status"]) == (0, "2026-11-24T08:00:00+07:00", "next-day-08h",
                                                              "due-soon")
    code, out = run(capsys, "lodging", "deadline", "--arrival", "2026-11-23T10:00", "--foreign", "--remote",
                    "--now", "2026-11-24T10:00", "--json")
    assert (out["due"], out["status"]) == ("2026-11-24T10:00:00+07:00", "overdue")
    code, out = run(capsys, "lodging", "deadline", "--arrival", "tomorrow", "--json")
    assert code == 2 and out["error"]["field"] == "arrival"


def test_lodging_register_and_export_across_runs(tmp_path: Path, capsys) -> None:
    stay = ["--set", "room=12", "--set", "arrival=2026-11-23T20:00", "--set", "expected_departure=2026-11-24T11:00",
            "--set", "reason=1"]
    code, out = run(capsys, "lodging", "add", "--identity", write(tmp_path, "a.json", qr_identity()), *stay,
                    "--json")
    assert code == 0 and out["registered"]["due"] == "2026-11-23T23:00:00+07:00"
    gid = out["registered"]["id"]
    code, out = run(capsys, "lodging", "add", "--identity", write(tmp_path, "p.json", passport_identity()), *stay,
                    "--set", "visa_expiry=2027-01-31", "--json")
    assert code == 0 and out["registered"]["rule"] == "foreigner-12h"
    code, out = run(capsys, "lodging", "add", "--identity", write(tmp_path, "b.json", qr_identity()), "--json")
    assert code == 1 and out["missing"] == ["room", "arrival", "expected_departure", "reason"]
    code, out = run(capsys, "lodging", "extend", "--guest", gid, "--departure", "2026-11-26T11:00", "--json")
    assert out["guest"]["expected_departure"] == "2026-11-26T11:00:00+07:00"
    code, out = run(capsys, "lodging", "list", "--date", "2026-11-23", "--json")
    assert [g["room"] for g in out["guests"]] == ["12", "12"]
    assert "Nguyễn" not in json.dumps(out, ensure_ascii=False)
    xlsx, xml = tmp_path / "vn.xlsx", tmp_path / "foreign.xml"
    code, out = run(capsys, "lodging", "export", "--date", "2026-11-23", "--xlsx", str(xlsx), "--json")
    assert (code, out["guests"]) == (0, 1)
    ws = load_workbook(xlsx)["DS_KHACH_VIET_NAM_LUU_TRU"]
    assert ws["B5"].value == "Nguyễn Thị Hồng Nhung" and ws["O5"].value == "26/11/2026" and ws["B6"].value is None
    code, out = run(capsys, "lodging", "export", "--date", "2026-11-23", "--xml", str(xml), "--json")
    assert (code, out["guests"]) == (0, 1) and b"<ho_ten>MULLER ANNA MARIA</ho_ten>" in xml.read_bytes()
    code, out = run(capsys, "lodging", "checkout", "--guest", "nope", "--json")
    assert code == 2 and out["error"]["code"] == "guest-not-found"


def test_lodging_notify_needs_the_api_flag(capsys) -> None:
    code, out = run(capsys, "lodging", "notify", "--date", "2026-11-23", "--json")
    assert code == 2 and out["error"]["code"] == "cslt-disabled"


def test_lodging_notify_through_the_simulated_police(tmp_path: Path, capsys) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    stay = ["--set", "room=7", "--set", f"arrival={today}T00:01", "--set", f"expected_departure={today}T23:00",
            "--set", "reason=1"]
    run(capsys, "lodging", "add", "--identity", write(tmp_path, "a.json", qr_identity()), *stay, "--json")
    old = ["--set", "room=8", "--set", "arrival=2020-01-01T10:00", "--set", "expected_departure=2020-01-02T10:00",
           "--set", "reason=1"]
    run(capsys, "lodging", "add", "--identity", write(tmp_path, "b.json", qr_identity(id_number="001090000002")),
        *old, "--json")
    code, out = run(capsys, "lodging", "notify", "--date", str(today), "--simulate", "--json")
    sent_at = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert code == 0 and out["results"][0]["sent"] is True
    code, out = run(capsys, "lodging", "list", "--date", str(today), "--json")
    # Arrived at 00:01: due at 23:00 the same day, so a run after 23:00 notifies late.
    assert out["guests"][0]["status"] == ("notified" if sent_at.hour < 23 else "notified-late")
    code, out = run(capsys, "lodging", "notify", "--date", "2020-01-01", "--simulate", "--json")
    assert out["results"][0]["sent"] is False and "manually" in out["results"][0]["reason"]


@pytest.mark.parametrize(("result", "usable"), [("000", True), ("010", False), ("070", False)])
def test_clinic_check_simulated(tmp_path: Path, capsys, result: str, usable: bool) -> None:
    ident = write(tmp_path, "chip.json", chip_identity())
    code, out = run(capsys, "clinic", "check", "--identity", ident, "--simulate", "--sim-result", result, "--json")
    assert code == 0 and out["card_check"]["code"] == result and out["card_check"]["usable"] is usable
    assert out["qd130"]["SO_CCCD"] == "001090123456" and out["qd130"]["NGAY_SINH"] == "199001010000"
    assert bool(out["qd130"]["MA_THE_BHYT"]) is usable
    assert out["fhir"]["resourceType"] == "Bundle"
    assert out["fhir"]["entry"][0]["resource"]["resourceType"] == "Patient"
    assert out["notices"][0]["code"] == result


def test_clinic_check_with_the_clinic_system_down(tmp_path: Path, capsys) -> None:
    ident = write(tmp_path, "chip.json", chip_identity())
    code, out = run(capsys, "clinic", "check", "--identity", ident, "--url", "http://127.0.0.1:9", "--json")
    assert code == 1 and out["ok"] is False and out["card_check"]["error"] == "card-check-unavailable"
    assert out["card_check"]["flag"] == "chưa kiểm tra thẻ" and out["notices"][0]["flag"] == "chưa kiểm tra thẻ"
    assert out["qd130"]["MA_THE_BHYT"] == ""


def test_stay_reason_catalog_sync_replaces_the_shipped_one(tmp_path: Path, capsys, monkeypatch) -> None:
    from kiosk.workflows import registry as registry_module

    code, out = run(capsys, "lodging", "catalogs", "--simulate", "--json")
    assert code == 0 and out["entries"] == 3
    synced = tmp_path / "state" / "catalogs" / "stay-reasons.toml"
    assert "Lao động" in synced.read_text(encoding="utf-8")
    custom = registry_module.Registry(catalog_overrides=synced.parent)
    assert [c.code for c in custom.catalogs["stay-reasons"].items] == ["1", "2", "20"]
    synced.write_text(registry_module.catalog_toml([("5", "Học tập")], "test"), encoding="utf-8")
    custom = registry_module.Registry(catalog_overrides=synced.parent)
    assert custom.procedure("lodging-guest").field("reason").choices[0].label_vi == "Học tập"


def test_configured_police_api_gets_notification_extension_and_checkout(tmp_path: Path, capsys, monkeypatch) -> None:
    import shutil
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from intake.sims.police import PoliceSim, build_app
    from intake.sims.serve import serve
    from kiosk.workflows.registry import default_config_dir, default_registry

    sim = PoliceSim(accounts={"hotel01": "pw"})
    site = tmp_path / "site-config"
    shutil.copytree(default_config_dir(), site)
    profile = site / "profiles" / "lodging.toml"
    with serve(build_app(sim)) as url:
        text = profile.read_text(encoding="utf-8").replace("cslt_api_enabled = false", "cslt_api_enabled = true")
        profile.write_text(text.replace("https://api-tbltkbtt.bocongan.gov.vn", url), encoding="utf-8")
        monkeypatch.setenv("KIOSK_CONFIG_DIR", str(site))
        for name, value in (("USERNAME", "hotel01"), ("PASSWORD", "pw"), ("BASIC_AUTH", sim.basic_auth)):
            monkeypatch.setenv(f"KIOSK_CSLT_{name}", value)
        default_registry.cache_clear()
        try:
            today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
            code, out = run(capsys, "lodging", "add", "--identity", write(tmp_path, "a.json", qr_identity()),
                            "--set", "room=3", "--set", f"arrival={today}T00:01", "--set",
                            f"expected_departure={today}T23:30", "--set", "reason=1", "--json")
            assert code == 0
            gid = out["registered"]["id"]
            code, out = run(capsys, "lodging", "notify", "--date", str(today), "--json")
            assert code == 0 and out["results"] == [{"id": gid, "room": "3", "sent": True}]
            code, out = run(capsys, "lodging", "extend", "--guest", gid, "--departure", f"{today}T23:45", "--json")
            assert code == 0 and out["police"] == {"sent": True}
            assert sim.stays[0].departure.strftime("%H:%M") == "23:45"
            code, out = run(capsys, "lodging", "checkout", "--guest", gid, "--json")
            assert code == 0 and out["police"] == {"sent": True} and sim.stays[0].checked_out is not None
        finally:
            default_registry.cache_clear()


def test_pending_guests_with_overdue_first(tmp_path: Path, capsys) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(second=0, microsecond=0)
    old = now - timedelta(days=3)
    for name, arrival in (("late.json", old), ("new.json", now)):
        code, _ = run(capsys, "lodging", "add", "--identity", write(tmp_path, name, qr_identity()),
                      "--set", "room=1", "--set", f"arrival={arrival.isoformat()}",
                      "--set", f"expected_departure={(arrival + timedelta(days=5)).isoformat()}",
                      "--set", "reason=1", "--json")
        assert code == 0
    code, out = run(capsys, "lodging", "pending", "--json")
    assert code == 0 and out["ok"] is False and out["counts"]["overdue"] == 1
    assert out["guests"][0]["status"] == "overdue"
    assert out["guests"][1]["status"] in ("pending", "due-soon")


def test_form_procedures_lists_fields_choices_and_consent(capsys) -> None:
    code, out = run(capsys, "form", "procedures", "--profile", "lodging", "--json")
    assert code == 0 and [p["id"] for p in out["procedures"]] == ["lodging-guest", "lodging-foreign-guest"]
    assert [p["documents"] for p in out["procedures"]] == [["id-card"], ["passport"]]
    proc = out["procedures"][0]
    assert proc["consent"]["vi"].startswith("Cơ sở lưu trú") and proc["code"] == "2.001159"
    reason = next(f for f in proc["fields"] if f["name"] == "reason")
    assert {"code": "20", "label_vi": "Khác", "label_en": "Other (type the reason)"} in reason["choices"]
    locked = [f["name"] for f in proc["fields"] if not f["editable_if_verified"]]
    assert locked == ["full_name", "date_of_birth", "sex", "document_type", "document_number"]
