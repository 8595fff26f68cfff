"""The establishments API client against the simulated police system: rules and reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from intake.sims.police import PoliceSim, build_app
from intake.sims.serve import serve
from kiosk.lodging.cslt_client import Credentials, CsltClient, CsltError, CsltRejectedError
from kiosk.lodging.deadline import deadline
from kiosk.lodging.guest import Guest
from kiosk.lodging.reconcile import reconcile
from kiosk.lodging.register import Entry
from kiosk.lodging.xlsx_export import export_xlsx
from kiosk.workflows.registry import Registry

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=VN)
CREDS = Credentials("cslt01", "p@ss", "Basic c2ltOnNpbQ==")


def guest(
    number: str = "001090123456",
    arrival: str = "2026-11-23T14:00:00+07:00",
    departure: str = "2026-11-25T12:00:00+07:00",
    **changes: str,
) -> Guest:
    base = Guest(
        full_name="Nguyễn Văn An",
        date_of_birth="1990-01-01",
        sex="M",
        document_type="1",
        document_number=number,
        room="101",
        arrival=arrival,
        expected_departure=departure,
        reason="1",
        nationality="VNM",
        residence="Thôn 1, Xã A, Tỉnh B",
    )
    return replace(base, **changes)


@dataclass
class Police:
    sim: PoliceSim
    url: str


@pytest.fixture()
def police() -> Iterator[Police]:
    sim = PoliceSim(
        accounts={"cslt01": "p@ss"},
        now=NOW,
        catalogs={"ly-do-cu-tru": [{"id": 1, "name": "Du lịch"}, {"id": 20, "name": "Khác"}]},
    )
    with serve(build_app(sim)) as url:
        yield Police(sim, url)


def test_declare_vietnamese_guest_and_change_departure(police: Police) -> None:
    client = CsltClient(police.url, CREDS)
    assert client.declare_vietnamese([guest()]).code == "200"
    assert [(s.doc_type, s.doc_number) for s in police.sim.stays] == [("1", "001090123456")]
    client.change_departure(guest(), extend_to=datetime(2026, 11, 28, 12, tzinfo=VN))
    assert police.sim.stays[0].departure == datetime(2026, 11, 28, 12, tzinfo=VN)
    client.change_departure(guest())
    assert police.sim.stays[0].checked_out == NOW


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (guest(arrival="2026-11-21T10:00:00+07:00"), "ngày hiện tại hoặc hôm qua"),
        (guest(arrival="2026-11-24T10:00:00+07:00"), "ngày hiện tại hoặc hôm qua"),
        (guest(departure="2026-11-23T10:00:00+07:00"), "Ngày đi dự kiến"),
        (guest(number="00109012345"), "12 chữ số"),
        (guest(reason="20"), "lý do chi tiết"),
    ],
)
def test_business_rules_reject_with_the_police_message(police: Police, bad: Guest, message: str) -> None:
    with pytest.raises(CsltRejectedError) as info:
        CsltClient(police.url, CREDS).declare_vietnamese([bad])
    assert message in info.value.police_message and info.value.police_message.startswith("Bản khai báo 1:")
    assert police.sim.stays == []


def test_arrival_yesterday_is_accepted(police: Police) -> None:
    assert (
        CsltClient(police.url, CREDS).declare_vietnamese([guest(arrival="2026-11-22T00:05:00+07:00")]).code
        == "200"
    )


def test_still_staying_and_overlapping_stays_are_rejected(police: Police) -> None:
    client = CsltClient(police.url, CREDS)
    client.declare_vietnamese([guest()])
    with pytest.raises(CsltRejectedError) as staying:
        client.declare_vietnamese([guest(arrival="2026-11-23T14:30:00+07:00")])
    assert "chưa checkout" in staying.value.police_message
    client.change_departure(guest())  # checked out at 15:00
    with pytest.raises(CsltRejectedError) as info:
        client.declare_vietnamese([guest(arrival="2026-11-23T14:30:00+07:00")])
    assert "trùng thời gian" in info.value.police_message
    assert client.declare_vietnamese([guest(arrival="2026-11-23T15:30:00+07:00")]).code == "200"


def test_batch_is_all_or_nothing(police: Police) -> None:
    with pytest.raises(CsltRejectedError) as info:
        CsltClient(police.url, CREDS).declare_vietnamese([guest(), guest(number="12")])
    assert info.value.police_message.startswith("Bản khai báo 2:")
    assert police.sim.stays == []


def test_foreign_guest_needs_a_current_visa(police: Police) -> None:
    client = CsltClient(police.url, CREDS)
    foreigner = guest(number="C01X00T47", document_type="4", nationality="DEU", visa_expiry="2027-01-31")
    assert client.declare_foreign([foreigner]).code == "200"
    with pytest.raises(CsltRejectedError) as info:
        client.declare_foreign([replace(foreigner, document_number="C01X00T48", visa_expiry="2026-11-22")])
    assert "Thời hạn tạm trú" in info.value.police_message


def test_token_is_cached_and_renewed(police: Police) -> None:
    clock = [1_000.0]
    client = CsltClient(police.url, CREDS, clock=lambda: clock[0])
    first = client.token()
    assert client.token() == first
    police.sim.tokens.clear()  # the server forgot it: the next call gets a 401, then a new token
    client.declare_vietnamese([guest()])
    assert client.token() != first


def test_wrong_credentials_and_unreachable_server_are_typed_errors(police: Police) -> None:
    with pytest.raises(CsltError):
        CsltClient(police.url, Credentials("cslt01", "wrong", CREDS.basic_auth)).declare_vietnamese(
            [guest()]
        )
    with pytest.raises(CsltError):
        CsltClient("http://127.0.0.1:9", CREDS, timeout=(0.5, 0.5)).declare_vietnamese([guest()])


def test_catalog(police: Police) -> None:
    assert CsltClient(police.url, CREDS).catalog("stay-reasons")[1] == {"id": 20, "name": "Khác"}


def _entries(guests: list[Guest]) -> list[Entry]:
    return [Entry(str(i), g, deadline(g.arrival_at), None, None, None) for i, g in enumerate(guests)]


def _declared(police: Police) -> list[tuple[str, str]]:
    data = requests.get(police.url + "/sim/declarations", params={"day": "2026-11-23"}, timeout=5).json()[
        "data"
    ]
    return [(d["loaiGiayTo"], d["soGiayTo"]) for d in data]


def test_xlsx_import_then_reconciliation_confirms_every_guest(police: Police, registry: Registry) -> None:
    guests = [guest(), guest(number="079195000111")]
    workbook = export_xlsx(_entries(guests), registry, day=date(2026, 11, 23))
    answer = requests.post(police.url + "/sim/import-xlsx", data=workbook, timeout=10).json()
    assert answer["message"] == "import thành công" and answer["data"]["soBanGhi"] == 2
    result = reconcile(guests, answer["data"]["soBanGhi"], _declared(police))
    assert result.status == "confirmed" and result.delivered


def test_success_with_zero_records_is_caught(police: Police, registry: Registry) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    guests = [guest()]
    wb = load_workbook(BytesIO(export_xlsx(_entries(guests), registry, day=date(2026, 11, 23))))
    wb["DS_KHACH_VIET_NAM_LUU_TRU"].title = "Sheet1"  # a layout the importer does not recognise
    out = BytesIO()
    wb.save(out)
    answer = requests.post(police.url + "/sim/import-xlsx", data=out.getvalue(), timeout=10).json()
    assert answer["message"] == "import thành công"  # the server says success...
    result = reconcile(guests, answer["data"]["soBanGhi"], _declared(police))
    assert result.status == "zero-imported" and not result.delivered  # ...but nothing was imported
    assert reconcile(guests, None, []).status == "zero-imported"
    assert reconcile(guests, None, None).status == "unverified"
    assert reconcile([*guests, guest(number="079195000111")], 1, [("1", "001090123456")]).to_dict() == {
        "status": "partial",
        "delivered": False,
        "expected": 2,
        "found": 1,
        "missing": [2],
    }


def test_token_is_refreshed_before_it_expires(police: Police) -> None:
    import time

    clock = [time.time()]
    client = CsltClient(police.url, CREDS, clock=lambda: clock[0])
    first = client.token()
    refresh_tokens = set(police.sim.refresh)
    clock[0] += police.sim.token_seconds - 30  # inside the last minute of the token's life
    second = client.token()
    assert second != first and refresh_tokens - set(police.sim.refresh)  # the refresh token was used
    police.sim.refresh.clear()  # a refresh the server no longer accepts falls back to a new login
    clock[0] += police.sim.token_seconds - 30
    assert client.token() not in (first, second)
