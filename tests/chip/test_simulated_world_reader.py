"""The simulated kiosk's card reader: the emulated CCCD behind the real pcscd in its own process, or in-process
when pcscd (or its simulated reader) is not available. Both read the same verified identity through ChipScan."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from cli.qr_samples import SampleCitizens
from drivers.sim.world import SimulatedWorld
from kiosk.chip_scan import ChipScan
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
