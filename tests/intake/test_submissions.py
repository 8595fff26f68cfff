from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jws

from intake.devserver import IntakeServer
from kiosk.device_key import DeviceKey, generate_key, load_or_create_device_key
from kiosk.enrolment import Enrolment, enrol
from kiosk.uuid7 import uuid7
from wire.envelope import JWS_TYPE, canonical_json, encrypt, sign

from .conftest import MAX_BODY

Device = tuple[DeviceKey, Enrolment]
FORM = {"full_name": "Đỗ Thị Lan", "document_number": "036190001122", "arrival": "2026-11-23T21:30", "room": "12"}
DATA = {"procedure": "lodging-guest", "form": FORM}


def payload(
    key: DeviceKey, kind: str = "lodging", data: dict[str, Any] | None = None, sid: str | None = None
) -> dict[str, Any]:
    return {
        "sid": sid or str(uuid7()),
        "kind": kind,
        "device": key.kid,
        "created_at": "2026-11-23T14:30:00.000Z",
        "data": DATA if data is None else data,
        "evidence": {"full_name": "chip", "chip": {"passive": "ok"}},
    }


def post(
    intake: IntakeServer, body: str | bytes, sid: str | None = None, content_type: str = "application/jose"
) -> requests.Response:
    headers = {"Content-Type": content_type}
    if sid:
        headers["Idempotency-Key"] = sid
    return requests.post(intake.url + "/v1/submissions", data=body, headers=headers, timeout=10)


def count(intake: IntakeServer) -> int:
    store = intake.store()
    try:
        return store.count()
    finally:
        store.dispose()


