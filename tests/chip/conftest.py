"""Fixtures for the protocol, reader and emulator tests: emulated cards built from synthetic identities, the test
PKIs of the card profiles with a master list as their trust anchor, and an emulated card served to the real pcscd
through vsmartcard's vpcd.

Cards are served on "Virtual PCD 00 01" (TCP 35964) so a card emulated by hand on 00 00 does not interfere. pcscd is
started by ``deploy/dev/services.d/pcscd.sh`` (idempotent; ``make test`` runs it too).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.pace import PaceSuite, pace_authenticate
from drivers.emrtd.pki import TestPki, TrustStore, build_master_list, make_test_pki
from drivers.emrtd.sm import SecureMessaging
from drivers.pcsc import PcscTransport, reader_names
from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record
from drivers.sim.vpcd import VpcdCard
from kiosk.identity import Identity
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity

CardFactory = Callable[..., EmulatedCard]
ROOT = Path(__file__).resolve().parents[2]
PORT = 35964
READER = "Virtual PCD 00 01"


@pytest.fixture(scope="session")
def chip_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def chip_trust(chip_pki: TestPki) -> TrustStore:
    assert chip_pki.directory is not None
    return TrustStore.from_directory(Path(chip_pki.directory))


@pytest.fixture(scope="session")
def chip_identity() -> Identity:
    return sample_identity(7)


@pytest.fixture
def make_card(chip_pki: TestPki, chip_identity: Identity) -> CardFactory:
    """``make_card(faults=(), identity=None, dg2_size=4000)`` → an emulated card of the sample citizen."""

    def factory(faults: Iterable[str] = (), identity: Identity | None = None, dg2_size: int = 4000) -> EmulatedCard:
        who = identity or chip_identity
        return emulated_card_from_record(who.to_dict(), chip_pki, format_td1(who), faults=faults,
                                         dg2_size=dg2_size)

    return factory


@pytest.fixture(scope="session")
def profile_pkis() -> dict[str, TestPki]:
    """One test PKI per document-signer key type of the card profiles."""
    return {kind: make_test_pki(key_type=kind, label=f"Profile {kind}") for kind in ("ec", "ec-p256", "rsa")}


@pytest.fixture(scope="session")
def profile_trust(profile_pkis: dict[str, TestPki], tmp_path_factory: pytest.TempPathFactory) -> TrustStore:
    """The profiles' CSCAs as a trust store would get them: one ICAO master list (CMS), loaded from a folder."""
    signer = make_test_pki(key_type="ec", label="Master List Signer")
    folder = tmp_path_factory.mktemp("trust")
    (folder / "test.ml").write_bytes(
        build_master_list([pki.csca_cert for pki in profile_pkis.values()], signer.dsc_key, signer.dsc_cert))
    return TrustStore.from_directory(folder)


@pytest.fixture(scope="module")
def pcscd() -> None:
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/pcscd.sh"), "start"], check=True,
                   capture_output=True, timeout=30)
    assert any(READER in name for name in reader_names())


class Served:
    """An emulated card on the vpcd reader for the duration of a ``with`` block."""

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card
        self.stop = threading.Event()
        self.server = VpcdCard(card, port=PORT)
        self.thread = threading.Thread(target=self.server.serve, args=(self.stop,), daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        assert self.server.connected.wait(10), "vpcd did not accept the card"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        assert PcscTransport(READER).wait_for_removal(5)


def pace_transcript(suite: PaceSuite, password: str, chip_answers: list[bytes],
                    terminal_keys: list[int]) -> tuple[list[CommandApdu], SecureMessaging]:
    """Run the terminal side of PACE-MRZ against a chip that gives ``chip_answers`` (the four GENERAL AUTHENTICATE
    responses of a worked example), with the example's terminal private keys; (commands sent, session)."""
    sent: list[CommandApdu] = []
    answers = iter(chip_answers)
    n_bytes = (suite.domain.order.bit_length() + 7) // 8 + 8
    keys = iter((k - 1).to_bytes(n_bytes, "big") for k in terminal_keys)  # what random_scalar turns into k

    def transmit(raw: bytes) -> tuple[bytes, int]:
        cmd, _ = CommandApdu.parse(raw)
        sent.append(cmd)
        return (b"", 0x9000) if cmd.ins == 0x22 else (next(answers), 0x9000)

    return sent, pace_authenticate(transmit, suite, "mrz", password, rng=lambda n: next(keys))
