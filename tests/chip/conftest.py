"""Fixtures for the protocol, reader and emulator tests: emulated cards built from synthetic identities."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki
from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record
from kiosk.identity import Identity
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity

CardFactory = Callable[..., EmulatedCard]


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
