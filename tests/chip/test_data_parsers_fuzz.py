"""Every data-layer parser, fed damaged files of a simulated card, returns a result or raises a typed error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.emrtd import lds
from drivers.emrtd.card_access import parse_security_infos
from drivers.emrtd.dg1 import parse_dg1
from drivers.emrtd.dg2 import parse_dg2
from drivers.emrtd.dg13 import parse_dg13
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.dg15 import parse_dg15
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.pki import make_test_pki
from drivers.emrtd.sod import parse_sod
from drivers.sim.card_files import CardFiles, build_card_files
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity

PARSERS: dict[int, Callable[[bytes], object]] = {
    0x0101: parse_dg1,
    0x0102: lambda data: parse_dg2(data).face.to_png(),
    0x010D: parse_dg13,
    0x010E: parse_dg14,
    0x010F: parse_dg15,
    0x011C: parse_security_infos,
    0x011D: parse_sod,
    0x011E: lds.parse_ef_com,
}


@pytest.fixture(scope="module")
def card() -> CardFiles:
    identity = sample_identity(3)
    return build_card_files(identity.to_dict(), make_test_pki(), mrz_lines=format_td1(identity), dg2_size=3000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fid=st.sampled_from(sorted(PARSERS)),
    flips=st.lists(st.tuples(st.integers(0, 10**5), st.integers(1, 255)), min_size=1, max_size=3),
    cut=st.sampled_from([0, 0, 1, 5]),
)
def test_damaged_files_give_results_or_typed_errors(
    card: CardFiles, fid: int, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(card.files[fid])
    for position, flip in flips:
        data[position % len(data)] ^= flip
    try:
        PARSERS[fid](bytes(data[: len(data) - cut]))
    except EmrtdError as exc:
        assert exc.code and exc.message
