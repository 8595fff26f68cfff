"""Country signing PKI: a generated test PKI (CSCA → DSC) and the trust store of CSCA certificates.

The trust store is read from a directory holding certificate files (PEM or DER, any of ``.pem .crt .cer
.der``), ICAO master lists (CMS SignedData of a CscaMasterList, ``.ml .mls .der``) and CRLs (``.crl``,
PEM or DER). A master list's own signature is checked before its certificates are trusted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

from drivers.emrtd.cms import (
    SignatureCheckError,
    parse_signed_data,
    sign_content,
    signer_certificate,
    verify_signer,
)
from drivers.emrtd.errors import SecurityObjectError

ID_CSCA_MASTER_LIST = "2.23.136.1.1.2"

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_MASTER_LIST_SUFFIXES = {".ml", ".mls", ".masterlist"}
_CRL_SUFFIXES = {".crl"}

KeyType = str  # "ec" (brainpoolP256r1) or "rsa" (2048 bits)


def _new_key(key_type: KeyType) -> CertificateIssuerPrivateKeyTypes:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.BrainpoolP256R1())
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise SecurityObjectError(f"unknown key type {key_type}")


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Document Authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_certificate(
    subject: x509.Name,
    subject_key: CertificateIssuerPrivateKeyTypes,
    issuer: x509.Name,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    *,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer_cert: x509.Certificate | None = None,
) -> x509.Certificate:
    """An X.509 certificate for ICAO PKIs (CSCA: CA with keyCertSign/cRLSign; DSC: digitalSignature)."""
    public_key = subject_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer_cert is not None:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class TestPki:
    """A CSCA and a document signer (DSC) it issued, with their private keys."""

    csca_key: CertificateIssuerPrivateKeyTypes
    csca_cert: x509.Certificate
    dsc_key: CertificateIssuerPrivateKeyTypes
    dsc_cert: x509.Certificate
    directory: Path | None = None

    __test__ = False  # not a pytest test class

    def issue_dsc(
        self, *, not_before: dt.datetime, not_after: dt.datetime, key_type: KeyType = "ec"
    ) -> tuple[CertificateIssuerPrivateKeyTypes, x509.Certificate]:
        """Another document signer under this CSCA (e.g. an expired one)."""
        key = _new_key(key_type)
        cert = make_certificate(
            _name(self.country, "Test Document Signer"),
            key,
            self.csca_cert.subject,
            self.csca_key,
            ca=False,
            not_before=not_before,
            not_after=not_after,
            issuer_cert=self.csca_cert,
        )
        return key, cert

    @property
    def country(self) -> str:
        values = self.csca_cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
        return str(values[0].value) if values else "VN"

    def make_crl(self, revoked_serials: list[int], *, next_update_days: int = 30) -> bytes:
        """A DER CRL signed by the CSCA revoking ``revoked_serials``."""
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.csca_cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=next_update_days))
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
            )
        return builder.sign(self.csca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def trust_store(self) -> TrustStore:
        return TrustStore(certificates=[self.csca_cert])


_PKI_FILES = ("csca.pem", "csca-key.pem", "dsc.pem", "dsc-key.pem")


def make_test_pki(
    directory: Path | str | None = None, *, key_type: KeyType = "ec", country: str = "VN", label: str = "Test"
) -> TestPki:
    """Load the test PKI from ``directory``, or generate one (and write it there when a directory is given).

    The CSCA is valid for 15 years, the DSC for 10, both from yesterday.
    """
    path = Path(directory) if directory is not None else None
    if path is not None and all((path / name).exists() for name in _PKI_FILES):
        return _load_pki(path)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    csca_key = _new_key(key_type)
    csca_name = _name(country, f"{label} CSCA")
    csca_cert = make_certificate(
        csca_name,
        csca_key,
        csca_name,
        csca_key,
        ca=True,
        not_before=now,
        not_after=now + dt.timedelta(days=15 * 365),
    )
    dsc_key = _new_key(key_type)
    dsc_cert = make_certificate(
        _name(country, f"{label} Document Signer"),
        dsc_key,
        csca_name,
        csca_key,
        ca=False,
        not_before=now,
        not_after=now + dt.timedelta(days=10 * 365),
        issuer_cert=csca_cert,
    )
    pki = TestPki(csca_key, csca_cert, dsc_key, dsc_cert, path)
    if path is not None:
        _save_pki(pki, path)
    return pki


def _save_pki(pki: TestPki, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    for name, cert in (("csca.pem", pki.csca_cert), ("dsc.pem", pki.dsc_cert)):
        (path / name).write_bytes(cert.public_bytes(pem))
    for name, key in (("csca-key.pem", pki.csca_key), ("dsc-key.pem", pki.dsc_key)):
        target = path / name
        target.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        target.chmod(0o600)


def _load_key(path: Path) -> CertificateIssuerPrivateKeyTypes:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SecurityObjectError("test PKI keys must be RSA or EC")
    return key


def _load_pki(path: Path) -> TestPki:
    return TestPki(
        csca_key=_load_key(path / "csca-key.pem"),
        csca_cert=x509.load_pem_x509_certificate((path / "csca.pem").read_bytes()),
        dsc_key=_load_key(path / "dsc-key.pem"),
        dsc_cert=x509.load_pem_x509_certificate((path / "dsc.pem").read_bytes()),
        directory=path,
    )


# ---------------------------------------------------------------- master lists


class _CertificateSet(core.SetOf):
    _child_spec = asn1_x509.Certificate


class CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", _CertificateSet)]  # noqa: RUF012


def build_master_list(
    certificates: list[x509.Certificate],
    signer_key: CertificateIssuerPrivateKeyTypes,
    signer_cert: x509.Certificate,
) -> bytes:
    """An ICAO CSCA master list (CMS SignedData, content type 2.23.136.1.1.2)."""
    content = CscaMasterList(
        {
            "version": 0,
            "cert_list": [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates
            ],
        }
    )
    return sign_content(ID_CSCA_MASTER_LIST, bytes(content.dump()), signer_key, signer_cert)


@dataclass(frozen=True)
class MasterList:
    certificates: list[x509.Certificate]
    skipped: int  # entries that are not usable certificates


def parse_master_list(data: bytes) -> MasterList:
    """The CSCA certificates of a master list whose CMS signature verifies with its embedded signer.

    Entries that cannot be decoded are skipped (and counted) rather than discarding the whole list.
    """
    signed = parse_signed_data(data)
    if signed.content_type != ID_CSCA_MASTER_LIST:
        raise SecurityObjectError("CMS content is not a CSCA master list")
    signer = signer_certificate(signed)
    if signer is None:
        raise SecurityObjectError("master list signer certificate is missing")
    try:
        verify_signer(signed, signer)
    except SignatureCheckError as exc:
        raise SecurityObjectError(f"master list signature does not verify: {exc.reason}") from exc
    try:
        entries = list(CscaMasterList.load(signed.content)["cert_list"])
    except (ValueError, TypeError, KeyError) as exc:
        raise SecurityObjectError("master list content cannot be decoded") from exc
    certificates: list[x509.Certificate] = []
    for entry in entries:
        cert = _load_der_certificate(entry.dump())
        if cert is not None:
            certificates.append(cert)
    return MasterList(certificates, len(entries) - len(certificates))


def _checked(cert: x509.Certificate) -> x509.Certificate | None:
    """The certificate when its names, extensions and dates decode (cryptography parses lazily)."""
    try:
        _ = (cert.subject, cert.issuer, cert.extensions, cert.not_valid_before_utc, cert.not_valid_after_utc)
        return cert
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension):
        return None


def _load_der_certificate(der: bytes) -> x509.Certificate | None:
    try:
        return _checked(x509.load_der_x509_certificate(der))
    except (ValueError, x509.InvalidVersion):
        return None


def names_equal(a: x509.Name, b: x509.Name) -> bool:
    """X.500 names compared after normalisation (case, spacing and string type do not matter)."""
    return bool(asn1_x509.Name.load(a.public_bytes()) == asn1_x509.Name.load(b.public_bytes()))


# ---------------------------------------------------------------- trust store


@dataclass
class TrustStore:
    """Trusted CSCA certificates and the CRLs to check document signers against."""

    certificates: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that could not be used, with the reason

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """Trusted certificates whose subject is ``cert``'s issuer (key ids matching when both say)."""
        try:
            aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        except x509.ExtensionNotFound:
            aki = None
        found = []
        for candidate in self.certificates:
            if not names_equal(candidate.subject, cert.issuer):
                continue
            if aki is not None:
                try:
                    ski = candidate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
                except x509.ExtensionNotFound:
                    ski = None
                if ski is not None and ski != aki:
                    continue
            found.append(candidate)
        return found

    def crls_of(self, issuer: x509.Certificate) -> list[x509.CertificateRevocationList]:
        return [crl for crl in self.crls if names_equal(crl.issuer, issuer.subject)]

    @classmethod
    def from_directory(cls, directory: Path | str) -> TrustStore:
        """Load every certificate, master list and CRL file in ``directory`` (not recursive)."""
        store = cls()
        path = Path(directory)
        if not path.is_dir():
            raise SecurityObjectError("trust store directory does not exist")
        for file in sorted(path.iterdir()):
            if file.is_file():
                store.add_file(file)
        return store

    def add_file(self, file: Path) -> None:
        data = file.read_bytes()
        suffix = file.suffix.lower()
        try:
            if suffix in _CRL_SUFFIXES or b"-----BEGIN X509 CRL" in data:
                self.crls.append(_load_crl(data))
            elif suffix in _MASTER_LIST_SUFFIXES:
                self._add_master_list(file.name, parse_master_list(data))
            elif suffix in _CERT_SUFFIXES:
                self._add_certificates(file.name, data)
        except (SecurityObjectError, ValueError) as exc:
            self.skipped.append(f"{file.name}: {type(exc).__name__}")


    def _add_master_list(self, name: str, master_list: MasterList) -> None:
        self.certificates.extend(master_list.certificates)
        if master_list.skipped:
            self.skipped.append(f"{name}: {master_list.skipped} undecodable entries")

    def _add_certificates(self, name: str, data: bytes) -> None:
        if b"-----BEGIN CERTIFICATE" in data:
            loaded = [_checked(c) for c in x509.load_pem_x509_certificates(data)]
            usable = [c for c in loaded if c is not None]
            self.certificates.extend(usable)
            if len(usable) != len(loaded):
                self.skipped.append(f"{name}: {len(loaded) - len(usable)} undecodable certificates")
            return
        cert = _load_der_certificate(data)
        if cert is not None:
            self.certificates.append(cert)
        else:
            self._add_master_list(name, parse_master_list(data))  # a master list saved with a certificate suffix


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if data.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)
