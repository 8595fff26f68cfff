"""Synthetic holders of each kind of document the chip reader meets, with the MRZ printed on it.

``cccd-2021`` and ``can-cuoc-2024``: a Vietnamese citizen (``kiosk.samples``) whose card was issued before or after
1 July 2024. ``passport``: a foreign TD3 passport and ``foreign-id``: a foreign TD1 identity card, both of the ICAO
9303 specimen state Utopia (``UTO``). Used by the simulated cards' profiles, their tests and the chip benchmark.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from kiosk.identity import Identity
from kiosk.mrz import expiry_from_rule, format_td1, format_td3
from kiosk.samples import sample_identity

DOCUMENT_KINDS = ("cccd-2021", "can-cuoc-2024", "passport", "foreign-id")
_ISSUED = {"cccd-2021": date(2021, 5, 10), "can-cuoc-2024": date(2024, 9, 16)}
_FOREIGNER = Identity(full_name="ERIKSSON ANNA MARIA", date_of_birth=date(1974, 8, 12), sex="F", nationality="UTO",
                      expiry_date=date(2031, 4, 15), issue_date=date(2021, 4, 16), source="chip")


def sample_document(kind: str, n: int = 7) -> tuple[Identity, list[str]]:
    """(holder, MRZ lines) of a document of ``kind`` (one of ``DOCUMENT_KINDS``)."""
    if kind in _ISSUED:
        citizen = sample_identity(n)
        assert citizen.date_of_birth is not None
        issued = max(_ISSUED[kind], citizen.date_of_birth.replace(year=citizen.date_of_birth.year + 14,
                                                                 month=3, day=1))
        holder = dataclasses.replace(citizen, issue_date=issued, card_type=kind,  # type: ignore[arg-type]
                                     expiry_date=expiry_from_rule(citizen.date_of_birth, issued))
        holder = dataclasses.replace(holder, no_expiry=holder.expiry_date is None)
        return holder, format_td1(holder)
    if kind == "passport":
        holder = dataclasses.replace(_FOREIGNER, id_number="L898902C3", document_number="L898902C3",
                                     card_type="passport")
        assert holder.date_of_birth is not None and holder.expiry_date is not None
        return holder, format_td3(document_number="L898902C3", state="UTO", nationality="UTO",
                                  full_name=holder.full_name or "", birth=holder.date_of_birth, sex=holder.sex,
                                  expiry=holder.expiry_date)
    if kind == "foreign-id":
        holder = dataclasses.replace(_FOREIGNER, id_number="D23145890", document_number="D23145890",
                                     card_type="unknown")
        return holder, format_td1(holder, document_code="I", state="UTO", optional="")
    raise ValueError(f"unknown document kind {kind!r}")
