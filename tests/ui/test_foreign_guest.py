"""A foreign guest at the lodging kiosk, through the real UI on the Xvfb display: "Khách nước ngoài" → the passport's
photo page under the simulated camera (MRZ) → its chip on the reader through pcscd + vpcd (BAC with the MRZ's key)
→ review with the chip's portrait → stay details → consent → done with the foreigner's deadline → the owner's
countdown (foreigner marked) → the day's XML export. Then what goes wrong, each on a screen in plain Vietnamese with
English second: a chip that refuses the key, a chip signed by an unknown CSCA, a page the camera cannot read (the
details typed instead). Screenshots go to build/ui-screens/<test>/."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fhir.resources.R4B.bundle import Bundle

import kiosk.presenters.scan as scan_presenter
from drivers.sim.mrz_page import Document, page_frame
from drivers.sim.world import SIM_FRAME_SIZE, page_clip
from intake.devserver import IntakeServer
from kiosk.sample_documents import sample_document
from kiosk.session import Step
from screens.review import ReviewScreen
from tests.ui.test_workflows import (
    button,
    choose,
    done_typing,
    edit,
    export_files,
    keyboard_key,
    received,
    type_keys,
)

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py
HOLDER, MRZ = sample_document("passport")


def prepare_passport(k: RunningKiosk, n: int, faults: tuple[str, ...] = ()) -> None:
    """Passport ``n`` of the sample foreigner: its photo page for the camera, a BAC-only TD3 chip for the reader."""
    assert HOLDER.date_of_birth is not None
    page = Document("td3", tuple(MRZ), "ERIKSSON", "ANNA MARIA", "UTO", HOLDER.date_of_birth, HOLDER.expiry_date)
    k.services.world.prepare_document(n, page_clip(page), HOLDER.to_dict(), MRZ, profile="bac-td3-no-sfi",
                                      faults=faults)


def start_foreign_guest(k: RunningKiosk) -> None:
    k.driver.tap(k.app.screens["home"].procedure_button("lodging-foreign-guest"))
    assert k.app.sm.current == "scan" and k.controller.scan.passport
    k.driver.pump(frames=3)


def present_passport(k: RunningKiosk, n: int) -> None:
    """The foreign-guest service chosen and passport ``n`` shown to the camera and put on the reader."""
    start_foreign_guest(k)
    k.controller.session.touch()
    k.services.world.present(n)


def type_passport_details(k: RunningKiosk, shot: str | None = None) -> None:
    """The sample passport's number, date of birth and expiry typed on the scan screen's keyboard."""
    for value in ("l898902c3", "12081974", "15042031"):
        type_keys(k, value)
        if shot is not None and value == "15042031":
            k.shot(shot)
        k.driver.tap(keyboard_key(k, "↵"))


def texts(k: RunningKiosk) -> str:
    return "\n".join(t for w in k.driver.widgets() if (t := str(getattr(w, "text", "") or ""))
                     and w.get_root_window() is not None and getattr(w, "opacity", 1) > 0)


@pytest.mark.timeout(300)
def test_foreign_guest_from_the_camera_mrz_to_the_xml_export(
    kiosk: Callable[..., RunningKiosk], intake: IntakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    k = kiosk("lodging", idle_seconds=60)
    prepare_passport(k, 901)
    k.shot("foreign-guest-home")
    start_foreign_guest(k)
    shown = texts(k)
    assert "Quét hộ chiếu" in shown and "Đặt trang có ảnh của hộ chiếu dưới camera" in shown
    assert "Nhập số thẻ" not in shown  # a passport has no CAN to type
    k.shot("foreign-guest-scan")
    k.controller.session.touch()
    k.services.world.present(901)
    k.driver.wait_until(lambda: k.controller.scan.mrz_lines is not None, 20, "the MRZ read by the camera")
    assert k.controller.scan.mrz_lines == tuple(MRZ)
    k.driver.pump(frames=2)
    k.shot("foreign-guest-mrz-read")
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 90, "the chip read and the review")
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    assert k.controller.session.portrait is not None and review.photo_box.opacity == 1
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["full_name"].value == "ERIKSSON ANNA MARIA" and rows["full_name"].source == "chip-verified"
    assert rows["document_number"].value == "L898902C3" and rows["nationality"].value == "UTO"
    assert rows["document_type"].value == "4"
    k.shot("foreign-guest-review")

    # The stay details the police XML and API 4 need, each checked as it is typed.
    now = k.controller.now()
    edit(k, "room", "301")
    done_typing(k)
    edit(k, "arrival", now.strftime("%d%m%Y%H%M"))
    done_typing(k)
    edit(k, "expected_departure", (now + timedelta(days=3)).strftime("%d%m%Y") + "1100")
    done_typing(k)
    edit(k, "visa_expiry", (now - timedelta(days=2)).strftime("%d%m%Y"))  # a visa that ran out before arrival
    done_typing(k)
    error = next(r for r in k.controller.rows() if r.name == "visa_expiry").error
    assert error is not None and "còn hạn khi đến" in error and "still valid on arrival" in error
    k.shot("foreign-guest-stay-error")
    edit(k, "visa_expiry", (now + timedelta(days=25)).strftime("%d%m%Y"), clear=True)
    done_typing(k)
    edit(k, "visa_number", "DL1234567")
    done_typing(k)
    choose(k, "reason", "1")
    assert k.controller.can_continue(), k.controller.missing_labels()
    k.shot("foreign-guest-stay")

    k.driver.tap(button(k, "common.next"))
    k.driver.wait_until(lambda: k.app.sm.current == "consent", 5, "the consent screen")
    assert "12 giờ" in texts(k)
    k.shot("foreign-guest-consent")
    k.driver.tap(button(k, "consent.accept"))
    k.driver.wait_until(lambda: k.app.sm.current == "done", 5, "the done screen")
    k.driver.wait_until(k.controller.delivered, 15, "delivery to the intake")
    k.driver.pump(seconds=0.5)
    due = (now + timedelta(hours=12)).strftime("%H:%M %d/%m/%Y")
    assert f"Hạn khai báo lưu trú: {due} (khách nước ngoài: trong 12 giờ)" in texts(k)
    k.shot("foreign-guest-done")
    outcome = k.controller.session.outcome
    assert outcome is not None
    payload = received(intake, outcome.sid)
    assert payload["data"]["deadline"]["rule"] == "foreigner-12h"
    assert payload["data"]["form"]["visa_number"] == "DL1234567"
    assert payload["evidence"]["fields"]["full_name"] == "chip-verified"

    k.driver.tap(button(k, "done.finish"))
    assert k.controller.session.step is Step.HOME and not k.controller.session.holds_personal_data()
    home = k.app.screens["home"]
    home.refresh()
    k.driver.pump(frames=3)
    [row] = home.pending.rows
    assert row.room == "301" and row.foreign and row.countdown_vi.startswith("còn 1")
    k.driver.tap(home.pending.summary)
    assert any("301" in t and "Khách nước ngoài" in t for t in k.driver.texts())
    k.shot("foreign-guest-home-countdown")

    [xml] = export_files(k, tmp_path, monkeypatch)  # the XML only: no Vietnamese guest today
    assert xml.suffix == ".xml"
    data = xml.read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    guest = ET.fromstring(data).find("THONG_TIN_KHACH")
    assert guest is not None
    values = {child.tag: child.text for child in guest}
    assert values["ho_ten"] == "ERIKSSON ANNA MARIA" and values["ngay_sinh"] == "12/08/1974"
    assert values["gioi_tinh"] == "F" and values["ma_quoc_tich"] == "UTO" and values["so_ho_chieu"] == "L898902C3"
    assert values["so_phong"] == "301" and values["ngay_den"] == now.strftime("%d/%m/%Y")
    assert values["thoi_han_tam_tru"] == (now + timedelta(days=25)).strftime("%d/%m/%Y")


@pytest.mark.timeout(180)
def test_a_chip_that_refuses_the_key_and_an_unknown_csca(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("lodging", idle_seconds=60)
    prepare_passport(k, 902, faults=("wrong-key",))
    prepare_passport(k, 903, faults=("unknown-csca",))
    start_foreign_guest(k)
    k.services.world.present(902)
    k.driver.wait_until(lambda: k.controller.scan.error is not None
                        and k.controller.scan.error.code == "chip-wrong-key", 90, "the wrong key")
    k.driver.pump(frames=3)
    shown = texts(k)
    assert "Không mở được chip của hộ chiếu" in shown and "The passport's chip did not open" in shown
    assert "Đọc lại trang hộ chiếu" in shown and "Nhập thông tin hộ chiếu" in shown
    assert "Traceback" not in shown
    k.shot("foreign-guest-wrong-key")

    # Another passport, whose signer no trusted CSCA issued: said plainly; the guest may go on, marked unverified.
    k.services.world.take_away()
    k.services.world.present(903)
    k.driver.pump(seconds=2.5)  # the reader has seen the first passport go and the second come
    k.driver.tap(button(k, "scan.rescan_page"))
    k.driver.wait_until(lambda: k.controller.scan.problem is not None, 90, "the verification problem")
    k.driver.pump(frames=3)
    problem = k.controller.scan.problem
    assert problem is not None and problem.code == "chip-csca-unknown" and problem.level == "warn"
    shown = texts(k)
    assert "Không xác minh được chữ ký của hộ chiếu" in shown
    assert "cơ quan cấp chưa có trong danh sách tin cậy" in shown and "no trusted CSCA" in shown
    assert "chưa xác thực" in shown
    k.shot("foreign-guest-unknown-csca")
    k.driver.tap(button(k, "scan.problem.continue"))
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 5, "the review")
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["full_name"].source == "chip-unverified" and not rows["full_name"].locked
    k.driver.pump(frames=3)
    k.shot("foreign-guest-review-unverified")


@pytest.mark.timeout(180)
def test_the_passport_details_typed_when_the_camera_cannot_read_the_page(
    kiosk: Callable[..., RunningKiosk], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_presenter, "TYPING_AFTER_S", 1.0)
    k = kiosk("lodging", idle_seconds=60)
    prepare_passport(k, 904)
    start_foreign_guest(k)
    assert not k.app.screens["scan"].type_passport_button.parent
    k.services.world.present(904, qr=False)  # on the reader, never shown to the camera
    k.driver.wait_until(lambda: k.app.screens["scan"].type_passport_button.parent is not None, 10,
                        "the typing path")
    k.shot("foreign-guest-type-offered")
    k.driver.tap(k.app.screens["scan"].type_passport_button)
    assert k.app.screens["scan"].mrz_open
    type_passport_details(k, shot="foreign-guest-typed")
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 90, "the chip read and the review")
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["document_number"].value == "L898902C3" and rows["full_name"].source == "chip-verified"


def test_the_clinic_offers_the_passport_route(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("clinic", idle_seconds=60)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    scan = k.app.screens["scan"]
    assert not k.controller.scan.passport and scan.use_passport_button.parent is not None
    k.shot("foreign-guest-clinic-scan")
    k.driver.tap(button(k, "scan.use_passport"))
    assert k.controller.scan.passport and scan.use_passport_button.parent is None
    assert "Quét hộ chiếu" in texts(k)
    k.shot("foreign-guest-clinic-passport")


def glared_clip(page: Document, seeds: tuple[int, ...] = (2, 3)) -> list[Any]:
    """Frames of ``page`` with a lamp's specular reflection washing out the middle of its MRZ: the characters
    under it are gone from the image, so no reader can take the zone (found by rendering the same frame with a
    blank zone and comparing)."""
    blank = dataclasses.replace(page, lines=tuple("<" * len(line) for line in page.lines))
    frames = []
    for seed in seeds * 4:
        image = page_frame(page, seed=seed, size=SIM_FRAME_SIZE).image
        ink = cv2.absdiff(image, page_frame(blank, seed=seed, size=SIM_FRAME_SIZE).image).max(axis=2) > 40
        ys, xs = np.nonzero(ink)
        height, width = ink.shape
        yy, xx = np.mgrid[0:height, 0:width]
        cx, cy = xs.min() + 0.55 * (xs.max() - xs.min()), (ys.min() + ys.max()) / 2
        rx, ry = 0.05 * (xs.max() - xs.min()), 1.2 * (ys.max() - ys.min())
        glare = np.exp(-2 * (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
        frames.append(np.clip(image + 255 * 1.2 * glare[..., None], 0, 255).astype(np.uint8))
    return frames


@pytest.mark.timeout(180)
def test_an_unreadable_photo_page_is_said_plainly_and_the_details_typed(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("lodging", idle_seconds=60)
    assert HOLDER.date_of_birth is not None
    page = Document("td3", tuple(MRZ), "ERIKSSON", "ANNA MARIA", "UTO", HOLDER.date_of_birth, HOLDER.expiry_date)
    k.services.world.prepare_document(905, glared_clip(page), HOLDER.to_dict(), MRZ, profile="bac-td3-no-sfi")
    present_passport(k, 905)
    k.driver.wait_until(lambda: k.controller.scan.error is not None, 30, "the unreadable page said")
    k.driver.pump(frames=3)
    error = k.controller.scan.error
    assert error is not None and error.code == "mrz-unsure" and k.controller.scan.mrz_lines is None
    shown = texts(k)
    assert "Không đọc được dòng mã MRZ" in shown and "tránh lóa sáng" in shown and "Traceback" not in shown
    assert k.app.screens["scan"].type_passport_button.parent is not None  # typing offered at once
    k.shot("foreign-guest-mrz-unreadable")
    k.driver.tap(k.app.screens["scan"].type_passport_button)
    type_passport_details(k)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 90, "the chip read and the review")
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["full_name"].value == "ERIKSSON ANNA MARIA" and rows["full_name"].source == "chip-verified"


@pytest.mark.timeout(180)
def test_a_passport_lifted_mid_read_is_said_in_a_passports_words_and_read_when_put_back(
    kiosk: Callable[..., RunningKiosk]
) -> None:
    k = kiosk("lodging", idle_seconds=120)
    prepare_passport(k, 906, faults=("removed-at=40",))  # leaves the field part-way through the portrait
    present_passport(k, 906)
    k.driver.wait_until(lambda: k.controller.scan.error is not None
                        and k.controller.scan.error.code == "chip-card-removed", 90, "the lifted passport")
    k.driver.pump(frames=3)
    shown = texts(k)
    assert "Hộ chiếu vừa bị nhấc ra" in shown and "The passport was lifted" in shown
    assert "Thẻ vừa bị nhấc ra" not in shown and "mã QR" not in shown and "Traceback" not in shown
    assert k.controller.session.step is not Step.REVIEW
    k.shot("foreign-guest-lifted")
    k.services.world.present(906)  # put back on the reader: read again with the same key, to the review
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 90, "the review after putting it back")
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["full_name"].value == "ERIKSSON ANNA MARIA" and rows["full_name"].source == "chip-verified"


@pytest.mark.timeout(300)
def test_a_foreign_patient_checks_in_at_the_clinic_with_a_passport(
    kiosk: Callable[..., RunningKiosk], intake: IntakeServer
) -> None:
    k = kiosk("clinic", idle_seconds=60)
    prepare_passport(k, 907)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    k.driver.tap(button(k, "scan.use_passport"))
    k.controller.session.touch()
    k.services.world.present(907)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 90, "the chip read and the review")
    rows = {r.name: r for r in k.controller.rows()}
    assert rows["full_name"].value == "ERIKSSON ANNA MARIA" and rows["full_name"].source == "chip-verified"
    assert rows["passport_number"].value == "L898902C3" and rows["passport_issuer"].value == "UTO"
    assert not rows["id_number"].value  # a passport number is not a Vietnamese personal ID number
    assert all(r.error is None for r in rows.values()), [(r.name, r.error) for r in rows.values() if r.error]
    edit(k, "visit_reason", "Dau bung")
    done_typing(k)
    edit(k, "phone", "0912345678")
    done_typing(k)
    assert k.controller.can_continue(), k.controller.missing_labels()
    k.driver.pump(frames=3)
    k.shot("foreign-guest-clinic-review")
    k.driver.tap(button(k, "common.next"))
    k.driver.wait_until(lambda: k.app.sm.current == "check" and not k.controller.checking, 15, "the card check")
    k.driver.pump(frames=2)
    shown = texts(k)  # no BHYT card to look up: a self-paying visit, not "the service is not answering"
    assert "Không có thẻ BHYT để kiểm tra" in shown and "tự chi trả" in shown and "không trả lời" not in shown
    assert "Không tra cứu thẻ BHYT" in shown and "Chưa có mã kết quả" not in shown
    k.shot("foreign-guest-clinic-check")
    k.driver.tap(button(k, "check.continue"))
    k.driver.wait_until(lambda: k.app.sm.current == "consent", 5, "the consent screen")
    k.driver.tap(button(k, "consent.accept"))
    k.driver.wait_until(lambda: k.app.sm.current == "done", 5, "the done screen")
    k.driver.wait_until(k.controller.delivered, 15, "delivery to the intake")
    k.driver.pump(seconds=0.5)
    k.shot("foreign-guest-clinic-done")
    outcome = k.controller.session.outcome
    assert outcome is not None
    data = received(intake, outcome.sid)["data"]
    assert data["form"]["passport_number"] == "L898902C3" and data["form"].get("id_number") in (None, "")
    assert data["card_check"]["code"] == "no-card" and data["card_check"]["flag"] == "không có thẻ BHYT"
    bundle = Bundle.model_validate(data["fhir"])
    patient = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient")
    [identifier] = patient.identifier  # type: ignore[union-attr]
    assert identifier.value == "L898902C3" and identifier.type.coding[0].code == "PPN"
    assert identifier.system is None  # UTO, ICAO's specimen State, has no ISO 3166 namespace
    row = ET.fromstring(data["qd130_xml"]).find("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB")
    assert row is not None and row.findtext("HO_TEN") == "ERIKSSON ANNA MARIA" and row.findtext("SO_CCCD") == ""


@pytest.mark.timeout(180)
def test_a_passport_signed_under_an_expired_certificate_is_said_plainly(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("lodging", idle_seconds=120)
    prepare_passport(k, 908, faults=("expired-dsc",))
    present_passport(k, 908)
    k.driver.wait_until(lambda: k.controller.scan.problem is not None, 90, "the verification problem")
    k.driver.pump(frames=3)
    problem = k.controller.scan.problem
    assert problem is not None and problem.code == "chip-certificate-expired" and problem.level == "warn"
    shown = texts(k)
    assert "Không xác minh được chữ ký của hộ chiếu" in shown and "hết hạn" in shown and "Traceback" not in shown
    k.shot("foreign-guest-expired-certificate")
    k.driver.tap(button(k, "scan.problem.continue"))
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 5, "the review")
    assert next(r for r in k.controller.rows() if r.name == "full_name").source == "chip-unverified"
