"""Canonical JSON, the signed submission (compact JWS) and its encryption to the intake (compact JWE).

A submission is signed once, when it is saved: ``sign`` makes a JWS over the canonical JSON payload ``{sid, kind,
device, created_at, data, evidence}``; ``encrypt`` wraps that JWS in a JWE to the intake's public key
(``ECDH-ES+A256KW`` + ``A256GCM``), so the kiosk's queue holds ciphertext only. The intake reverses both steps with
``decrypt`` and ``verify``. The intake's key is X25519 (OKP); P-256 keys, the earlier default, are still accepted on
both sides, so that submissions queued to an older intake key still decrypt.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8, every string NFC-normalised, no NaN/Infinity.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jwe, jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import ECKey, KeySet, OKPKey
from joserfc.jws import JWSRegistry

from wire.errors import CodedError
from wire.json_input import MAX_DEPTH, JsonInputError, loads, nesting_depth
from wire.keys import ALGORITHMS, DeviceKey, SigningKey
from wire.text import nfc

JWS_TYPE = "kiosk-submission+jws"
HEARTBEAT_JWS_TYPE = "kiosk-heartbeat+jws"
HEARTBEAT_FIELDS = ("device", "sent_at", "version", "profile", "establishment", "outbox", "devices", "lodging",
                    "errors")
JWE_ALG = "ECDH-ES+A256KW"
JWE_ENC = "A256GCM"
PAYLOAD_FIELDS = ("sid", "kind", "device", "created_at", "data", "evidence")
# The intake's encryption key: X25519 (decrypts in about two thirds of the time of P-256), or P-256 (earlier keys).
INTAKE_KEY_CURVES = {("OKP", "X25519"), ("EC", "P-256")}
IntakeKey = OKPKey | ECKey
# The submission size limit, the one every other is derived from: a signed submission (compact JWS) is at most
# 1 MiB. A one-stop submission carries its CT01 PDF (about 120 KB sealed), so this leaves a wide margin. The kiosk
# refuses larger at saving (``submission-too-large``), so that what it saves is always deliverable.
MAX_SIGNED_BYTES = 1024 * 1024
# Its JWE ciphertext segment (the JWS, encrypted, base64url without padding): the intake's decryption cap.
MAX_CIPHERTEXT_CHARS = -(-MAX_SIGNED_BYTES * 4 // 3)
# The largest compact JWE of such a submission: the other segments at the JOSE library's own maxima, and the dots.
MAX_SEALED_BYTES = (JWERegistry.max_protected_header_length + JWERegistry.max_encrypted_key_length
                    + JWERegistry.max_initialization_vector_length + MAX_CIPHERTEXT_CHARS
                    + JWERegistry.max_auth_tag_length + 4)
# The intake's request body limit (``--max-body``, ``INTAKE_MAX_BODY``) and nginx's ``client_max_body_size``, in
# whole KiB just above ``MAX_SEALED_BYTES``.
MAX_BODY_KIB = -(-MAX_SEALED_BYTES // 1024)
MAX_BODY_BYTES = MAX_BODY_KIB * 1024


class SubmissionError(CodedError):
    """A submission cannot be signed, encrypted, decrypted or verified."""

    code = "invalid-submission"


def _normalise(value: Any, path: str) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SubmissionError("numbers must be finite", field=path, message_vi="Số không hợp lệ.")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SubmissionError(
                    "object keys must be text", field=path, message_vi="Dữ liệu không hợp lệ."
                )
            out[nfc(key)] = _normalise(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise SubmissionError(
        "value is not representable in JSON", field=path or None, message_vi="Dữ liệu không hợp lệ."
    )


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON encoding of ``value`` (raises ``SubmissionError`` for non-JSON values and for
    values nested deeper than ``wire.json_input.MAX_DEPTH``)."""
    if nesting_depth(value, stop_after=MAX_DEPTH) > MAX_DEPTH:
        raise SubmissionError(
            f"the submission is nested more than {MAX_DEPTH} levels deep", code="json-too-deep",
            message_vi=f"Dữ liệu lồng nhau quá {MAX_DEPTH} cấp.",
        )
    return json.dumps(
        _normalise(value, ""), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(compact: str) -> str:
    """SHA-256 (hex) of a compact serialisation: the identity of a signed submission."""
    return hashlib.sha256(compact.encode("ascii")).hexdigest()


def sign(payload: Mapping[str, Any], key: DeviceKey, typ: str = JWS_TYPE) -> str:
    """The compact JWS of ``payload`` (canonical JSON) with the device key; ``typ`` names what it is."""
    header = {"alg": key.alg, "kid": key.kid, "typ": typ}
    content = canonical_json(payload)
    if len(content) > MAX_SIGNED_BYTES:  # its JWS, base64url-encoded, would be longer still
        raise _too_large(f"{len(content)} bytes of JSON, at most {MAX_SIGNED_BYTES} signed")
    return jws.serialize_compact(header, content, key.key, registry=_jws_registry([key.alg]))


def intake_public_key(jwk: Mapping[str, Any]) -> IntakeKey:
    """The intake's public encryption key from its JWK (X25519 or P-256)."""
    if (jwk.get("kty"), jwk.get("crv")) not in INTAKE_KEY_CURVES:
        raise SubmissionError(
            "the intake key must be an X25519 or P-256 key", code="invalid-intake-key",
            message_vi="Khóa mã hóa của máy chủ không hợp lệ.",
        )
    return OKPKey.import_key(dict(jwk)) if jwk["kty"] == "OKP" else ECKey.import_key(dict(jwk))


def _jwe_registry() -> JWERegistry:
    registry = JWERegistry(algorithms=[JWE_ALG, JWE_ENC])
    registry.max_ciphertext_length = MAX_CIPHERTEXT_CHARS
    return registry


def _jws_registry(algorithms: list[str] | None = None) -> JWSRegistry:
    registry = JWSRegistry(algorithms=algorithms or list(ALGORITHMS))
    registry.max_payload_length = MAX_SEALED_BYTES
    return registry


def encrypt(signed: str, intake_key: IntakeKey) -> str:
    """The compact JWE of a compact JWS, to the intake's public encryption key."""
    header = {
        "alg": JWE_ALG,
        "enc": JWE_ENC,
        "kid": intake_key.kid or intake_key.thumbprint(),
        "cty": JWS_TYPE,
    }
    return jwe.encrypt_compact(header, signed.encode("ascii"), intake_key, registry=_jwe_registry())


def decrypt(sealed: str | bytes, keys: KeySet) -> str:
    """The compact JWS inside a JWE, decrypted with the intake's key set (by ``kid``)."""
    try:
        plaintext = jwe.decrypt_compact(sealed, keys, registry=_jwe_registry()).plaintext
        return (plaintext or b"").decode("ascii")
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise SubmissionError(
            "cannot decrypt the submission", code="undecryptable", message_vi="Không giải mã được hồ sơ."
        ) from exc


def unverified_header(signed: str) -> dict[str, Any]:
    """The protected header of a compact JWS, before verification (to find the key by ``kid``)."""
    try:
        return dict(jws.extract_compact(signed.encode("ascii"), registry=_jws_registry()).headers())
    except (JoseError, ValueError, UnicodeEncodeError) as exc:
        raise SubmissionError(
            "malformed signed submission", code="malformed-jws", message_vi="Hồ sơ ký số không hợp lệ."
        ) from exc


# From the protected header to the device's key and its one allowed algorithm.
KeyFinder = Callable[[dict[str, Any]], tuple[SigningKey, str]]


def _bad_signature(message: str) -> SubmissionError:
    return SubmissionError(message, code="bad-signature", message_vi="Chữ ký không hợp lệ.")


def verify_with(
    signed: str, find_key: KeyFinder, *, typ: str = JWS_TYPE, fields: tuple[str, ...] = PAYLOAD_FIELDS
) -> dict[str, Any]:
    """Verify a compact JWS with the key ``find_key`` gives for its header; return its payload object, which must
    have exactly ``fields`` (a submission's by default) and a header of type ``typ``.

    The header is parsed once: joserfc hands it to ``find_key`` (which may raise its own typed error, e.g. for
    an unknown device). Structural problems raise ``malformed-jws``, a signature that does not verify under the
    device's one algorithm ``bad-signature``, a payload that is not the expected object ``malformed-payload``.
    """

    def choose(token: Any) -> SigningKey:
        header = dict(token.headers())
        key, alg = find_key(header)
        if header.get("alg") != alg:
            raise _bad_signature("the algorithm is not the one registered for this key")
        return key

    try:
        token = jws.deserialize_compact(signed, choose, registry=_jws_registry())
    except BadSignatureError as exc:
        raise _bad_signature("signature does not verify") from exc
    except (JoseError, ValueError, UnicodeError) as exc:
        raise SubmissionError("malformed signed submission", code="malformed-jws",
                              message_vi="Hồ sơ ký số không hợp lệ.") from exc
    if token.headers().get("typ") != typ:
        raise _bad_signature("wrong token type")
    try:
        payload = loads(token.payload, "the signed payload")
    except JsonInputError as exc:
        raise SubmissionError(
            f"payload refused: {exc.message}", code="malformed-payload", message_vi="Nội dung hồ sơ không hợp lệ."
        ) from exc
    if not isinstance(payload, dict) or set(payload) != set(fields):
        raise SubmissionError(
            f"payload must have exactly the fields {fields}",
            code="malformed-payload",
            message_vi="Nội dung hồ sơ không hợp lệ.",
        )
    return payload


def verify(signed: str, public_key: SigningKey, alg: str) -> dict[str, Any]:
    """Verify a compact JWS with one known key and its one allowed algorithm; return its payload object."""
    return verify_with(signed, lambda _header: (public_key, alg))


def _too_large(what: str) -> SubmissionError:
    return SubmissionError(
        f"the submission is too large: {what}; send less data (smaller attachments or fewer rows)",
        code="submission-too-large", field="data", message_vi="Hồ sơ quá lớn để gửi. Vui lòng bớt dữ liệu đính kèm.",
    )


def check_signed_size(signed: str) -> None:
    """Refuse a signed submission longer than ``MAX_SIGNED_BYTES`` (the intake could not decrypt it)."""
    if len(signed) > MAX_SIGNED_BYTES:
        raise _too_large(f"{len(signed)} bytes signed, at most {MAX_SIGNED_BYTES}")


def check_sealed_size(sealed: str) -> None:
    """Apply to a sealed submission the size checks the intake makes before decrypting (its JOSE library's, with the
    ciphertext cap ``MAX_CIPHERTEXT_CHARS``, and its body limit ``MAX_BODY_BYTES``)."""
    if len(sealed) > MAX_BODY_BYTES:
        raise _too_large(f"{len(sealed)} bytes encrypted, at most {MAX_BODY_BYTES}")
    try:
        jwe.extract_compact(sealed.encode("ascii"), _jwe_registry())
    except (JoseError, ValueError) as exc:
        raise _too_large(f"{len(sealed)} bytes encrypted ({type(exc).__name__})") from exc


def seal(payload: Mapping[str, Any], device_key: DeviceKey, intake_key: IntakeKey) -> tuple[str, str]:
    """Sign then encrypt: returns ``(jwe, digest of the jws)``; ``submission-too-large`` past ``MAX_SIGNED_BYTES``."""
    signed = sign(payload, device_key)
    check_signed_size(signed)
    sealed = encrypt(signed, intake_key)
    check_sealed_size(sealed)
    return sealed, digest(signed)


def unverified_payload(signed: str) -> dict[str, Any]:
    """The payload of a stored, already verified JWS (for exports); never use it to accept data."""
    try:
        payload = json.loads(jws.extract_compact(signed.encode("ascii"), registry=_jws_registry()).payload)
    except (JoseError, ValueError) as exc:
        raise SubmissionError("malformed signed submission", code="malformed-jws") from exc
    return payload if isinstance(payload, dict) else {}
