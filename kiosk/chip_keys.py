"""Access keys for reading a chip, in the order they are tried.

1. PACE CAN from a scanned QR (last 6 digits of the 12-digit ID) or typed;
2. the MRZ typed by staff or taken from DG1 of an earlier read of the same card;
3. the MRZ derived from QR data by the expiry rule (a guess: each rule candidate in turn).
"""

from __future__ import annotations

from collections.abc import Sequence

from drivers.emrtd.reader import AccessKey
from kiosk.errors import FieldValueError
from kiosk.identity import Identity
from kiosk.mrz import bac_keys, bac_mrz_information, parse_mrz


def _can_key(can: str, source: str) -> AccessKey:
    if len(can) != 6 or not can.isdigit():
        raise FieldValueError("the CAN must be 6 digits", field="can",
                              message_vi="Số CAN phải gồm 6 chữ số.")
    return AccessKey("can", can, source)


def _mrz_key(lines: Sequence[str], source: str) -> AccessKey:
    mrz = parse_mrz(lines)
    birth, expiry = mrz.birth_raw, mrz.expiry_raw
    return AccessKey("mrz", bac_mrz_information(mrz.document_number, birth, expiry), source)


def access_keys(*, can: str | None = None, qr_identity: Identity | None = None,
                mrz_lines: Sequence[str] | None = None, previous_dg1_lines: Sequence[str] | None = None,
                bac: tuple[str, str, str] | None = None) -> list[AccessKey]:
    """Every key the inputs give, best first, without duplicates.

    ``bac`` is (document number, birth YYMMDD, expiry YYMMDD) typed by staff.
    """
    keys: list[AccessKey] = []
    if can:
        keys.append(_can_key(can, "typed"))
    if qr_identity is not None and qr_identity.pace_can:
        keys.append(_can_key(qr_identity.pace_can, "qr"))
    if mrz_lines:
        keys.append(_mrz_key(mrz_lines, "typed"))
    if bac is not None:
        number, birth, expiry = bac
        for name, value in (("birth_date", birth), ("expiry_date", expiry)):
            if len(value) != 6 or not value.isdigit():
                raise FieldValueError(f"{name} must be YYMMDD", field=name,
                                      message_vi="Ngày phải có dạng YYMMDD (năm, tháng, ngày).")
        keys.append(AccessKey("mrz", bac_mrz_information(number.upper(), birth, expiry), "typed"))
    if previous_dg1_lines:
        keys.append(_mrz_key(previous_dg1_lines, "dg1"))
    if qr_identity is not None:
        keys.extend(AccessKey("mrz", k.mrz_information, "derived") for k in bac_keys(qr_identity))
    unique: list[AccessKey] = []
    for key in keys:
        if all((key.kind, key.value) != (k.kind, k.value) for k in unique):
            unique.append(key)
    return unique
