"""No scanner thread dies silently: a malformed security object is a typed error, and any exception raised while
reading the chip or decoding a QR frame becomes a typed event while the worker lives on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import SecurityObjectError
from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki
from drivers.emrtd.sod import parse_sod
from drivers.sim.emulated_card import emulated_card_from_record
from drivers.transport import InProcessTransport
from kiosk.chip_scan import ChipScan
from kiosk.mrz import format_td1
from kiosk.qr_payload import format_qr_payload
from kiosk.samples import sample_identity
from kiosk.scan import AccessKey, ChipEvent, ScanEvent, Scanner

from .test_scan import Camera, collect, rekeyed


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def without_digest_value(sod: bytes) -> bytes:
    """The same EF.SOD with its message-digest signed attribute holding no value (a fuzzer's find)."""
    info = asn1_cms.ContentInfo.load(tlv.decode(sod, expected_tag=lds.TAG_SOD).value)
    signer = info["content"]["signer_infos"][0]
    for attribute in signer["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            attribute["values"] = []
    return tlv.encode(lds.TAG_SOD, info.dump(force=True))


def test_an_empty_message_digest_attribute_is_a_typed_error(pki: TestPki) -> None:
    identity = sample_identity(41)
    card = emulated_card_from_record(identity.to_dict(), pki, format_td1(identity), dg2_size=2000)
    with pytest.raises(SecurityObjectError) as refused:
        parse_sod(without_digest_value(card.files[lds.FID_SOD]))
    assert "message_digest" in refused.value.message


def test_a_card_with_such_a_sod_and_no_dg15_ends_in_an_event(pki: TestPki) -> None:
    identity = sample_identity(42)
    card = emulated_card_from_record(identity.to_dict(), pki, format_td1(identity), dg2_size=2000)
    card.files[lds.FID_SOD] = without_digest_value(card.files[lds.FID_SOD])
    card.files.pop(lds.dg_fid(15), None)
    transport = InProcessTransport(card)
    chip = ChipScan(lambda: transport, trust=TrustStore.from_directory(Path(pki.directory or "")))

    def factory(on: Callable[[ScanEvent], None]) -> Scanner:
        scanner = Scanner(camera=None, decoder=None, chip=chip, post=lambda fn: fn(), on_event=on)
        scanner.provide_key(AccessKey(can=identity.pace_can))
        return scanner

    events = collect(factory, lambda ev: any(e.kind in ("chip-done", "chip-error") for e in ev), timeout=60)
    done = [e for e in events if e.kind == "chip-text" and e.progress == 1.0]
    assert done and done[0].identity is not None
    assert done[0].identity.verification["passive"]["status"] != "valid"  # read, but never trusted


@pytest.mark.parametrize("fault", [IndexError, RuntimeError, MemoryError, AssertionError])
def test_any_exception_in_the_chip_reading_is_a_typed_event_and_the_worker_lives(fault: type[Exception]) -> None:
    calls: list[str | None] = []

    def chip(key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None:
        calls.append(key.can)
        if len(calls) == 1:
            raise fault("boom")
        emit(ChipEvent("done", 1.0))

    events = collect(rekeyed(chip, "123456", "654321"), lambda ev: any(e.kind == "chip-done" for e in ev))
    errors = [e.error for e in events if e.kind == "chip-error"]
    assert len(errors) == 1 and errors[0] is not None
    assert errors[0].code == "chip-failed" and errors[0].message_vi.startswith("Không đọc được chip")
    assert calls == ["123456", "654321"]


class FailingDecoder:
    """Raises on the first frames (as OpenCV does on a frame it cannot handle), then decodes."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    def decode(self, frame: object) -> bytes | None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("cv2.error: (-215:Assertion failed)")
        return frame if isinstance(frame, bytes) else None


def test_a_decoder_exception_is_a_typed_qr_event_and_the_camera_goes_on() -> None:
    identity = sample_identity(43)
    payload = format_qr_payload(identity).encode()
    events = collect(lambda on: Scanner(camera=Camera([b"a", b"b", b"c", payload]), decoder=FailingDecoder(3),
                                        chip=None, post=lambda fn: fn(), on_event=on, frame_interval=0.001),
                     lambda ev: any(e.kind == "qr" for e in ev))
    errors = [e.error for e in events if e.kind == "qr-error"]
    assert len(errors) == 1 and errors[0] is not None and errors[0].code == "qr-failed"  # reported once
    qr = next(e for e in events if e.kind == "qr")
    assert qr.identity is not None and qr.identity.id_number == identity.id_number
