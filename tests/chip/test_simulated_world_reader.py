"""The simulated kiosk's card reader: the emulated CCCD behind the real pcscd in its own process, or in-process
when pcscd (or its simulated reader) is not available. Both read the same verified identity through ChipScan."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from cli.qr_samples import SampleCitizens
from drivers.sim.world import SimulatedWorld
from kiosk.chip_scan import ChipScan
from kiosk.errors import KioskError
from kiosk.sample_documents import sample_document
from kiosk.samples import sample_identity
from kiosk.scan import AccessKey, ChipEvent

ROOT = Path(__file__).resolve().parents[2]


def _read(world: SimulatedWorld, n: int) -> list[ChipEvent]:
    events: list[ChipEvent] = []
    world.present(n, qr=False, chip=True)
    ChipScan(lambda: world.link, trust=world.trust)(AccessKey(can=sample_identity(n).pace_can), events.append,
                                                     threading.Event())
    world.take_away()
    return events


@pytest.mark.parametrize("behind_pcscd", [True, False], ids=["pcscd", "in-process"])
@pytest.mark.pcscd
def test_simulated_reader_reads_a_verified_identity(tmp_path: Path, behind_pcscd: bool) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/pcscd.sh"), "start"], check=True,
                   capture_output=True)
    world = SimulatedWorld(tmp_path, SampleCitizens(), behind_pcscd=behind_pcscd, dg2_size=4000)
    try:
        assert (world.service is not None) is behind_pcscd
        assert type(world.link).__name__ == ("PcscTransport" if behind_pcscd else "TimedTransport")
        n = 7
        world.prepare(n, chip=True)
        events = _read(world, n)
        final = [e for e in events if e.kind == "text"][-1].identity
        assert final is not None and final.id_number == sample_identity(n).id_number
        assert [e.kind for e in events][-1] == "done"
        assert any(e.kind == "portrait" and e.portrait for e in events)
        assert final.verification["passive"]["status"] == "valid"
        # The card left the reader: a second presentation of another card reads that card.
        second = [e for e in _read(world, 8) if e.kind == "text"][-1].identity
        assert second is not None and second.id_number == sample_identity(8).id_number
    finally:
        world.close()
    if behind_pcscd:
        assert world.service is not None and world.service._process.poll() is not None  # the card process ended


@pytest.mark.pcscd
def test_a_missing_simulated_reader_is_not_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import drivers.sim.card_service as card_service

    monkeypatch.setattr(card_service, "SIMULATED_READER", "No Such Reader 99")
    assert not card_service.simulated_reader_free()


@pytest.mark.parametrize("behind_pcscd", [True, False], ids=["pcscd", "in-process"])
@pytest.mark.pcscd
def test_a_passport_lifted_mid_read_and_put_back_is_read(tmp_path: Path, behind_pcscd: bool) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/pcscd.sh"), "start"], check=True,
                   capture_output=True)
    holder, mrz = sample_document("passport")
    world = SimulatedWorld(tmp_path, SampleCitizens(), behind_pcscd=behind_pcscd, dg2_size=4000)
    page = np.zeros((720, 1280, 3), np.uint8)
    try:
        world.prepare_document(906, [page] * 12, holder.to_dict(), mrz, profile="bac-td3-no-sfi",
                               faults=("removed-at=20",))
        key = AccessKey(document_number="L898902C3", date_of_birth="740812", date_of_expiry="310415")  # the MRZ's
        scan = ChipScan(lambda: world.link, trust=world.trust)
        world.present(906, qr=False)
        with pytest.raises(KioskError) as lifted:
            scan(key, lambda _event: None, threading.Event())
        assert lifted.value.code == "chip-card-removed"
        assert world.link.wait_for_removal(5)  # the reader has seen it leave
        world.present(906, qr=False)  # the holder puts it back on the reader
        events: list[ChipEvent] = []
        scan(key, events.append, threading.Event())
        final = [e for e in events if e.kind == "text"][-1].identity
        assert final is not None and final.passport_number == "L898902C3"
        assert [e.kind for e in events][-1] == "done"
    finally:
        world.close()


@pytest.mark.pcscd
def test_a_new_simulated_world_waits_for_the_card_of_one_just_closed_to_leave(tmp_path: Path) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/pcscd.sh"), "start"], check=True,
                   capture_output=True)
    first = SimulatedWorld(tmp_path / "a", SampleCitizens(), dg2_size=4000)
    assert first.service is not None
    first.prepare(7, chip=True)
    first.present(7, qr=False, chip=True)
    assert first.link.wait_for_card(5)
    first.close()  # its card is still on pcscd's reader until the next presence poll
    second = SimulatedWorld(tmp_path / "b", SampleCitizens(), dg2_size=4000)
    try:
        assert second.service is not None  # behind pcscd, not fallen back to the in-process reader
    finally:
        second.close()
