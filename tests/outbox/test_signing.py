from __future__ import annotations

import json
import unicodedata
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import ECKey, KeySet, OKPKey

from kiosk.device_key import (
    DeviceKey,
    DeviceKeyError,
    generate_key,
    load_device_key,
    load_or_create_device_key,
)
from kiosk.uuid7 import uuid7, uuid7_ms
from wire.envelope import (
    JWS_TYPE,
    SubmissionError,
    canonical_json,
    decrypt,
    encrypt,
    intake_public_key,
    sign,
    unverified_header,
    verify,
)

PAYLOAD = {
    "sid": "x",
    "kind": "clinic",
    "device": "d",
    "created_at": "2026-01-01T00:00:00.000Z",
    "data": {"procedure": "clinic-checkin", "form": {"full_name": "Trần Thị Bình"}},
    "evidence": {"full_name": "chip"},
}


def test_canonical_json_sorts_keys_and_normalises_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    out = canonical_json({"b": 1, "a": [decomposed, None, True, 1.5]})
    assert out == '{"a":["Nguyễn",null,true,1.5],"b":1}'.encode()
    assert unicodedata.is_normalized("NFC", out.decode())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"a": object()}, {"s": {1, 2}}])
def test_canonical_json_rejects_non_json_values(bad: object) -> None:
    with pytest.raises(SubmissionError):
        canonical_json(bad)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=10,
    )
)
def test_canonical_json_is_stable_under_reencoding(value: object) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


@pytest.mark.parametrize("alg", ["Ed25519", "ES256"])
def test_sign_and_verify_round_trip(alg: str) -> None:
    key = DeviceKey(generate_key(alg), alg)
    signed = sign(PAYLOAD, key)
    assert unverified_header(signed) == {"alg": alg, "kid": key.kid, "typ": JWS_TYPE}
    assert verify(signed, key.key, alg) == PAYLOAD


def test_verify_rejects_another_key_a_tampered_payload_and_another_algorithm() -> None:
    key = DeviceKey(generate_key("Ed25519"), "Ed25519")
    other = DeviceKey(generate_key("Ed25519"), "Ed25519")
    signed = sign(PAYLOAD, key)
    with pytest.raises(SubmissionError) as forged:
        verify(signed, other.key, "Ed25519")
    assert forged.value.code == "bad-signature"
    header, _payload, signature = signed.split(".")
    tampered_payload = sign({**PAYLOAD, "kind": "lodging"}, key).split(".")[1]
    with pytest.raises(SubmissionError):
        verify(f"{header}.{tampered_payload}.{signature}", key.key, "Ed25519")
    with pytest.raises(SubmissionError):
        verify(signed, key.key, "ES256")


def test_encrypt_hides_the_payload_and_decrypts_with_the_intake_key() -> None:
    device = DeviceKey(generate_key("Ed25519"), "Ed25519")
    intake_private = ECKey.generate_key("P-256")
    public = ECKey.import_key(intake_private.as_dict(private=False))
    signed = sign(PAYLOAD, device)
    sealed = encrypt(signed, public)
    assert signed.split(".")[1] not in sealed
    assert decrypt(sealed, KeySet([intake_private])) == signed
    with pytest.raises(SubmissionError) as wrong:
        decrypt(sealed, KeySet([ECKey.generate_key("P-256")]))
    assert wrong.value.code == "undecryptable"


def test_x25519_and_p256_intake_keys_decrypt_side_by_side() -> None:
    device = DeviceKey(generate_key("Ed25519"), "Ed25519")
    current, earlier = OKPKey.generate_key("X25519"), ECKey.generate_key("P-256")
    for private in (current, earlier):
        private.ensure_kid()
    keys = KeySet([current, earlier])
    signed = sign(PAYLOAD, device)
    for private in (current, earlier):
        public = intake_public_key(private.as_dict(private=False))
        assert decrypt(encrypt(signed, public), keys) == signed
    with pytest.raises(SubmissionError) as refused:
        intake_public_key(OKPKey.generate_key("Ed25519").as_dict(private=False))
    assert refused.value.code == "invalid-intake-key"


def test_uuid7_is_version_7_and_strictly_increasing() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert abs(uuid7_ms(uuid7(now_ms=4_000_000_000_000)) - 4_000_000_000_000) <= 1


def test_device_key_file_is_private_and_reused(tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path)
    path = tmp_path / "device-key.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_device_key(tmp_path).kid == key.kid
    assert "d" not in key.public_jwk()
    assert key.kid in repr(key) and key.public_jwk()["x"] not in repr(key)
    path.chmod(0o644)
    with pytest.raises(DeviceKeyError):
        load_device_key(tmp_path)


def test_p256_device_keys_are_supported(tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path, "ES256")
    assert key.alg == "ES256" and key.public_jwk()["crv"] == "P-256"
    assert verify(sign(PAYLOAD, key), key.key, "ES256") == PAYLOAD
