"""EF.SOD, the trust store and passive authentication: every outcome."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.emrtd import tlv
from drivers.emrtd.errors import SecurityObjectError
from drivers.emrtd.passive_auth import verify_passive
from drivers.emrtd.pki import (
    TestPki,
    TrustStore,
    build_master_list,
    make_certificate,
    make_test_pki,
    names_equal,
    parse_master_list,
)
from drivers.emrtd.public_keys import load_public_key
from drivers.emrtd.sod import build_lds_security_object, build_sod, parse_sod


@pytest.fixture(scope="module")
def ec_pki() -> TestPki:
    return make_test_pki(key_type="ec")


@pytest.fixture(scope="module")
def rsa_pki() -> TestPki:
    return make_test_pki(key_type="rsa", label="RSA")


DATA_GROUPS = {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x02" + b"\xff\xd8", 13: b"\x6d\x01\x00", 14: b"\x6e\x00"}


def _sod(pki: TestPki, **kwargs: object) -> bytes:
    return build_sod(DATA_GROUPS, pki.dsc_key, pki.dsc_cert, **kwargs)  # type: ignore[arg-type]


def test_sod_round_trip(ec_pki: TestPki) -> None:
    sod = parse_sod(_sod(ec_pki, hash_algorithm="sha384"))
    assert sod.hash_algorithm == "sha384"
    assert sorted(sod.data_group_hashes) == [1, 2, 13, 14]
    assert len(sod.data_group_hashes[13]) == 48
    assert sod.dsc is not None and sod.dsc.serial_number == ec_pki.dsc_cert.serial_number
    assert sod.signature_algorithm == "sha384_ecdsa"


def test_valid(ec_pki: TestPki) -> None:
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, ec_pki.trust_store())
    assert (result.status, result.reason) == ("valid", None)
    assert result.details["data_groups"] == {1: "ok", 2: "ok", 13: "ok", 14: "ok"}
    assert result.details["revocation"] == "unknown"


def test_subset_of_data_groups_is_valid(ec_pki: TestPki) -> None:
    assert verify_passive(_sod(ec_pki), {1: DATA_GROUPS[1]}, ec_pki.trust_store()).status == "valid"


@pytest.mark.parametrize(
    ("key", "pss", "algorithm"),
    [("rsa", False, "sha256_rsa"), ("rsa", True, "rsassa_pss"), ("ec", False, "sha256_ecdsa")],
)
def test_signature_algorithms(ec_pki: TestPki, rsa_pki: TestPki, key: str, pss: bool, algorithm: str) -> None:
    pki = rsa_pki if key == "rsa" else ec_pki
    sod = _sod(pki, pss=pss)
    assert parse_sod(sod).signature_algorithm == algorithm
    assert verify_passive(sod, DATA_GROUPS, pki.trust_store()).status == "valid"


def test_tampered_data_group(ec_pki: TestPki) -> None:
    tampered = {**DATA_GROUPS, 13: b"\x6d\x01\x01"}
    result = verify_passive(_sod(ec_pki), tampered, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "dg-hash-mismatch:DG13")
    assert result.details["data_groups"][13] == "mismatch" and result.details["data_groups"][1] == "ok"


def test_data_group_absent_from_sod(ec_pki: TestPki) -> None:
    result = verify_passive(_sod(ec_pki), {**DATA_GROUPS, 15: b"\x6f\x00"}, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "dg-hash-not-in-sod:DG15")


def test_bad_sod_signature(ec_pki: TestPki, rsa_pki: TestPki) -> None:
    for pki in (ec_pki, rsa_pki):
        result = verify_passive(_sod(pki, corrupt_signature=True), DATA_GROUPS, pki.trust_store())
        assert (result.status, result.reason) == ("invalid", "sod-signature-invalid")


def test_hashes_replaced_in_signed_content(ec_pki: TestPki) -> None:
    """An attacker who rewrites the DG hashes cannot keep the signed messageDigest consistent."""
    forged = {**DATA_GROUPS, 13: b"\x6d\x01\x07"}
    info = asn1_cms.ContentInfo.load(tlv.decode(_sod(ec_pki), expected_tag=0x77).value)
    info["content"]["encap_content_info"]["content"] = build_lds_security_object(forged)
    sod = info.dump(force=True)
    result = verify_passive(sod, forged, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "sod-message-digest-mismatch")


def test_unknown_csca(ec_pki: TestPki) -> None:
    other = make_test_pki(key_type="ec", label="Other")
    result = verify_passive(_sod(other), DATA_GROUPS, ec_pki.trust_store())
    assert result.status == "no-trust-anchor"


def test_forged_dsc_under_real_csca_name(ec_pki: TestPki) -> None:
    """A DSC naming the real CSCA as issuer but signed by another key is invalid, never valid."""
    rogue_key = ec.generate_private_key(ec.BrainpoolP256R1())
    now = dt.datetime.now(dt.UTC)
    forged_cert = make_certificate(
        ec_pki.dsc_cert.subject,
        rogue_key,
        ec_pki.csca_cert.subject,
        rogue_key,
        ca=False,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=30),
    )
    sod = build_sod(DATA_GROUPS, rogue_key, forged_cert)
    result = verify_passive(sod, DATA_GROUPS, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "dsc-signature-invalid")


def test_expired_dsc(ec_pki: TestPki) -> None:
    now = dt.datetime.now(dt.UTC)
    key, cert = ec_pki.issue_dsc(not_before=now - dt.timedelta(days=3000), not_after=now - dt.timedelta(days=1))
    result = verify_passive(build_sod(DATA_GROUPS, key, cert), DATA_GROUPS, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "dsc-expired")


def test_validity_is_checked_at_the_given_time(ec_pki: TestPki) -> None:
    before = ec_pki.dsc_cert.not_valid_before_utc - dt.timedelta(days=1)
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, ec_pki.trust_store(), at=before)
    assert (result.status, result.reason) == ("invalid", "dsc-not-yet-valid")
    after = ec_pki.csca_cert.not_valid_after_utc + dt.timedelta(days=1)
    assert verify_passive(_sod(ec_pki), DATA_GROUPS, ec_pki.trust_store(), at=after).status == "invalid"


def test_no_trust_store_and_no_sod(ec_pki: TestPki) -> None:
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, None)
    assert result.status == "no-trust-anchor"
    assert verify_passive(_sod(ec_pki), DATA_GROUPS, TrustStore()).status == "no-trust-anchor"
    assert verify_passive(None, DATA_GROUPS, ec_pki.trust_store()).status == "not-performed"
    assert verify_passive(b"", DATA_GROUPS, None).status == "not-performed"


@pytest.mark.parametrize("garbage", [b"\x77\x03\x30\x01\x00", b"\x30\x00", b"\x77\x82\xff", b"not a sod"])
def test_malformed_sod(ec_pki: TestPki, garbage: bytes) -> None:
    result = verify_passive(garbage, DATA_GROUPS, ec_pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "sod-malformed")


def test_crl_revocation(ec_pki: TestPki, tmp_path: Path) -> None:
    (tmp_path / "csca.pem").write_bytes(ec_pki.csca_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "good.crl").write_bytes(ec_pki.make_crl([12345]))
    store = TrustStore.from_directory(tmp_path)
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, store)
    assert result.status == "valid" and result.details["revocation"] == "good"

    (tmp_path / "revoked.crl").write_bytes(ec_pki.make_crl([ec_pki.dsc_cert.serial_number]))
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, TrustStore.from_directory(tmp_path))
    assert (result.status, result.reason) == ("invalid", "dsc-revoked")


def test_crl_with_bad_signature_is_ignored(ec_pki: TestPki) -> None:
    impostor = make_test_pki(key_type="ec")
    impostor.csca_cert = ec_pki.csca_cert  # same issuer name, other key
    crl = x509.load_der_x509_crl(impostor.make_crl([ec_pki.dsc_cert.serial_number]))
    store = TrustStore(certificates=[ec_pki.csca_cert], crls=[crl])
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, store)
    assert result.status == "valid" and result.details["revocation"] == "unknown"


def test_trust_store_from_master_list(ec_pki: TestPki, rsa_pki: TestPki, tmp_path: Path) -> None:
    signer = make_test_pki(key_type="ec", label="Master List Signer")
    master_list = build_master_list([rsa_pki.csca_cert, ec_pki.csca_cert], signer.dsc_key, signer.dsc_cert)
    (tmp_path / "countries.ml").write_bytes(master_list)
    store = TrustStore.from_directory(tmp_path)
    assert len(store.certificates) == 2 and store.skipped == []
    assert verify_passive(_sod(ec_pki), DATA_GROUPS, store).status == "valid"
    assert verify_passive(_sod(rsa_pki), DATA_GROUPS, store).status == "valid"


def test_tampered_master_list_is_not_trusted(ec_pki: TestPki, tmp_path: Path) -> None:
    signer = make_test_pki(key_type="ec", label="Master List Signer")
    master_list = bytearray(build_master_list([ec_pki.csca_cert], signer.dsc_key, signer.dsc_cert))
    position = bytes(master_list).find(ec_pki.csca_cert.public_bytes(serialization.Encoding.DER)[-40:])
    master_list[position] ^= 0x01
    (tmp_path / "countries.ml").write_bytes(bytes(master_list))
    store = TrustStore.from_directory(tmp_path)
    assert store.certificates == [] and len(store.skipped) == 1
    assert verify_passive(_sod(ec_pki), DATA_GROUPS, store).status == "no-trust-anchor"


def test_trust_store_reads_pem_and_der_and_ignores_junk(ec_pki: TestPki, rsa_pki: TestPki, tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_bytes(ec_pki.csca_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "b.cer").write_bytes(rsa_pki.csca_cert.public_bytes(serialization.Encoding.DER))
    (tmp_path / "broken.der").write_bytes(b"\x30\x03\x02\x01\x00")
    (tmp_path / "notes.txt").write_text("not a certificate")
    store = TrustStore.from_directory(tmp_path)
    assert {c.subject for c in store.certificates} == {ec_pki.csca_cert.subject, rsa_pki.csca_cert.subject}
    assert len(store.skipped) == 1 and store.skipped[0].startswith("broken.der")
    with pytest.raises(SecurityObjectError):
        TrustStore.from_directory(tmp_path / "missing")


def test_test_pki_is_written_and_read_back(tmp_path: Path) -> None:
    first = make_test_pki(tmp_path / "pki")
    second = make_test_pki(tmp_path / "pki")
    assert first.dsc_cert == second.dsc_cert and first.csca_cert == second.csca_cert
    sod = build_sod(DATA_GROUPS, second.dsc_key, second.dsc_cert)
    assert verify_passive(sod, DATA_GROUPS, first.trust_store()).status == "valid"


def _explicit_spki(public_key: ec.EllipticCurvePublicKey, curve_name: str, *, tweak_b: bool = False) -> bytes:
    params_der = subprocess.run(
        ["openssl", "ecparam", "-name", curve_name, "-param_enc", "explicit", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    params = asn1_keys.ECDomainParameters.load(params_der)
    if tweak_b:
        spec = params.chosen
        b = bytearray(spec["curve"]["b"].native)
        b[-1] ^= 1
        spec["curve"]["b"] = bytes(b)
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    spki = asn1_keys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": params}, "public_key": point})
    return bytes(spki.dump(force=True))


def test_explicit_parameter_ec_keys(ec_pki: TestPki) -> None:
    """A DSC whose key spells out brainpoolP256r1 explicitly still verifies; an unknown curve is refused."""
    dsc_key = ec.generate_private_key(ec.BrainpoolP256R1())
    spki = _explicit_spki(dsc_key.public_key(), "brainpoolP256r1")
    loaded = load_public_key(spki)
    assert isinstance(loaded, ec.EllipticCurvePublicKey) and loaded.curve.name == "brainpoolP256r1"
    with pytest.raises(SecurityObjectError):
        load_public_key(_explicit_spki(dsc_key.public_key(), "brainpoolP256r1", tweak_b=True))

    _, template = ec_pki.issue_dsc(
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    cert = asn1_x509.Certificate.load(template.public_bytes(serialization.Encoding.DER))
    cert["tbs_certificate"]["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(spki)
    tbs = cert["tbs_certificate"].dump(force=True)
    assert isinstance(ec_pki.csca_key, ec.EllipticCurvePrivateKey)
    cert["signature_value"] = ec_pki.csca_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    explicit_cert = x509.load_der_x509_certificate(cert.dump(force=True))
    sod = build_sod(DATA_GROUPS, dsc_key, explicit_cert)
    result = verify_passive(sod, DATA_GROUPS, ec_pki.trust_store())
    assert (result.status, result.reason) == ("valid", None)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 10**6), flip=st.integers(1, 255), cut=st.integers(0, 3))
def test_corrupted_sod_never_crashes_and_altered_content_is_never_valid(
    ec_pki: TestPki, position: int, flip: int, cut: int
) -> None:
    sod = bytearray(_sod_cached(ec_pki))
    index = position % len(sod)
    sod[index] ^= flip
    data = bytes(sod[: len(sod) - cut])
    result = verify_passive(data, DATA_GROUPS, ec_pki.trust_store())
    assert result.status in ("valid", "invalid", "no-trust-anchor")
    content = tlv.decode(_sod_cached(ec_pki)).value
    signed_content = parse_sod(_sod_cached(ec_pki)).signed.content
    start = _sod_cached(ec_pki).find(signed_content)
    if start <= index < start + len(signed_content) or cut:
        assert result.status != "valid"
    assert content


_SOD_CACHE: dict[int, bytes] = {}


def _sod_cached(pki: TestPki) -> bytes:
    key = id(pki)
    if key not in _SOD_CACHE:
        _SOD_CACHE[key] = _sod(pki)
    return _SOD_CACHE[key]


def test_reissued_csca_prefers_the_certificate_valid_now(ec_pki: TestPki) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=4000)
    old_copy = make_certificate(
        ec_pki.csca_cert.subject,
        ec_pki.csca_key,
        ec_pki.csca_cert.subject,
        ec_pki.csca_key,
        ca=True,
        not_before=past,
        not_after=past + dt.timedelta(days=365),
    )
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, TrustStore(certificates=[old_copy, ec_pki.csca_cert]))
    assert (result.status, result.reason) == ("valid", None)
    result = verify_passive(_sod(ec_pki), DATA_GROUPS, TrustStore(certificates=[old_copy]))
    assert (result.status, result.reason) == ("invalid", "csca-expired")


def test_master_list_with_an_undecodable_entry_keeps_the_others(ec_pki: TestPki, tmp_path: Path) -> None:
    other = make_test_pki(key_type="ec", label="Other")
    broken = asn1_x509.Certificate.load(other.csca_cert.public_bytes(serialization.Encoding.DER))
    extensions = broken["tbs_certificate"]["extensions"]
    extensions.append(extensions[0])  # duplicate extension: cryptography refuses it
    broken_cert = x509.load_der_x509_certificate(broken.dump(force=True))
    signer = make_test_pki(key_type="ec", label="Master List Signer")
    master_list = build_master_list([broken_cert, ec_pki.csca_cert], signer.dsc_key, signer.dsc_cert)
    parsed = parse_master_list(master_list)
    assert parsed.certificates == [ec_pki.csca_cert] and parsed.skipped == 1
    (tmp_path / "list.ml").write_bytes(master_list)
    store = TrustStore.from_directory(tmp_path)
    assert store.skipped == ["list.ml: 1 undecodable entries"]
    assert verify_passive(_sod(ec_pki), DATA_GROUPS, store).status == "valid"


def test_names_compare_after_normalisation() -> None:
    a = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, "Csca 1")])
    b = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, "CSCA  1")])
    c = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, "CSCA 2")])
    assert names_equal(a, b) and not names_equal(a, c)


@pytest.mark.parametrize(
    ("options", "algorithm"),
    [
        ({"ecdsa_plain": True}, "0.4.0.127.0.7.1.1.4.1.3"),
        ({"signer_by_key_id": True}, "sha256_ecdsa"),
        ({"lds_version": "0108", "hash_algorithm": "sha512"}, "sha512_ecdsa"),
        ({"hash_algorithm": "sha1"}, "sha1_ecdsa"),
    ],
)
def test_sod_encodings_seen_on_documents(ec_pki: TestPki, options: dict[str, object], algorithm: str) -> None:
    sod = _sod(ec_pki, **options)
    parsed = parse_sod(sod)
    assert parsed.signature_algorithm == algorithm
    assert parsed.dsc is not None
    if "lds_version" in options:
        assert (parsed.version, parsed.lds_version, parsed.unicode_version) == (1, "0108", "040000")
    assert verify_passive(sod, DATA_GROUPS, ec_pki.trust_store()).status == "valid"
    corrupted = verify_passive(_sod(ec_pki, corrupt_signature=True, **options), DATA_GROUPS, ec_pki.trust_store())
    assert (corrupted.status, corrupted.reason) == ("invalid", "sod-signature-invalid")
