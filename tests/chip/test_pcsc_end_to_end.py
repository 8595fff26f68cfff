"""End to end through the real pcscd and the Debian vsmartcard-vpcd driver, with the pyscard transport.

The emulated card is served on "Virtual PCD 00 01" (TCP 35964) so a card emulated by hand on 00 00 does not
interfere. pcscd is started by ``deploy/dev/services.d/pcscd.sh`` (idempotent; ``make test`` runs it too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.emrtd.pki import TestPki, TrustStore
from drivers.emrtd.reader import AccessKey, ChipReader
from drivers.pcsc import PcscTransport
from drivers.transport import CardRemovedError, NoCardError
from kiosk.chip_identity import identity_from_chip
from kiosk.identity import Identity
from kiosk.qr_payload import format_qr_payload
from tests.chip.conftest import PORT, READER, CardFactory, Served

pytestmark = [pytest.mark.pcscd, pytest.mark.usefixtures("pcscd")]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def transport() -> Iterator[PcscTransport]:
    t = PcscTransport(READER)
    yield t
    t.disconnect()


def test_full_read_through_pcscd(make_card: CardFactory, chip_trust: TrustStore, chip_identity: Identity,
                                 transport: PcscTransport) -> None:
    card = make_card(dg2_size=8000)
    with Served(card) as served:
        assert transport.wait_for_card(10)
        result = ChipReader(transport, [AccessKey("can", card.keys.can or "")], trust=chip_trust).read()
        assert served.server.commands == result.stats.commands
    v = result.verification
    assert (v["access"], v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"]) == (
        "pace", "valid", "valid", "valid")
    identity = identity_from_chip(result.data_groups, v)
    assert identity.full_name == chip_identity.full_name and identity.residence == chip_identity.residence
    assert result.data_groups[2] == card.files[0x0102]  # 8 KB DG2 in one extended-length read


def test_card_removed_mid_read_through_pcscd(make_card: CardFactory, chip_trust: TrustStore,
                                             transport: PcscTransport) -> None:
    card = make_card(faults=["removed-at=12"], dg2_size=2000)
    with Served(card):
        assert transport.wait_for_card(10)
        with pytest.raises(CardRemovedError):
            ChipReader(transport, [AccessKey("can", card.keys.can or "")], trust=chip_trust).read()


def test_no_card_in_the_reader(transport: PcscTransport) -> None:
    assert not transport.wait_for_card(0.3)
    with pytest.raises(NoCardError):
        transport.connect()


def _kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def emulator(chip_pki: TestPki) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*extra: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "card", "emulate", "--sample", "7", "--pki",
                                 str(chip_pki.directory), "--port", str(PORT), "--json", *extra], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        started.append(proc)
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["serving"] is True
        assert PcscTransport(READER).wait_for_card(15)
        return proc

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)
    assert PcscTransport(READER).wait_for_removal(5)


def test_cli_read_against_cli_emulate(emulator: Callable[..., subprocess.Popen[str]], chip_pki: TestPki,
                                      chip_identity: Identity, tmp_path: Path) -> None:
    emulator()
    face = tmp_path / "face.jpg"
    run = _kiosk("card", "read", "--reader", READER, "--qr", format_qr_payload(chip_identity), "--trust",
                 str(chip_pki.directory), "--face-out", str(face), "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout)
    identity = Identity.from_dict(out["identity"])
    for name in ("id_number", "old_id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
                 "religion", "place_of_origin", "residence", "identifying_marks", "issue_date", "expiry_date",
                 "father_name", "mother_name", "spouse_name", "no_expiry"):
        assert getattr(identity, name) == getattr(chip_identity, name), name
    v = identity.verification
    assert (v["access"], v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"]) == (
        "pace", "valid", "valid", "valid")
    assert set(out["stats"]) == {"commands", "bytes_in", "bytes_out", "ms_total", "ms_text_ready"}
    assert face.read_bytes()[:3] == b"\xff\xd8\xff"
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(("fault", "code"), [("wrong-key", "chip-wrong-key"), ("removed-at=9", "card-removed"),
                                             ("tampered-dg", "chip-verification-failed")])
def test_cli_typed_errors(emulator: Callable[..., subprocess.Popen[str]], chip_pki: TestPki,
                          chip_identity: Identity, fault: str, code: str) -> None:
    emulator("--fault", fault)
    run = _kiosk("card", "read", "--reader", READER, "--qr", format_qr_payload(chip_identity), "--trust",
                 str(chip_pki.directory), "--no-face", "--json")
    assert run.returncode == 2
    out = json.loads(run.stdout)
    assert out["ok"] is False and out["error"]["code"] == code
    assert "Traceback" not in run.stderr
