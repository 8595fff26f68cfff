"""The chip half of a scan against the in-process emulated CCCD: events in order, typed errors a person can act on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki
from drivers.sim.emulated_card import emulated_card_from_record
from drivers.transport import InProcessTransport
from kiosk.chip_scan import ChipScan, json_safe
from kiosk.errors import KioskError
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity
from kiosk.scan import AccessKey, ChipEvent


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def reader(pki: TestPki, n: int, faults: tuple[str, ...] = ()) -> InProcessTransport:
    identity = sample_identity(n)
    card = emulated_card_from_record(identity.to_dict(), pki, format_td1(identity), faults=faults, dg2_size=3000)
    return InProcessTransport(card)


def test_text_first_then_portrait_then_done(pki: TestPki) -> None:
    identity = sample_identity(31)
    events: list[ChipEvent] = []
    trust = TrustStore.from_directory(Path(pki.directory or ""))
    transport = reader(pki, 31)
    ChipScan(lambda: transport, trust=trust)(AccessKey(can=identity.pace_can), events.append, threading.Event())
    kinds = [e.kind for e in events]
    assert kinds.index("text") < kinds.index("portrait") < kinds.index("done")
    first = next(e for e in events if e.kind == "text")
    assert first.identity is not None and first.identity.full_name == identity.full_name
    assert first.identity.verification["passive"]["status"] == "valid"
    portrait = next(e for e in events if e.kind == "portrait").portrait
    assert portrait is not None and portrait.startswith(b"\x89PNG")
    progress = [e.progress for e in events if e.kind == "progress"]
    assert progress and progress == sorted(progress) and max(progress) < 1.0


def test_wrong_key_says_rescan_or_type(pki: TestPki) -> None:
    transport = reader(pki, 32)
    with pytest.raises(KioskError) as info:
        ChipScan(lambda: transport)(AccessKey(can="000000"), lambda _e: None, threading.Event())
    assert info.value.code == "chip-wrong-key" and "quét lại mã QR" in info.value.message_vi


def test_card_lifted_during_the_read(pki: TestPki) -> None:
    transport = reader(pki, 33, ("removed-at=12",))
    with pytest.raises(KioskError) as info:
        ChipScan(lambda: transport)(AccessKey(can=sample_identity(33).pace_can), lambda _e: None,
                                    threading.Event())
    assert info.value.code == "chip-card-removed"
    assert info.value.message_vi == "Thẻ vừa bị nhấc ra — vui lòng đặt lại"


def test_broken_responses_ask_to_keep_the_card_still(pki: TestPki) -> None:
    transport = reader(pki, 34, ("corrupted-mac",))
    with pytest.raises(KioskError) as info:
        ChipScan(lambda: transport)(AccessKey(can=sample_identity(34).pace_can), lambda _e: None,
                                    threading.Event())
    assert info.value.code == "chip-unstable" and info.value.message_vi == "Giữ yên thẻ trên đầu đọc"


def test_cancel_while_waiting_for_a_card_returns_quietly() -> None:
    cancel = threading.Event()
    cancel.set()
    events: list[ChipEvent] = []
    ChipScan(InProcessTransport, poll_seconds=0.01)(AccessKey(can="123456"), events.append, cancel)
    assert events == []


def test_verification_becomes_json() -> None:
    assert json_safe({"data_groups": {1: "ok", 2: "ok"}, "list": (1, 2)}) == {
        "data_groups": {"1": "ok", "2": "ok"}, "list": [1, 2]}
