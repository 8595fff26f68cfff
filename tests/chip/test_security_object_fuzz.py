"""Structure-aware fuzzing of EF.SOD (CMS SignedData) and the data groups: ASN.1 pieces emptied, duplicated, dropped
or retyped, and random DER, reach every parser; each returns a result or raises a typed ``EmrtdError``, and passive
authentication never raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.emrtd import lds, tlv
from drivers.emrtd.cms import parse_signed_data
from drivers.emrtd.dg1 import parse_dg1
from drivers.emrtd.dg11 import parse_dg11
from drivers.emrtd.dg13 import parse_dg13
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.dg15 import parse_dg15
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.passive_auth import verify_passive
from drivers.emrtd.pki import TestPki, make_test_pki
from drivers.emrtd.sod import parse_sod
from drivers.sim.card_files import CardFiles, build_card_files
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_test_pki()


@pytest.fixture(scope="module")
def card(pki: TestPki) -> CardFiles:
    identity = sample_identity(5)
    return build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), dg2_size=1500)


def typed_or_result(parse: Callable[[bytes], Any], data: bytes) -> None:
    try:
        parse(data)
    except EmrtdError as exc:
        assert exc.code and exc.message


# Mutations of the SignerInfo and SignedData, as a fuzzer or a broken card would make them.
def _signer(info: asn1_cms.ContentInfo) -> Any:
    return info["content"]["signer_infos"][0]


def _attribute(info: asn1_cms.ContentInfo, name: str) -> Any:
    return next(a for a in _signer(info)["signed_attrs"] if a["type"].native == name)


def _empty_values(name: str) -> Callable[[asn1_cms.ContentInfo], None]:
    def mutate(info: asn1_cms.ContentInfo) -> None:
        _attribute(info, name)["values"] = []
    return mutate


def _double_values(name: str) -> Callable[[asn1_cms.ContentInfo], None]:
    def mutate(info: asn1_cms.ContentInfo) -> None:
        attribute = _attribute(info, name)
        attribute["values"] = [attribute["values"][0], attribute["values"][0]]
    return mutate


def _no_signed_attributes(info: asn1_cms.ContentInfo) -> None:
    _signer(info)["signed_attrs"] = core.Void()


def _no_signers(info: asn1_cms.ContentInfo) -> None:
    info["content"]["signer_infos"] = []


def _two_signers(info: asn1_cms.ContentInfo) -> None:
    info["content"]["signer_infos"] = [_signer(info), _signer(info)]


def _no_certificates(info: asn1_cms.ContentInfo) -> None:
    info["content"]["certificates"] = []


def _no_digest_algorithms(info: asn1_cms.ContentInfo) -> None:
    info["content"]["digest_algorithms"] = []


def _empty_signature(info: asn1_cms.ContentInfo) -> None:
    _signer(info)["signature"] = b""


def _unknown_digest(info: asn1_cms.ContentInfo) -> None:
    _signer(info)["digest_algorithm"] = {"algorithm": "1.2.3.4.5"}


def _no_content(info: asn1_cms.ContentInfo) -> None:
    info["content"]["encap_content_info"]["content"] = core.Void()


def _garbage_content(info: asn1_cms.ContentInfo) -> None:
    info["content"]["encap_content_info"]["content"] = core.OctetString(b"\x30\x03\x02\x01")


def _by_key_id(info: asn1_cms.ContentInfo) -> None:
    _signer(info)["sid"] = asn1_cms.SignerIdentifier({"subject_key_identifier": b""})


MUTATIONS: dict[str, Callable[[asn1_cms.ContentInfo], None]] = {
    "empty-message-digest": _empty_values("message_digest"),
    "empty-content-type": _empty_values("content_type"),
    "two-message-digests": _double_values("message_digest"),
    "no-signed-attributes": _no_signed_attributes,
    "no-signers": _no_signers,
    "two-signers": _two_signers,
    "no-certificates": _no_certificates,
    "no-digest-algorithms": _no_digest_algorithms,
    "empty-signature": _empty_signature,
    "unknown-digest": _unknown_digest,
    "no-content": _no_content,
    "garbage-content": _garbage_content,
    "signer-by-empty-key-id": _by_key_id,
}


def mutated_sod(sod: bytes, names: list[str]) -> bytes:
    info = asn1_cms.ContentInfo.load(tlv.decode(sod, expected_tag=lds.TAG_SOD).value)
    for name in names:
        try:
            MUTATIONS[name](info)
        except (StopIteration, KeyError, IndexError, ValueError, TypeError):
            continue  # an earlier mutation removed what this one changes
    return tlv.encode(lds.TAG_SOD, info.dump(force=True))


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_structural_fault_is_typed_and_never_valid(card: CardFiles, pki: TestPki, name: str) -> None:
    sod = mutated_sod(card.files[lds.FID_SOD], [name])
    typed_or_result(parse_sod, sod)
    groups = {n: card.files[lds.dg_fid(n)] for n in (1, 2, 13, 14) if lds.dg_fid(n) in card.files}
    assert verify_passive(sod, groups, None).status != "valid"


@FUZZ
@given(names=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4),
       flips=st.lists(st.tuples(st.integers(0, 10**5), st.integers(1, 255)), max_size=2))
def test_mutated_sods_with_damaged_bytes_give_results_or_typed_errors(
    card: CardFiles, names: list[str], flips: list[tuple[int, int]]
) -> None:
    data = bytearray(mutated_sod(card.files[lds.FID_SOD], names))
    for position, flip in flips:
        data[position % len(data)] ^= flip
    typed_or_result(parse_sod, bytes(data))
    typed_or_result(parse_signed_data, bytes(data[2:]))
    assert verify_passive(bytes(data), {1: card.files[lds.dg_fid(1)]}, None).status != "valid"


def der(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 0x80:
        return bytes([tag, length]) + body
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


DER = st.recursive(
    st.builds(der, st.sampled_from([0x02, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x17, 0x80, 0x5F]), st.binary(max_size=24)),
    lambda inner: st.builds(der, st.sampled_from([0x30, 0x31, 0xA0, 0xA1, 0x61, 0x6B, 0x6D, 0x77]),
                            st.lists(inner, max_size=4).map(b"".join)),
    max_leaves=12,
)


@FUZZ
@given(body=DER)
def test_random_der_reaches_every_parser_without_untyped_errors(body: bytes) -> None:
    for parse in (parse_sod, parse_signed_data, parse_dg1, parse_dg11, parse_dg13, parse_dg14, parse_dg15):
        typed_or_result(parse, body)
        typed_or_result(parse, der(0x77, body))
    assert verify_passive(der(0x77, body), {}, None).status != "valid"
