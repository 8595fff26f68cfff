"""EF.SOD (tag 77): the document security object, a CMS SignedData over the LDS security object.

LDSSecurityObject ::= SEQUENCE { version INTEGER, hashAlgorithm AlgorithmIdentifier,
dataGroupHashValues SEQUENCE OF DataGroupHash, ldsVersionInfo LDSVersionInfo OPTIONAL }
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos, core
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from drivers.emrtd import lds, tlv
from drivers.emrtd.cms import SignedContent, digest, parse_signed_data, sign_content, signer_certificate
from drivers.emrtd.errors import SecurityObjectError, TlvError

ID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"


class _DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]  # noqa: RUF012


class _DataGroupHashValues(core.SequenceOf):
    _child_spec = _DataGroupHash


class _LdsVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]  # noqa: RUF012


class LdsSecurityObject(core.Sequence):
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", _DataGroupHashValues),
        ("lds_version_info", _LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class Sod:
    version: int
    hash_algorithm: str  # "sha256", ...
    data_group_hashes: dict[int, bytes]
    lds_version: str | None
    unicode_version: str | None
    signed: SignedContent
    dsc: x509.Certificate | None  # the document signer certificate embedded in the SOD

    @property
    def signature_algorithm(self) -> str:
        return self.signed.signer.signature_algorithm


def parse_sod(data: bytes) -> Sod:
    """Decode EF.SOD (with or without its 77 wrapper)."""
    try:
        body = tlv.decode(data, expected_tag=lds.TAG_SOD).value if data[:1] == b"\x77" else data
    except TlvError as exc:
        raise SecurityObjectError(f"EF.SOD is malformed: {exc.message}") from exc
    signed = parse_signed_data(body)
    if signed.content_type != ID_LDS_SECURITY_OBJECT:
        raise SecurityObjectError("EF.SOD does not hold an LDS security object")
    try:
        lso = LdsSecurityObject.load(signed.content)
        hashes = {
            int(item["data_group_number"].native): bytes(item["data_group_hash_value"].native)
            for item in lso["data_group_hash_values"]
        }
        version_info = lso["lds_version_info"]
        lds_version = unicode_version = None
        if version_info.native is not None:
            lds_version = version_info["lds_version"].native
            unicode_version = version_info["unicode_version"].native
        return Sod(
            version=int(lso["version"].native),
            hash_algorithm=lso["hash_algorithm"]["algorithm"].native,
            data_group_hashes=hashes,
            lds_version=lds_version,
            unicode_version=unicode_version,
            signed=signed,
            dsc=signer_certificate(signed),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise SecurityObjectError(f"LDS security object cannot be decoded: {type(exc).__name__}") from exc


def build_lds_security_object(
    data_groups: dict[int, bytes],
    hash_algorithm: str = "sha256",
    *,
    lds_version: str | None = None,
    unicode_version: str = "040000",
) -> bytes:
    """DER LDSSecurityObject hashing each data group's bytes: version 0, or version 1 with ``lds_version``."""
    fields: dict[str, object] = {
        "version": 0 if lds_version is None else 1,
        "hash_algorithm": {"algorithm": hash_algorithm},
        "data_group_hash_values": [
            {"data_group_number": number, "data_group_hash_value": digest(hash_algorithm, content)}
            for number, content in sorted(data_groups.items())
        ],
    }
    if lds_version is not None:
        fields["lds_version_info"] = {"lds_version": lds_version, "unicode_version": unicode_version}
    return bytes(LdsSecurityObject(fields).dump())


def build_sod(
    data_groups: dict[int, bytes],
    dsc_key: PrivateKeyTypes,
    dsc_cert: x509.Certificate,
    *,
    hash_algorithm: str = "sha256",
    pss: bool = False,
    ecdsa_plain: bool = False,
    signer_by_key_id: bool = False,
    lds_version: str | None = None,
    corrupt_signature: bool = False,
) -> bytes:
    """EF.SOD over ``data_groups`` (number → file bytes), signed with the document signer key.

    ``corrupt_signature`` flips one bit of the signature (the simulated card's "bad SOD signature" fault);
    the other options select encodings seen on documents (see ``cms.sign_content``).
    """
    content = build_lds_security_object(data_groups, hash_algorithm, lds_version=lds_version)
    signed = sign_content(
        ID_LDS_SECURITY_OBJECT,
        content,
        dsc_key,
        dsc_cert,
        digest_algorithm=hash_algorithm,
        pss=pss,
        ecdsa_plain=ecdsa_plain,
        signer_by_key_id=signer_by_key_id,
    )
    if corrupt_signature:
        signed = _flip_signature_bit(signed)
    return tlv.encode(lds.TAG_SOD, signed)


def _flip_signature_bit(content_info: bytes) -> bytes:
    info = asn1_cms.ContentInfo.load(content_info)
    signer = info["content"]["signer_infos"][0]
    signature = bytearray(signer["signature"].native)
    signature[len(signature) // 2] ^= 0x01
    signer["signature"] = bytes(signature)
    return bytes(info.dump(force=True))
