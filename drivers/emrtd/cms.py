"""CMS SignedData (RFC 5652) as used by EF.SOD and ICAO master lists: parse, verify one signer, sign.

The signature is checked with the algorithm named in the SignerInfo (not the certificate's own), over the
signed attributes exactly as encoded (re-tagged as a SET), after checking their messageDigest against the
encapsulated content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from drivers.emrtd.errors import SecurityObjectError
from drivers.emrtd.public_keys import certificate_public_key

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# BSI TR-03111 ecdsa-plain-signatures: r ‖ s instead of a DER SEQUENCE.
_ECDSA_PLAIN = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}


def hash_for(name: str) -> hashes.HashAlgorithm:
    algorithm = HASHES.get(name)
    if algorithm is None:
        raise SecurityObjectError(f"unsupported hash algorithm {name}")
    return algorithm()


def digest(name: str, data: bytes) -> bytes:
    if name not in HASHES:
        raise SecurityObjectError(f"unsupported hash algorithm {name}")
    return hashlib.new(name, data).digest()


@dataclass(frozen=True)
class SignerInfo:
    digest_algorithm: str
    signature_algorithm: str  # asn1crypto name or dotted OID
    signature: bytes
    signed_attributes: bytes | None  # DER, re-tagged as SET (31), exactly as signed
    message_digest: bytes | None
    content_type_attribute: str | None
    issuer: bytes | None  # DER Name
    serial_number: int | None
    subject_key_identifier: bytes | None
    pss: padding.PSS | None
    pss_hash: str | None


@dataclass(frozen=True)
class SignedContent:
    content_type: str
    content: bytes
    certificates: tuple[x509.Certificate, ...]
    signer: SignerInfo


def _signer_info(info: asn1_cms.SignerInfo) -> SignerInfo:
    sid = info["sid"]
    issuer = serial = ski = None
    if sid.name == "issuer_and_serial_number":
        issuer = bytes(sid.chosen["issuer"].dump())
        serial = sid.chosen["serial_number"].native
    else:
        ski = bytes(sid.chosen.native)
    signed_attrs = info["signed_attrs"]
    attrs_der: bytes | None = None
    message_digest = content_type = None
    if signed_attrs.native is not None and len(signed_attrs):
        raw = signed_attrs.dump()
        attrs_der = b"\x31" + raw[1:]
        for attr in signed_attrs:
            kind = attr["type"].native
            if kind in ("message_digest", "content_type") and len(attr["values"]) != 1:
                raise SecurityObjectError(f"the {kind} signed attribute must have exactly one value")
            if kind == "message_digest":
                message_digest = bytes(attr["values"][0].native)
            elif kind == "content_type":
                content_type = attr["values"][0].dotted
    algorithm = info["signature_algorithm"]
    name = algorithm["algorithm"].native
    pss = pss_hash = None
    if name == "rsassa_pss":
        params = algorithm["parameters"]
        pss_hash = params["hash_algorithm"]["algorithm"].native
        mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
        pss = padding.PSS(mgf=padding.MGF1(hash_for(mgf_hash)), salt_length=params["salt_length"].native)
    return SignerInfo(
        digest_algorithm=info["digest_algorithm"]["algorithm"].native,
        signature_algorithm=name,
        signature=bytes(info["signature"].native),
        signed_attributes=attrs_der,
        message_digest=message_digest,
        content_type_attribute=content_type,
        issuer=issuer,
        serial_number=serial,
        subject_key_identifier=ski,
        pss=pss,
        pss_hash=pss_hash,
    )


def parse_signed_data(data: bytes) -> SignedContent:
    """Decode a ContentInfo holding SignedData with exactly one SignerInfo."""
    try:
        info = asn1_cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise SecurityObjectError("CMS content is not SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        content = encap["content"]
        if content.native is None:
            raise SecurityObjectError("SignedData has no encapsulated content")
        certificates = []
        for choice in signed["certificates"] or []:
            if choice.name == "certificate":
                certificates.append(x509.load_der_x509_certificate(choice.chosen.dump()))
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            raise SecurityObjectError(f"SignedData has {len(signer_infos)} signers, expected 1")
        return SignedContent(
            content_type=encap["content_type"].dotted,
            content=bytes(content.contents),
            certificates=tuple(certificates),
            signer=_signer_info(signer_infos[0]),
        )
    except SecurityObjectError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, x509.InvalidVersion) as exc:
        raise SecurityObjectError(f"CMS SignedData cannot be decoded: {type(exc).__name__}") from exc


def signer_certificate(signed: SignedContent) -> x509.Certificate | None:
    """The embedded certificate the SignerInfo points to."""
    signer = signed.signer
    for cert in signed.certificates:
        if signer.serial_number is not None and signer.issuer is not None:
            if cert.serial_number == signer.serial_number and _same_name(cert.issuer, signer.issuer):
                return cert
        elif signer.subject_key_identifier is not None:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == signer.subject_key_identifier:
                return cert
    return None


def _same_name(name: x509.Name, der: bytes) -> bool:
    """Names compared as X.500 distinguished names (case and string type insensitive)."""
    return bool(asn1_x509.Name.load(name.public_bytes()) == asn1_x509.Name.load(der))


class SignatureCheckError(Exception):
    """Why a CMS signature does not verify (a short machine-readable reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_signer(signed: SignedContent, cert: x509.Certificate) -> None:
    """Check the signed attributes and the signature; raises ``SignatureCheckError`` with the reason."""
    signer = signed.signer
    if signer.signed_attributes is not None:
        if signer.message_digest is None:
            raise SignatureCheckError("signed-attributes-without-message-digest")
        if signer.content_type_attribute not in (None, signed.content_type):
            raise SignatureCheckError("content-type-attribute-mismatch")
        try:
            expected = digest(signer.digest_algorithm, signed.content)
        except SecurityObjectError as exc:
            raise SignatureCheckError("unsupported-digest-algorithm") from exc
        if signer.message_digest != expected:
            raise SignatureCheckError("message-digest-mismatch")
        signed_bytes = signer.signed_attributes
    else:
        signed_bytes = signed.content
    try:
        public_key = certificate_public_key(cert)
        _verify(public_key, signer, signed_bytes)
    except SecurityObjectError as exc:
        raise SignatureCheckError("signer-key-unsupported") from exc
    except InvalidSignature as exc:
        raise SignatureCheckError("signature-invalid") from exc


def _verify(public_key: object, signer: SignerInfo, data: bytes) -> None:
    name = signer.signature_algorithm
    if name in _ECDSA_PLAIN:
        hash_name = _ECDSA_PLAIN[name]
    elif name == "rsassa_pss":
        hash_name = signer.pss_hash or signer.digest_algorithm
    elif name in ("rsassa_pkcs1v15", "ecdsa"):
        hash_name = signer.digest_algorithm
    elif name.endswith(("_rsa", "_ecdsa")):
        hash_name = name.rsplit("_", 1)[0]
    else:
        raise InvalidSignature(f"unsupported signature algorithm {name}")
    try:
        hash_algorithm = hash_for(hash_name)
    except SecurityObjectError as exc:
        raise InvalidSignature("unsupported hash") from exc
    signature = signer.signature
    if isinstance(public_key, rsa.RSAPublicKey) and not name.endswith("_ecdsa") and name not in _ECDSA_PLAIN:
        pad = signer.pss if name == "rsassa_pss" and signer.pss else padding.PKCS1v15()
        public_key.verify(signature, data, pad, hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and (name.endswith("ecdsa") or name in _ECDSA_PLAIN):
        if name in _ECDSA_PLAIN:
            half = len(signature) // 2
            signature = utils.encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    else:
        raise InvalidSignature("key type does not match the signature algorithm")


# ---------------------------------------------------------------- signing


def sign_content(
    content_type: str,
    content: bytes,
    key: PrivateKeyTypes,
    cert: x509.Certificate,
    *,
    digest_algorithm: str = "sha256",
    pss: bool = False,
    ecdsa_plain: bool = False,
    signer_by_key_id: bool = False,
    signing_time: datetime | None = None,
) -> bytes:
    """ContentInfo/SignedData over ``content`` with signed attributes, one signer and its certificate.

    ``ecdsa_plain`` writes an EC signature as r ‖ s (BSI TR-03111 ecdsa-plain OIDs); ``signer_by_key_id``
    names the signer by subject key identifier instead of issuer and serial number.
    """
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    attributes = asn1_cms.CMSAttributes(
        [
            asn1_cms.CMSAttribute({"type": "content_type", "values": [content_type]}),
            asn1_cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [asn1_cms.Time({"utc_time": signing_time or datetime.now(UTC)})],
                }
            ),
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest(digest_algorithm, content)]}),
        ]
    )
    to_sign = attributes.dump()
    hash_algorithm = hash_for(digest_algorithm)
    if isinstance(key, rsa.RSAPrivateKey):
        if pss:
            salt = hash_algorithm.digest_size
            signature = key.sign(to_sign, padding.PSS(padding.MGF1(hash_algorithm), salt), hash_algorithm)
            algorithm = algos.SignedDigestAlgorithm(
                {
                    "algorithm": "rsassa_pss",
                    "parameters": {
                        "hash_algorithm": {"algorithm": digest_algorithm},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": digest_algorithm},
                        },
                        "salt_length": salt,
                    },
                }
            )
        else:
            signature = key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
            algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest_algorithm}_rsa"})
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hash_algorithm))
        if ecdsa_plain:
            size = (key.curve.key_size + 7) // 8
            r, s = utils.decode_dss_signature(signature)
            signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
            plain_oid = next(oid for oid, name in _ECDSA_PLAIN.items() if name == digest_algorithm)
            algorithm = algos.SignedDigestAlgorithm({"algorithm": plain_oid})
        else:
            algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest_algorithm}_ecdsa"})
    else:
        raise SecurityObjectError("signing key must be RSA or EC")
    signer = asn1_cms.SignerInfo(
        {
            "version": "v3" if signer_by_key_id else "v1",
            "sid": asn1_cms.SignerIdentifier(
                {"subject_key_identifier": asn1_cert.key_identifier}
                if signer_by_key_id
                else {
                    "issuer_and_serial_number": {
                        "issuer": asn1_cert.issuer,
                        "serial_number": asn1_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": digest_algorithm},
            "signed_attrs": attributes,
            "signature_algorithm": algorithm,
            "signature": signature,
        }
    )
    signed = asn1_cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest_algorithm}],
            "encap_content_info": {"content_type": content_type, "content": content},
            "certificates": [asn1_cert],
            "signer_infos": [signer],
        }
    )
    return bytes(asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())
