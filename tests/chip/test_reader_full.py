"""Full reads against the in-process emulated card: access, progressive events, verification, key order."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from drivers.emrtd.chip_errors import AccessDeniedError, ReadCancelledError
from drivers.emrtd.pki import TrustStore
from drivers.emrtd.reader import AccessKey, ChipReader, ReadEvent, ReadOptions
from drivers.sim.emulated_card import EmulatedCard
from drivers.transport import CardRemovedError, InProcessTransport
from kiosk.chip_identity import identity_from_chip
from kiosk.chip_keys import access_keys
from kiosk.identity import Identity
from kiosk.mrz import format_td1
from kiosk.qr_payload import format_qr_payload, parse_qr_payload
from kiosk.samples import sample_identity

CardFactory = Callable[..., EmulatedCard]


def _read(card: object, keys: list[AccessKey], trust: TrustStore | None, **kwargs: object) -> ChipReader:
    reader = ChipReader(InProcessTransport(card), keys, trust=trust, **kwargs)  # type: ignore[arg-type]
    reader.read()
    return reader


def test_full_read_is_valid_and_matches_the_identity(make_card: CardFactory, chip_trust: TrustStore,
                                                     chip_identity: Identity) -> None:
    events: list[ReadEvent] = []
    keys = access_keys(qr_identity=parse_qr_payload(format_qr_payload(chip_identity)))
    reader = _read(make_card(), keys, chip_trust, on_event=events.append)
    res = reader.result
    v = res.verification
    assert (v["access"], v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"]) == (
        "pace", "valid", "valid", "valid")
    assert v["passive"]["data_groups"] == {1: "ok", 2: "ok", 13: "ok", 14: "ok", 15: "ok"}
    assert res.key_source == "qr"
    identity = identity_from_chip(res.data_groups, v)
    for name in ("id_number", "old_id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
                 "religion", "place_of_origin", "residence", "identifying_marks", "issue_date", "expiry_date",
                 "father_name", "mother_name", "spouse_name", "no_expiry", "document_number", "card_type"):
        assert getattr(identity, name) == getattr(chip_identity, name), name
    assert identity.source == "chip"
    assert identity.raw["mrz"] == format_td1(chip_identity)
    kinds = [e.kind for e in events]
    assert kinds[0] == "connected" and kinds[-1] == "done"
    text_at = kinds.index("text-ready")
    dg2_events = [i for i, e in enumerate(events) if e.kind == "file" and e.file == "DG2"]
    assert dg2_events and min(dg2_events) > text_at
    assert events[text_at].info["passive"]["status"] == "valid"
    stats = res.stats.as_dict()
    assert stats["commands"] > 10 and stats["bytes_in"] > 4000 and stats["bytes_out"] > 0
    assert 0 < stats["ms_text_ready"] <= stats["ms_total"]


def test_text_is_verified_before_the_face_is_read(make_card: CardFactory, chip_trust: TrustStore) -> None:
    seen_at_text: list[set[int]] = []
    reader: ChipReader | None = None

    def on_event(event: ReadEvent) -> None:
        if event.kind == "text-ready" and reader is not None:
            seen_at_text.append(set(reader.result.data_groups))

    card = make_card()
    reader = ChipReader(InProcessTransport(card), [AccessKey("can", card.keys.can or "")], trust=chip_trust,
                        on_event=on_event)
    reader.read()
    assert seen_at_text == [{1, 13}]


def test_key_sources_are_tried_in_order(make_card: CardFactory, chip_trust: TrustStore,
                                        chip_identity: Identity) -> None:
    mrz_key = access_keys(mrz_lines=format_td1(chip_identity))[0]
    keys = [AccessKey("can", "000000", "qr"), mrz_key]
    reader = _read(make_card(), keys, chip_trust)
    assert (reader.result.access, reader.result.key_source) == ("pace", "typed")


def test_every_key_wrong_is_access_denied(make_card: CardFactory, chip_trust: TrustStore) -> None:
    keys = [AccessKey("can", "000000"), AccessKey("mrz", "090000000<0900101<3001019")]
    with pytest.raises(AccessDeniedError):
        _read(make_card(), keys, chip_trust)


def test_derived_mrz_opens_a_bac_only_card(make_card: CardFactory, chip_trust: TrustStore) -> None:
    who = sample_identity(11)
    qr = parse_qr_payload(format_qr_payload(who))
    reader = _read(make_card(faults=["bac-only"], identity=who), access_keys(qr_identity=qr), chip_trust)
    assert (reader.result.access, reader.result.key_source) == ("bac", "derived")
    assert reader.result.verification["passive"]["status"] == "valid"


def test_cancel_stops_the_read(make_card: CardFactory, chip_trust: TrustStore) -> None:
    cancel = threading.Event()

    def on_event(event: ReadEvent) -> None:
        if event.kind == "text-ready":
            cancel.set()

    card = make_card()
    with pytest.raises(ReadCancelledError):
        _read(card, [AccessKey("can", card.keys.can or "")], chip_trust, on_event=on_event, cancel=cancel)


def test_absent_and_protected_files_are_recorded(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card()
    reader = _read(card, [AccessKey("can", card.keys.can or "")], chip_trust,
                   options=ReadOptions(extra_groups=(3, 11)))
    assert reader.result.missing == {"DG3": "protected", "DG11": "absent"}
    assert reader.result.verification["passive"]["status"] == "valid"


def test_without_trust_store_passive_has_no_anchor(make_card: CardFactory) -> None:
    card = make_card()
    reader = _read(card, [AccessKey("can", card.keys.can or "")], None, options=ReadOptions(read_face=False))
    v = reader.result.verification
    assert v["passive"]["status"] == "no-trust-anchor"
    assert v["chip_authentication"]["status"] == "valid"
    assert 2 not in reader.result.data_groups


def test_read_resumes_after_the_card_comes_back(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card(dg2_size=20000, faults=["no-extended", "removed-at=60"])
    transport = InProcessTransport(card)
    events: list[ReadEvent] = []
    reader = ChipReader(transport, [AccessKey("can", card.keys.can or "")], trust=chip_trust,
                        on_event=events.append)
    with pytest.raises(CardRemovedError):
        reader.read()
    assert {1, 13, 14, 15} <= set(reader.result.data_groups) and 2 not in reader.result.data_groups
    first_attempt = reader.result.stats.commands
    dg2_done = sum(1 for e in events if e.kind == "file" and e.file == "DG2")
    assert first_attempt == 59 and dg2_done > 0  # the 60th command never completed
    card.present_again()
    transport.insert(card)
    result = reader.read()
    dg2_reads = -(-len(card.files[0x0102]) // 0xDF)
    # CardAccess, PACE (5), SELECT application, DG1 check, CA (2), SELECT DG2, then only the rest of DG2
    assert result.stats.commands - first_attempt == 1 + 5 + 1 + 1 + 2 + 1 + dg2_reads - dg2_done
    v = result.verification
    assert (v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"]) == (
        "valid", "valid", "valid")
    assert result.data_groups[2] == card.files[0x0102]
    assert [e.kind for e in events].count("text-ready") == 1


def test_resume_with_another_card_starts_again(make_card: CardFactory, chip_trust: TrustStore) -> None:
    first = make_card(faults=["removed-at=14"])
    transport = InProcessTransport(first)
    other = make_card(identity=sample_identity(12))
    keys = [AccessKey("can", first.keys.can or ""), AccessKey("can", other.keys.can or "")]
    reader = ChipReader(transport, keys, trust=chip_trust)
    with pytest.raises(CardRemovedError):
        reader.read()
    transport.insert(other)
    result = reader.read()
    assert result.data_groups[13] == other.files[0x010D]
    assert result.verification["passive"]["status"] == "valid"
