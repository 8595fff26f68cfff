"""Field mapping from chip and QR identities, locks, validation and what still needs a person."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.workflows.fill import evidence_source, fill
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from tests.workflows.conftest import chip_identity, passport_identity, qr_identity

CT01_TYPED = {"authority", "phone", "email", "relation_to_head", "head_name", "head_id_number", "request"}


def test_every_card_derived_field_is_filled_from_a_chip(registry: Registry) -> None:
    passport = passport_identity(source="chip", verification={"passive": {"status": "valid"}})
    for proc in registry.procedures.values():
        # Each document the procedure accepts, from its chip: the CCCD's, a passport's, or both.
        forms = ([] if proc.passport_only else [fill(proc, chip_identity())]) + (
            [fill(proc, passport)] if proc.accepts_passport else [])
        for spec in proc.fields:
            if spec.identity and spec.type != "table":
                filled = [form for form in forms if form.get(spec.name) is not None]
                assert filled, (proc.id, spec.name)
                assert all(form.values[spec.name].source == "chip-verified" for form in filled)


def test_a_passport_fills_the_clinics_passport_fields_and_never_the_personal_id(registry: Registry) -> None:
    proc = registry.procedures["clinic-checkin"]
    form = fill(proc, passport_identity(source="chip", verification={"passive": {"status": "valid"}}))
    assert form.get("passport_number") == "C01X00T47" and form.get("passport_issuer") == "D"  # ICAO's code for Germany
    assert form.get("id_number") is None and not form.errors
    card = fill(proc, chip_identity())
    assert card.get("id_number") == "001090123456"
    assert card.get("passport_number") is None and card.get("passport_issuer") is None


def test_ct01_from_chip_reports_exactly_the_fields_a_person_must_give(registry: Registry) -> None:
    form = fill_workflow(registry, "one-stop", chip_identity(), procedure_id="temporary-residence")
    assert form.get("full_name") == "Nguyễn Thị Hồng Nhung"
    assert form.get("date_of_birth") == "1990-01-01"
    assert form.get("sex") == "F"
    assert form.get("id_number") == "001090123456"
    # The profile types the authority; the citizen gives relation and request; 7 and 9 depend on 8.
    assert form.get("authority")
    assert form.missing == ["relation_to_head", "head_name", "head_id_number", "request"]
    assert not form.errors


def test_household_head_fills_items_7_and_9_from_the_card(registry: Registry) -> None:
    form = fill_workflow(
        registry, "one-stop", chip_identity(), {"relation_to_head": "Chủ hộ", "request": "Đăng ký tạm trú"}
    )
    assert form.get("head_name") == "Nguyễn Thị Hồng Nhung"
    assert form.get("head_id_number") == "001090123456"
    assert form.values["head_name"].source == "chip-verified"
    assert form.complete


def test_members_table_from_other_cards_and_typed_relation(registry: Registry) -> None:
    child = chip_identity(
        id_number="001212345678", full_name="Trần Đức Huy", date_of_birth=date(2012, 5, 17), sex="M"
    )
    form = fill_workflow(
        registry,
        "one-stop",
        chip_identity(),
        {"relation_to_head": "chu-ho", "request": "Đăng ký tạm trú", "members.1.relation": "Con"},
        members={"members": [child]},
    )
    row = form.tables["members"][0]
    assert {k: v.value for k, v in row.items()} == {
        "full_name": "Trần Đức Huy",
        "date_of_birth": "2012-05-17",
        "sex": "M",
        "id_number": "001212345678",
        "relation": "con",
    }
    assert row["relation"].source == "typed" and row["full_name"].source == "chip-verified"
    assert form.complete


def test_typed_member_row_reports_its_missing_cells(registry: Registry) -> None:
    form = fill_workflow(registry, "one-stop", chip_identity(), {"members.2.full_name": "Trần Văn Bé"})
    assert "members.2.date_of_birth" in form.missing
    assert "members.1.full_name" in form.missing  # row 1 was created empty to reach row 2


def test_qr_identity_fills_only_what_the_qr_has(registry: Registry) -> None:
    clinic = fill_workflow(registry, "clinic", qr_identity())
    assert clinic.values["full_name"].source == "qr"
    assert clinic.get("nationality") is None and clinic.get("ethnicity") is None
    assert clinic.missing == ["visit_reason"]
    lodging = fill_workflow(registry, "lodging", qr_identity())
    assert lodging.get("document_type") == "1"
    assert lodging.get("document_number") == "001090123456"
    assert lodging.missing == ["room", "arrival", "expected_departure", "reason"]


def test_chip_lodging_and_clinic_need_only_the_non_card_fields(registry: Registry) -> None:
    lodging = fill_workflow(registry, "lodging", chip_identity(card_type="can-cuoc-2024"))
    assert lodging.get("document_type") == "8"
    assert lodging.missing == ["room", "arrival", "expected_departure", "reason"]
    clinic = fill_workflow(registry, "clinic", chip_identity())
    assert clinic.get("ethnicity") == "Kinh"
    assert clinic.missing == ["visit_reason"]


def test_verified_chip_values_are_locked_but_qr_values_can_be_corrected(registry: Registry) -> None:
    locked = fill_workflow(registry, "clinic", chip_identity(), {"full_name": "Nguyễn Thị Hồng Nhung Sửa"})
    assert [e.code for e in locked.errors] == ["field-locked"]
    assert locked.get("full_name") == "Nguyễn Thị Hồng Nhung"
    corrected = fill_workflow(registry, "clinic", qr_identity(), {"full_name": "Nguyễn Thị Hồng Nhung Sửa"})
    assert not corrected.errors
    assert corrected.values["full_name"].source == "typed"


def test_unverified_chip_values_are_not_locked(registry: Registry) -> None:
    identity = chip_identity(verification={"access": "pace", "passive": {"status": "invalid"}})
    assert evidence_source(identity) == "chip-unverified"
    form = fill_workflow(registry, "clinic", identity, {"full_name": "Khác"})
    assert not form.errors and form.get("full_name") == "Khác"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("phone", "12345", "invalid-form-field"),
        ("email", "not-an-email", "invalid-form-field"),
        ("relation_to_head", "Hàng xóm", "invalid-form-field"),
        ("head_id_number", "12345678901", "invalid-form-field"),
        ("no_such_field", "x", "unknown-field"),
        ("members.x.relation", "con", "unknown-field"),
    ],
)
def test_bad_input_gives_a_typed_bilingual_error(
    registry: Registry, field: str, value: str, code: str
) -> None:
    form = fill_workflow(registry, "one-stop", chip_identity(), {field: value})
    assert [e.code for e in form.errors] == [code]
    error = form.errors[0].to_dict()
    assert error["field"] == field and error["message"] and error["message_vi"] != error["message"]
    assert value not in error["message"] and value not in error["message_vi"]


def test_values_are_normalised(registry: Registry) -> None:
    form = fill_workflow(
        registry,
        "lodging",
        chip_identity(),
        {
            "phone": "+84 912.345.678",
            "arrival": "23/11/2026 14:05",
            "expected_departure": "2026-11-25T12:00",
            "reason": "Du lịch",
            "room": "  101 ",
        },
    )
    assert form.get("phone") == "0912345678"
    assert form.get("arrival") == "2026-11-23T14:05:00+07:00"
    assert form.get("expected_departure") == "2026-11-25T12:00:00+07:00"
    assert form.get("reason") == "1" and form.get("room") == "101"
    assert form.complete


def test_lodging_foreign_guest_needs_visa_and_other_reason_needs_detail(registry: Registry) -> None:
    form = fill_workflow(
        registry,
        "lodging",
        passport_identity(),
        {
            "room": "5",
            "arrival": "2026-11-23T10:00",
            "expected_departure": "2026-11-24T10:00",
            "reason": "20",
        },
    )
    assert form.get("document_type") == "4" and form.get("document_number") == "C01X00T47"
    assert form.missing == ["reason_detail", "visa_expiry"]


def test_lodging_rejects_departure_before_arrival_and_bad_document_numbers(registry: Registry) -> None:
    form = fill_workflow(
        registry,
        "lodging",
        qr_identity(id_number="00109012345"),
        {
            "room": "5",
            "arrival": "2026-11-23T10:00",
            "expected_departure": "2026-11-22T10:00",
            "reason": "1",
        },
    )
    assert sorted(e.field or "" for e in form.errors) == ["document_number", "expected_departure"]


def test_adding_a_procedure_is_a_configuration_file(tmp_path, registry: Registry) -> None:
    import shutil

    shutil.copytree(registry.root, tmp_path / "config")
    (tmp_path / "config" / "procedures" / "household-split.toml").write_text(
        'id = "household-split"\nkind = "one-stop"\nform = "ct01"\nrenderer = "ct01"\ncounter = "residence"\n'
        'title_vi = "Tách hộ"\ntitle_en = "Household split"\n',
        encoding="utf-8",
    )
    custom = Registry(tmp_path / "config")
    form = fill_workflow(custom, "one-stop", chip_identity(), procedure_id="household-split")
    assert form.procedure.title_vi == "Tách hộ"
    assert form.get("id_number") == "001090123456"


def test_unknown_procedure_and_bad_config_are_typed_errors(tmp_path, registry: Registry) -> None:
    from kiosk.errors import KioskError

    with pytest.raises(KioskError) as info:
        registry.for_kind("one-stop", "clinic-checkin")
    assert info.value.code == "unknown-procedure"
    import shutil

    shutil.copytree(registry.root, tmp_path / "config")
    (tmp_path / "config" / "procedures" / "broken.toml").write_text(
        'id = "broken"\nkind = "one-stop"\nform = "no-such-form"\ntitle_vi = "x"\ntitle_en = "x"\n'
    )
    with pytest.raises(KioskError) as info:
        Registry(tmp_path / "config")
    assert info.value.code == "invalid-config"


def test_submission_carries_kind_data_and_per_field_evidence(registry: Registry) -> None:
    from kiosk.workflows.submission import build_submission

    form = fill_workflow(
        registry,
        "one-stop",
        chip_identity(),
        {"relation_to_head": "chu-ho", "request": "Tạm vắng", "phone": "0912345678"},
        procedure_id="temporary-absence",
    )
    sub = build_submission(form)
    assert sub.kind == "one-stop"
    assert sub.data["procedure"] == "temporary-absence" and sub.data["procedure_code"] == "1.003677"
    assert sub.data["form"]["id_number"] == "001090123456"
    assert sub.evidence["fields"]["id_number"] == "chip-verified"
    assert sub.evidence["fields"]["phone"] == "typed"
    assert sub.evidence["verification"]["passive"]["status"] == "valid"
    import json

    json.dumps(sub.data), json.dumps(sub.evidence)


def test_incomplete_form_cannot_be_submitted(registry: Registry) -> None:
    from kiosk.workflows.submission import IncompleteFormError, build_submission

    with pytest.raises(IncompleteFormError):
        build_submission(fill_workflow(registry, "clinic", chip_identity()))


def test_identity_values_of_the_wrong_kind_are_left_out(registry: Registry) -> None:
    clinic = fill_workflow(registry, "clinic", passport_identity(id_number="C01X00T47"))
    assert clinic.get("id_number") is None and clinic.missing == ["visit_reason"]
    assert clinic.get("full_name") == "MÜLLER ANNA MARIA"
    broken = fill_workflow(registry, "one-stop", chip_identity(id_number="12345"))
    assert broken.get("id_number") is None and "id_number" in broken.missing


def test_an_empty_value_clears_a_field_but_not_a_locked_one(registry: Registry) -> None:
    form = fill_workflow(registry, "clinic", qr_identity(), {"phone": "", "residence": " "})
    assert not form.errors and form.get("residence") is None and form.get("phone") is None
    locked = fill_workflow(registry, "clinic", chip_identity(), {"full_name": ""})
    assert [e.code for e in locked.errors] == ["field-locked"] and locked.get("full_name")
    assert fill_workflow(registry, "one-stop", chip_identity(), {"authority": ""}).missing[0] == "authority"
