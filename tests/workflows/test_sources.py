"""Forms filled from the identities the readers produce: sample chip citizens, parsed QR payloads, typed MRZ."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.lodging.guest import guest_from_form
from kiosk.mrz import format_td3, parse_mrz
from kiosk.qr_payload import format_qr_payload, parse_qr_payload
from kiosk.samples import sample_identity
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow

NOT_ON_ANY_CARD = {
    "one-stop": ["relation_to_head", "head_name", "head_id_number", "request"],
    "clinic": ["visit_reason"],
    "lodging": ["room", "arrival", "expected_departure", "reason"],
}

PASSPORT_ONLY = {"passport_number", "passport_issuer"}  # identity attributes only a passport has


@pytest.mark.parametrize("n", range(12))
def test_sample_chip_citizens_need_only_non_card_fields(registry: Registry, n: int) -> None:
    identity = sample_identity(n).replace(verification={"access": "pace", "passive": {"status": "valid"}})
    for kind, missing in NOT_ON_ANY_CARD.items():
        form = fill_workflow(registry, kind, identity)
        assert form.missing == missing, (kind, n)
        assert not form.errors
        for spec in form.procedure.fields:
            if spec.identity in PASSPORT_ONLY:  # a passport's own fields: empty for an ID card
                assert form.get(spec.name) is None, (kind, spec.name)
            elif spec.identity and spec.type != "table":
                assert form.values[spec.name].source == "chip-verified", (kind, spec.name)


def test_parsed_qr_payload_fills_the_lodging_form(registry: Registry) -> None:
    identity = parse_qr_payload(format_qr_payload(sample_identity(3)), today=date(2026, 11, 23))
    assert identity.source == "qr"
    form = fill_workflow(registry, "lodging", identity, {
        "room": "2", "arrival": "2026-11-23T10:00", "expected_departure": "2026-11-24T10:00", "reason": "1"})
    assert form.complete
    guest = guest_from_form(form)
    assert guest.nationality == "VNM" and not guest.foreign
    assert guest.document_number == sample_identity(3).id_number
    assert form.values["full_name"].source == "qr" and not form.values["full_name"].locked


def test_passport_mrz_typed_by_staff_makes_a_foreign_guest(registry: Registry) -> None:
    lines = format_td3(document_number="C01X00T47", state="D", nationality="D", full_name="MUSTERMANN ERIKA",
                       birth=date(1983, 8, 12), sex="F", expiry=date(2031, 5, 1))
    identity = parse_mrz(lines).to_identity()
    form = fill_workflow(registry, "lodging", identity, {
        "room": "9", "arrival": "2026-11-23T10:00", "expected_departure": "2026-11-24T10:00", "reason": "1",
        "visa_expiry": "2027-02-01"})
    assert form.complete, (form.missing, [e.to_dict() for e in form.errors])
    guest = guest_from_form(form)
    assert guest.foreign and guest.document_type == "4" and guest.document_number == "C01X00T47"
    assert form.values["full_name"].source == "typed"
    assert guest.nationality == "D"  # the ICAO code, also the police catalog's code for Germany

    from kiosk.lodging.deadline import deadline
    from kiosk.lodging.register import Entry
    from kiosk.lodging.xml_export import export_xml

    xml = export_xml([Entry("1", guest, deadline(guest.arrival_at, foreign=True), None, None, None)])
    assert b"<ma_quoc_tich>DEU</ma_quoc_tich>" in xml and b"<ho_ten>MUSTERMANN ERIKA</ho_ten>" in xml
