"""Foreign passports (TD3 MRZ, DG11) read by the same stack into the identity model."""

from __future__ import annotations

from datetime import date

import pytest

from drivers.emrtd.pki import TestPki, TrustStore
from drivers.emrtd.reader import ChipReader
from drivers.sim.emulated_card import emulated_card_from_record, mrz_information_from_lines
from drivers.transport import InProcessTransport
from kiosk.chip_identity import identity_from_chip
from kiosk.chip_keys import access_keys
from kiosk.identity import Identity
from kiosk.mrz import format_td3

PASSPORT = Identity(full_name="MUSTERMANN ERIKA", date_of_birth=date(1984, 8, 12), sex="F", nationality="D",
                    expiry_date=date(2031, 10, 31), document_number="C01X00T47", card_type="passport")


@pytest.mark.parametrize("faults", [[], ["bac-only"]])
def test_passport_read(chip_pki: TestPki, chip_trust: TrustStore, faults: list[str]) -> None:
    lines = format_td3(document_number="C01X00T47", state="D", nationality="D", full_name="MUSTERMANN ERIKA",
                       birth=date(1984, 8, 12), sex="F", expiry=date(2031, 10, 31))
    record = {**PASSPORT.to_dict(), "id_number": None}
    card = emulated_card_from_record(record, chip_pki, lines, faults=faults, variant="passport", dg2_size=3000)
    keys = access_keys(mrz_lines=lines)
    assert keys[0].value == mrz_information_from_lines(lines)
    reader = ChipReader(InProcessTransport(card), keys, trust=chip_trust)
    result = reader.read()
    assert result.access == ("bac" if faults else "pace")
    assert 11 in result.data_groups and 13 not in result.data_groups
    assert result.verification["passive"]["status"] == "valid"
    identity = identity_from_chip(result.data_groups, result.verification)
    assert identity.card_type == "passport"
    assert identity.id_number == "C01X00T47"
    assert identity.full_name == "MUSTERMANN ERIKA"
    assert (identity.date_of_birth, identity.expiry_date, identity.sex) == (date(1984, 8, 12), date(2031, 10, 31),
                                                                              "F")