def assert_refused(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_accepts_stores_the_signed_blob_unchanged_and_replays_idempotently(
    intake: IntakeServer, device: Device
) -> None:
    key, enrolment = device
    body = payload(key)
    signed = sign(body, key)
    before = count(intake)
    first = post(intake, encrypt(signed, enrolment.intake_key()), body["sid"])
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["sid"] == body["sid"] and len(receipt["digest"]) == 64
    again = post(intake, encrypt(signed, enrolment.intake_key()), body["sid"])  # fresh JWE, same JWS
    assert again.status_code == 200 and again.json() == receipt
    assert count(intake) == before + 1
    store = intake.store()
    [row] = list(store.submissions(device=key.kid, with_blob=True))
    store.dispose()
    assert row["jws"] == signed and row["kind"] == "lodging"


def test_forged_signature_is_refused(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    forger = generate_key("Ed25519")
    body = payload(key)
    forged = jws.serialize_compact(
        {"alg": "Ed25519", "kid": key.kid, "typ": JWS_TYPE},
        canonical_json(body),
        forger,
        algorithms=["Ed25519"],
    )
    before = count(intake)
    assert_refused(post(intake, encrypt(forged, enrolment.intake_key()), body["sid"]), 422, "bad-signature")
    assert count(intake) == before


def test_tampered_payload_is_refused(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    body = payload(key)
    header, _, signature = sign(body, key).split(".")
    altered = jws.extract_compact(sign({**body, "kind": "clinic"}, key).encode()).segments
    tampered = f"{header}.{altered['payload'].decode()}.{signature}"
    before = count(intake)
    assert_refused(post(intake, encrypt(tampered, enrolment.intake_key())), 422, "bad-signature")
    assert count(intake) == before


def test_unknown_device_is_refused(intake: IntakeServer, device: Device) -> None:
    _, enrolment = device
    stranger = DeviceKey(generate_key("Ed25519"), "Ed25519")
    before = count(intake)
    assert_refused(
        post(intake, encrypt(sign(payload(stranger), stranger), enrolment.intake_key())),
        401,
        "unknown-device",
    )
    assert count(intake) == before


def test_revoked_device_is_refused(intake: IntakeServer, tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path)
    enrolment = enrol(intake.url, intake.token(), key)
    store = intake.store()
    assert store.revoke(key.kid)
    store.dispose()
    before = count(intake)
    assert_refused(
        post(intake, encrypt(sign(payload(key), key), enrolment.intake_key())), 403, "device-revoked"
    )
    assert count(intake) == before


def test_sid_reused_with_another_body_is_refused(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    first = payload(key)
    assert post(intake, encrypt(sign(first, key), enrolment.intake_key())).status_code == 201
    before = count(intake)
    other = {**first, "data": {**DATA, "room": "13"}}
    assert_refused(
        post(intake, encrypt(sign(other, key), enrolment.intake_key()), first["sid"]), 422, "sid-reused"
    )
    assert count(intake) == before


def test_oversized_body_is_refused(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    big = payload(key, data={**DATA, "note": "x" * MAX_BODY})
    before = count(intake)
    assert_refused(post(intake, encrypt(sign(big, key), enrolment.intake_key())), 413, "body-too-large")
    assert count(intake) == before


def test_signed_payload_that_is_not_json_is_refused(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    broken = jws.serialize_compact(
        {"alg": "Ed25519", "kid": key.kid, "typ": JWS_TYPE}, b'{"sid": "x", ', key.key, algorithms=["Ed25519"]
    )
    before = count(intake)
    assert_refused(post(intake, encrypt(broken, enrolment.intake_key())), 422, "malformed-payload")
    assert count(intake) == before


@pytest.mark.parametrize("body", [b"{not json", b"", b"a.b.c.d.e", "ễ".encode(), b"\x00\xff" * 10])
def test_malformed_bodies_are_refused(intake: IntakeServer, body: bytes) -> None:
    before = count(intake)
    assert_refused(post(intake, body), 400, "undecryptable")
    assert count(intake) == before


def test_wrong_content_type_and_mismatched_idempotency_key_are_refused(
    intake: IntakeServer, device: Device
) -> None:
    key, enrolment = device
    sealed = encrypt(sign(payload(key), key), enrolment.intake_key())
    before = count(intake)
    assert_refused(post(intake, sealed, content_type="application/json"), 415, "unsupported-media-type")
    assert_refused(post(intake, sealed, sid=str(uuid7())), 400, "idempotency-key-mismatch")
    assert count(intake) == before


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("parcel", DATA, "unknown-kind"),
        ("lodging", {"procedure": "lodging-guest", "form": {**FORM, "arrival": ""}}, "invalid-field"),
        ("one-stop", {"form": FORM}, "invalid-field"),
        ("clinic", {"procedure": "clinic-checkin", "form": "Đỗ Thị Lan 036190001122"}, "invalid-field"),
        ("clinic", {"procedure": "clinic-checkin", "form": {"full_name": "Đỗ Thị Lan"}}, "invalid-field"),
    ],
)
def test_each_kind_is_validated(
    intake: IntakeServer, device: Device, kind: str, data: dict[str, Any], code: str
) -> None:
    key, enrolment = device
    response = post(intake, encrypt(sign(payload(key, kind, data), key), enrolment.intake_key()))
    assert_refused(response, 422, code)
    assert "Đỗ" not in response.text and "036190001122" not in response.text


def test_enrolment_tokens_are_single_use(intake: IntakeServer, tmp_path: Path) -> None:
    token = intake.token()
    enrol(intake.url, token, load_or_create_device_key(tmp_path))
    other = DeviceKey(generate_key("Ed25519"), "Ed25519")
    response = requests.post(
        intake.url + "/v1/devices",
        timeout=10,
        json={"token": token, "alg": "Ed25519", "public_key": other.public_jwk()},
    )
    assert_refused(response, 403, "invalid-token")
    bad_json = requests.post(
        intake.url + "/v1/devices", data=b"{oops", timeout=10, headers={"Content-Type": "application/json"}
    )
    assert_refused(bad_json, 422, "invalid-request")
    private = requests.post(
        intake.url + "/v1/devices",
        timeout=10,
        json={"token": intake.token(), "alg": "Ed25519", "public_key": other.key.as_dict(private=True)},
    )
    assert_refused(private, 422, "private-key-sent")


def test_openapi_schema_documents_the_endpoints(intake: IntakeServer) -> None:
    schema = requests.get(intake.url + "/openapi.json", timeout=10).json()
    submit = schema["paths"]["/v1/submissions"]["post"]
    assert "application/jose" in submit["requestBody"]["content"]
    assert {"201", "200", "401", "403", "413", "422", "429"} <= set(submit["responses"])
    assert json.dumps(schema)  # serialisable


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sid": "01234567-89ab-4def-8123-456789abcdef"}, "invalid-sid"),  # a UUIDv4
        ({"sid": "not-a-uuid"}, "invalid-sid"),
        ({"device": "someone-else"}, "device-mismatch"),
        ({"created_at": "yesterday"}, "invalid-created-at"),
        ({"created_at": "2026-11-23T14:30:00"}, "invalid-created-at"),  # no zone
    ],
)
def test_inconsistent_signed_fields_are_refused(
    intake: IntakeServer, device: Device, change: dict[str, str], code: str
) -> None:
    key, enrolment = device
    before = count(intake)
    body = {**payload(key), **change}
    assert_refused(post(intake, encrypt(sign(body, key), enrolment.intake_key())), 422, code)
    assert count(intake) == before


@pytest.mark.parametrize(
    ("offset", "flag"),
    [(timedelta(hours=1), "created-in-future"), (timedelta(days=-40), "created-long-ago"), (timedelta(0), None)],
)
def test_clock_skew_is_flagged_not_refused(
    intake: IntakeServer, device: Device, offset: timedelta, flag: str | None
) -> None:
    key, enrolment = device
    created = (datetime.now(UTC) + offset).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {**payload(key), "created_at": created}
    assert post(intake, encrypt(sign(body, key), enrolment.intake_key())).status_code == 201
    store = intake.store()
    [row] = [r for r in store.submissions(device=key.kid) if r["sid"] == body["sid"]]
    store.dispose()
    assert row["clock_flag"] == flag and row["created_at"] == created
