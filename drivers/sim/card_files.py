"""The files of a simulated CCCD (or passport) chip, built from any identity record, signed by a test PKI.

``build_card_files`` returns every elementary file keyed by its FID, with the keys the chip needs for PACE
(the CAN), Chip Authentication (brainpoolP256r1, matching DG14) and Active Authentication (RSA, matching
DG15). Data faults make a card that passive authentication must reject:

- ``tampered-dg``: DG13 changed after signing (hash mismatch);
- ``bad-sod-signature``: the SOD signature has one bit flipped;
- ``unknown-csca``: the document signer chains to a CSCA outside the trust store;
- ``expired-dsc``: the document signer certificate expired yesterday.

Other fault names are ignored here (the APDU side of the simulated chip has its own).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from drivers.emrtd import card_access, lds, tlv
from drivers.emrtd.dg1 import build_dg1
from drivers.emrtd.dg2 import build_dg2
from drivers.emrtd.dg7 import build_dg7
from drivers.emrtd.dg11 import FULL_DATE_OF_BIRTH, FULL_NAME, PLACE_OF_BIRTH, build_dg11
from drivers.emrtd.dg12 import DATE_OF_ISSUE, ISSUING_AUTHORITY, build_dg12
from drivers.emrtd.dg13 import DG13_VARIANTS, build_dg13
from drivers.emrtd.dg14 import build_dg14
from drivers.emrtd.dg15 import build_dg15
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.pki import TestPki, make_test_pki
from drivers.emrtd.sod import build_sod
from drivers.sim.face_image import synthetic_face_jpeg, synthetic_face_jpeg2000

DATA_FAULTS = frozenset({"tampered-dg", "bad-sod-signature", "unknown-csca", "expired-dsc"})
PASSPORT = "passport"
FOREIGN_ID = "foreign-id"  # a TD1 identity card of another state: DG11/DG12 as on passports, no DG13
VARIANTS = (*DG13_VARIANTS, PASSPORT, FOREIGN_ID)
AaKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PACE_PARAMETER_ID = 13  # brainpoolP256r1

FID_DG3 = lds.dg_fid(3)
# DG3 is present on the CCCD but protected by EAC: its content is never served, only its hash is signed.
_DG3_PLACEHOLDER = tlv.encode(lds.dg_tag(3), tlv.encode_constructed(0x7F61, tlv.encode_integer(0)))


@dataclass(frozen=True)
class CardFiles:
    files: dict[int, bytes]  # FID → file content
    can: str
    aa_private_key: AaKey | None
    ca_private_key: ec.EllipticCurvePrivateKey | None
    pace_parameter_id: int = PACE_PARAMETER_ID
    faults: frozenset[str] = field(default_factory=frozenset)

    def data_group(self, number: int) -> bytes | None:
        return self.files.get(lds.dg_fid(number))

    @property
    def data_groups(self) -> dict[int, bytes]:
        """Every readable data group, number → bytes (DG3 excluded: it needs Terminal Authentication)."""
        out: dict[int, bytes] = {}
        for fid, content in self.files.items():
            number = lds.dg_number_for_fid(fid)
            if number is not None and number != 3:
                out[number] = content
        return out


@functools.cache
def default_aa_key() -> rsa.RSAPrivateKey:
    """One RSA-2048 Active Authentication key per process (generating RSA keys is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _can(record: dict[str, Any], mrz_lines: list[str]) -> str:
    id_number = str(record.get("id_number") or "")
    if len(id_number) >= 6 and id_number[-6:].isdigit():
        return id_number[-6:]
    digits = "".join(ch for ch in mrz_lines[0][5:14] if ch.isdigit()) if mrz_lines else ""
    return digits[-6:].rjust(6, "0")


def _yyyymmdd(value: Any) -> str:
    return str(value or "").replace("-", "")


def _passport_groups(record: dict[str, Any], mrz_lines: list[str]) -> dict[int, bytes]:
    name_zone = mrz_lines[0][5:] if len(mrz_lines) == 2 else mrz_lines[-1] if mrz_lines else ""
    surname_given = name_zone.rstrip("<")
    dg11: dict[int, str | list[str]] = {FULL_NAME: surname_given}
    if record.get("date_of_birth"):
        dg11[FULL_DATE_OF_BIRTH] = _yyyymmdd(record["date_of_birth"])
    if record.get("place_of_origin"):
        dg11[PLACE_OF_BIRTH] = str(record["place_of_origin"])
    dg12: dict[int, str | list[str]] = {ISSUING_AUTHORITY: "Test Passport Authority"}
    if record.get("issue_date"):
        dg12[DATE_OF_ISSUE] = _yyyymmdd(record["issue_date"])
    return {11: build_dg11(dg11), 12: build_dg12(dg12)}


def _signer(pki: TestPki, faults: frozenset[str]) -> TestPki:
    now = dt.datetime.now(dt.UTC)
    if "unknown-csca" in faults:
        return make_test_pki(key_type="ec", label="Unknown")
    if "expired-dsc" in faults:
        key, cert = pki.issue_dsc(not_before=now - dt.timedelta(days=11 * 365), not_after=now - dt.timedelta(days=1))
        return TestPki(pki.csca_key, pki.csca_cert, key, cert)
    return pki


def build_card_files(
    record: dict[str, Any],
    pki: TestPki,
    *,
    mrz_lines: list[str],
    variant: str = "cccd-2021",
    dg2_size: int = 20000,
    dg2_format: str = "jpeg",
    faults: frozenset[str] = frozenset(),
    aa_private_key: AaKey | None = None,
    ca_private_key: ec.EllipticCurvePrivateKey | None = None,
    pace: tuple[card_access.KeyAgreement, int] | None = ("ECDH", PACE_PARAMETER_ID),
    pace_mapping: card_access.Mapping = "GM",
    chip_auth: bool = True,
    active_auth: bool = True,
    dg7: bool = False,
    sod_pss: bool = False,
) -> CardFiles:
    """All files of a simulated chip for ``record`` (an identity in JSON form) and its MRZ lines.

    ``variant``: a DG13 layout (``cccd-2021``, ``can-cuoc-2024``, ``nested-parents``, ``long-form``,
    ``sparse``, ``utf8-only``), ``passport`` (TD3, DG11/DG12, no DG13) or ``foreign-id`` (the same groups with a
    TD1 MRZ). ``dg2_format``: ``jpeg``, ``jp2`` or ``j2k``. ``pace``: the PACE key agreement and parameterId
    offered in EF.CardAccess and DG14, ``None`` for a BAC-only chip (no EF.CardAccess); ``pace_mapping``: ``GM``
    or ``IM``. ``chip_auth`` and
    ``active_auth``: whether DG14's chip-authentication key and DG15 exist. ``dg7``: a displayed-signature image.
    ``sod_pss``: EF.SOD signed with RSASSA-PSS (the PKI's document signer must be RSA).
    """
    if variant not in VARIANTS:
        raise EmrtdError(f"unknown card variant {variant!r}", code="unknown-variant")
    aa_key = (aa_private_key or default_aa_key()) if active_auth else None
    ca_key = (ca_private_key or ec.generate_private_key(ec.BrainpoolP256R1())) if chip_auth else None
    seed = str(record.get("id_number") or "".join(mrz_lines))

    face_target = max(dg2_size - 100, 0)
    if dg2_format == "jpeg":
        image, width, height = synthetic_face_jpeg(seed, face_target)
    elif dg2_format in ("jp2", "j2k"):
        image, width, height = synthetic_face_jpeg2000(seed, face_target, codestream=dg2_format == "j2k")
    else:
        raise EmrtdError(f"unknown DG2 image format {dg2_format!r}", code="unknown-image-format")

    groups: dict[int, bytes] = {
        1: build_dg1(mrz_lines),
        2: build_dg2(image, width, height, gender={"M": 1, "F": 2}.get(str(record.get("sex")), 0)),
        3: _DG3_PLACEHOLDER,
    }
    dg14 = _dg14_infos(pace, pace_mapping, ca_key)
    if dg14:
        groups[14] = build_dg14(dg14)
    if aa_key is not None:
        groups[15] = build_dg15(aa_key.public_key())
    if dg7:
        groups[7] = build_dg7([synthetic_face_jpeg(seed + "/signature", 1500)[0]])
    if variant in (PASSPORT, FOREIGN_ID):
        del groups[3]
        groups.update(_passport_groups(record, mrz_lines))
    else:
        groups[13] = build_dg13(record, variant)

    signer = _signer(pki, faults)
    sod = build_sod(groups, signer.dsc_key, signer.dsc_cert, pss=sod_pss,
                    corrupt_signature="bad-sod-signature" in faults)
    if "tampered-dg" in faults:
        target = 13 if 13 in groups else 11
        tampered = dict(record, full_name=f"{record.get('full_name') or ''} X")
        groups[target] = build_dg13(tampered, variant) if target == 13 else _tampered_dg11(groups[11])

    files = {
        lds.FID_COM: lds.build_ef_com(sorted(groups)),
        lds.FID_SOD: sod,
        **{lds.dg_fid(number): content for number, content in groups.items()},
    }
    if pace is not None:
        files[lds.FID_CARD_ACCESS] = card_access.build_card_access(pace[1], key_agreement=pace[0],
                                                                    mapping=pace_mapping)
    return CardFiles(files, _can(record, mrz_lines), aa_key, ca_key, pace[1] if pace else PACE_PARAMETER_ID,
                     faults & DATA_FAULTS)


def _dg14_infos(pace: tuple[card_access.KeyAgreement, int] | None, mapping: card_access.Mapping,
                ca_key: ec.EllipticCurvePrivateKey | None) -> list[bytes]:
    infos = []
    if pace is not None:
        infos.append(card_access.encode_pace_info(pace[1], key_agreement=pace[0], mapping=mapping))
    if ca_key is not None:
        ca_spki = ca_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        infos += [card_access.encode_chip_auth_info(), card_access.encode_chip_auth_public_key_info(ca_spki),
                  card_access.encode_terminal_auth_info()]
    return infos


def _tampered_dg11(dg11: bytes) -> bytes:
    changed = bytearray(dg11)
    changed[-1] ^= 0x01
    return bytes(changed)
