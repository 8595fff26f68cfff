"""The identity read from a chip: DG1 (MRZ) and DG13 (Vietnamese data) mapped to the identity model.

DG13 text wins (it carries the diacritics); the MRZ fills what DG13 lacks and is the only source for
passports and other States' identity cards (card_type ``passport`` or ``unknown``, id_number = the document
number, name from DG11 when present). Raw values are
kept in ``raw``; values that cannot be interpreted come out as ``None`` rather than failing the read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from drivers.emrtd.dg1 import Dg1
from drivers.emrtd.dg11 import Dg11
from drivers.emrtd.lds_files import LdsFiles, parse_lds_files
from drivers.emrtd.passive_auth import UNKNOWN_CSCA
from kiosk.errors import KioskError
from kiosk.identity import CardType, Identity
from kiosk.mrz import Mrz, mrz_from_fields

NEW_CARD_FROM = date(2024, 7, 1)  # Luật Căn cước 2023 in force; a heuristic, as the chip does not say


class ChipDataError(KioskError):
    """The chip's data groups cannot be turned into an identity (DG1 unreadable and no DG13)."""

    code = "chip-data-malformed"


class ChipVerificationError(KioskError):
    """The chip was read but its data could not be verified: untrusted issuer, expired certificate, forged or
    altered data. ``code`` says which."""

    code = "chip-verification-failed"


def verification_problem(verification: dict[str, Any]) -> ChipVerificationError | None:
    """What keeps a chip read from being trusted, as a typed error a person can act on; ``None`` when nothing
    does (or when no trust store was configured, which is the site's choice, not the document's fault)."""
    passive = verification.get("passive") or {}
    status, reason = passive.get("status"), str(passive.get("reason") or "")
    if status == "no-trust-anchor" and reason == UNKNOWN_CSCA:
        return ChipVerificationError(
            "The document could not be verified: no trusted CSCA issued its signer. Please tell the staff.",
            code="chip-csca-unknown",
            message_vi="Không xác minh được giấy tờ: cơ quan cấp chưa có trong danh sách tin cậy của máy. "
                       "Vui lòng báo nhân viên.")
    if status == "invalid" and reason.endswith("-expired"):
        return ChipVerificationError(
            "The document's signing certificate has expired, so its chip could not be verified. Please tell the staff.",
            code="chip-certificate-expired",
            message_vi="Chứng thư ký của cơ quan cấp giấy tờ đã hết hạn nên không xác minh được chip. "
                       "Vui lòng báo nhân viên.")
    failed = [f"{name}: {(verification.get(name) or {}).get('reason')}"
              for name in ("passive", "active", "chip_authentication")
              if (verification.get(name) or {}).get("status") in ("invalid", "failed")]
    if failed:
        return ChipVerificationError("chip data failed verification: " + "; ".join(failed),
                                     message_vi="Dữ liệu chip không xác thực được. Không sử dụng thẻ này.")
    return None


def _mrz(dg1: Dg1, raw: dict[str, Any]) -> Mrz | None:
    """The MRZ as DG1 parsed it (fields and check digits in the LDS layer), with calendar dates."""
    if dg1.fields is None:
        raw["mrz_error"] = dg1.fields_error
        return None
    try:
        return mrz_from_fields(dg1.fields)
    except KioskError as exc:
        raw["mrz_error"] = exc.code
        return None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _dg11_name(dg11: Dg11 | None, raw: dict[str, Any]) -> str | None:
    """The holder's full name from DG11 (``SURNAME<<GIVEN<NAMES``), as printed."""
    name = dg11.full_name if dg11 is not None else None
    if not name:
        return None
    raw["dg11_full_name"] = name
    surname, _, given = name.partition("<<")
    return " ".join(part.replace("<", " ").strip() for part in (surname, given) if part.strip("< ")) or None


def identity_from_chip(data_groups: dict[int, bytes], verification: dict[str, Any]) -> Identity:
    """Build the identity (``source="chip"``) from the data groups as read and the verification results."""
    return identity_from_files(parse_lds_files(data_groups, skip=(2,)), verification)


def identity_from_files(files: LdsFiles, verification: dict[str, Any]) -> Identity:
    """Build the identity (``source="chip"``) from the typed LDS files and the verification results."""
    raw: dict[str, Any] = {f"{name.lower().replace('.', '_')}_error": code for name, code in files.errors.items()}
    mrz: Mrz | None = None
    if files.dg1 is not None:
        raw["mrz"] = list(files.dg1.lines)
        mrz = _mrz(files.dg1, raw)
    record: dict[str, Any] = {}
    dg13 = files.dg13
    if dg13 is not None:
        record = dg13.to_record()
        raw["dg13"] = {str(k): v for k, v in dg13.fields.items()}
        if dg13.card_serial:
            raw["card_serial"] = dg13.card_serial
    if mrz is None and not record:
        raise ChipDataError("the chip holds no readable MRZ or DG13",
                            message_vi="Không đọc được dữ liệu trên chip. Vui lòng thử lại.")
    base = mrz.to_identity() if mrz is not None else Identity()
    dg11_name = _dg11_name(files.dg11, raw)
    id_number: str | None
    if mrz is not None and (mrz.is_passport or (mrz.issuing_state != "VNM" and not record)):
        card_type: CardType = "passport" if mrz.is_passport else "unknown"  # a passport, or another State's card
        id_number = mrz.document_number
    else:
        id_number = record.get("id_number") or base.id_number
        issue = _date(record.get("issue_date"))
        card_type = "unknown" if issue is None and not record else (
            "can-cuoc-2024" if issue is not None and issue >= NEW_CARD_FROM else "cccd-2021")
    no_expiry = bool(record.get("no_expiry")) or base.no_expiry
    return Identity(
        id_number=id_number,
        old_id_number=record.get("old_id_number"),
        full_name=record.get("full_name") or dg11_name or base.full_name,
        date_of_birth=_date(record.get("date_of_birth")) or base.date_of_birth,
        sex=record.get("sex") or base.sex,
        nationality=record.get("nationality") or base.nationality,
        ethnicity=record.get("ethnicity"),
        religion=record.get("religion"),
        place_of_origin=record.get("place_of_origin"),
        residence=record.get("residence"),
        identifying_marks=record.get("identifying_marks"),
        issue_date=_date(record.get("issue_date")),
        expiry_date=None if no_expiry else (_date(record.get("expiry_date")) or base.expiry_date),
        father_name=record.get("father_name"),
        mother_name=record.get("mother_name"),
        spouse_name=record.get("spouse_name"),
        card_type=card_type,
        source="chip",
        document_number=base.document_number,
        no_expiry=no_expiry,
        verification=_with_problem(verification),
        raw=raw,
    )


def _with_problem(verification: dict[str, Any]) -> dict[str, Any]:
    """The verification results with, under ``problem``, the typed error that keeps them from being trusted."""
    problem = verification_problem(verification)
    if problem is None:
        return verification
    return {**verification, "problem": {"code": problem.code, "message": str(problem),
                                        "message_vi": problem.message_vi}}
