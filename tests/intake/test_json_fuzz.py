"""Hypothesis over the intake's JSON handling, in process: validly signed submissions and heartbeats whose payloads
are any JSON (deep nesting, odd text, wrong types, lone surrogates), and any enrolment body, end in a verified
result or an ``IntakeError``, never another exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws

from intake.app import _enrol_request
from intake.db import Store
from intake.errors import IntakeError
from intake.keys import current_public_key, load_or_create_keys
from intake.migrations import prepare_schema
from intake.verify import Verifier, verify_heartbeat
from kiosk.device_key import DeviceKey, load_or_create_device_key
from kiosk.uuid7 import uuid7
from wire.envelope import HEARTBEAT_FIELDS as FIELDS
from wire.envelope import HEARTBEAT_JWS_TYPE as HEARTBEAT_TYPE
from wire.envelope import JWS_TYPE, encrypt, intake_public_key

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)  # lone surrogates included
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=20)


def nested(depth: int, leaf: str = '"x"') -> str:
    return "[" * depth + leaf + "]" * depth


# JSON text: generated values, or values nested past any limit (too deep for json.dumps to write).
def as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


JSON_TEXT = JSON.map(as_text) | st.integers(1, 3000).map(nested)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Verifier, DeviceKey, Any]:
    state = tmp_path_factory.mktemp("intake")
    store = Store(f"sqlite:///{state / 'intake.db'}")
    prepare_schema(store.engine)
    keys = load_or_create_keys(state / "keys.json")
    key = load_or_create_device_key(Path(tmp_path_factory.mktemp("kiosk")))
    store.enrol(store.issue_token(), key.kid, key.alg, dict(key.key.as_dict(private=False)))
    return Verifier(store, keys, cache_seconds=60), key, intake_public_key(current_public_key(keys))


def signed(key: DeviceKey, payload_text: str, typ: str) -> str:
    return jws.serialize_compact({"alg": key.alg, "kid": key.kid, "typ": typ}, payload_text.encode("utf-8",
                                 "surrogatepass"), key.key, algorithms=[key.alg])


def submission_text(key: DeviceKey, field: str, value_text: str) -> str:
    base = {"sid": str(uuid7()), "kind": "lodging", "device": key.kid, "created_at": "2026-11-23T14:30:00Z",
            "data": {"procedure": "lodging-guest", "form": {"full_name": "A", "document_number": "1", "arrival": "x"}},
            "evidence": {}}
    base[field] = "@@value@@"
    return json.dumps(base).replace('"@@value@@"', value_text)


@FUZZ
@given(field=st.sampled_from(["sid", "kind", "device", "created_at", "data", "evidence"]), value=JSON_TEXT)
def test_any_signed_submission_payload_is_verified_or_refused_typed(
    world: tuple[Verifier, DeviceKey, Any], field: str, value: str
) -> None:
    verifier, key, intake_key = world
    body = encrypt(signed(key, submission_text(key, field, value), JWS_TYPE), intake_key)
    try:
        verifier.verify(body.encode())
    except IntakeError as exc:
        assert 400 <= exc.status < 500 and exc.code


@FUZZ
@given(payload=JSON_TEXT)
def test_any_signed_payload_document_is_refused_typed(world: tuple[Verifier, DeviceKey, Any], payload: str) -> None:
    verifier, key, intake_key = world
    with pytest.raises(IntakeError):
        verifier.verify(encrypt(signed(key, payload, JWS_TYPE), intake_key).encode())


@FUZZ
@given(field=st.sampled_from(list(FIELDS)), value=JSON_TEXT)
def test_any_signed_heartbeat_is_verified_or_refused_typed(
    world: tuple[Verifier, DeviceKey, Any], field: str, value: str
) -> None:
    verifier, key, _ = world
    beat: dict[str, Any] = {name: None for name in FIELDS}
    beat.update(device=key.kid, sent_at=datetime.now(UTC).isoformat(), version="1", profile="clinic", outbox={},
                devices={}, errors=[])
    beat[field] = "@@value@@"
    text = json.dumps(beat).replace('"@@value@@"', value)
    try:
        verify_heartbeat(verifier, signed(key, text, HEARTBEAT_TYPE).encode(), datetime.now(UTC))
    except IntakeError as exc:
        assert 400 <= exc.status < 500 and exc.code


@FUZZ
@given(body=JSON_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=64))
def test_any_enrolment_body_is_parsed_or_refused_typed(body: bytes) -> None:
    try:
        _enrol_request(body)
    except IntakeError as exc:
        assert exc.status == 422 and exc.code == "invalid-request"
