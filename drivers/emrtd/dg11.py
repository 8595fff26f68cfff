"""DG11 (tag 6B): additional personal details (passports; absent on the CCCD)."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.emrtd import lds
from drivers.emrtd.tagged_fields import TaggedFields, build_tagged_fields, parse_tagged_fields

TAG_DG11 = lds.dg_tag(11)

FULL_NAME = 0x5F0E
OTHER_NAME = 0x5F0F
PERSONAL_NUMBER = 0x5F10
PLACE_OF_BIRTH = 0x5F11
TELEPHONE = 0x5F12
PROFESSION = 0x5F13
TITLE = 0x5F14
PERSONAL_SUMMARY = 0x5F15
PROOF_OF_CITIZENSHIP = 0x5F16
OTHER_TD_NUMBERS = 0x5F17
CUSTODY_INFORMATION = 0x5F18
FULL_DATE_OF_BIRTH = 0x5F2B
PERMANENT_ADDRESS = 0x5F42


@dataclass(frozen=True)
class Dg11:
    fields: TaggedFields

    @property
    def full_name(self) -> str | None:
        """The name as stored: ``SURNAME<<GIVEN<NAMES``."""
        return self.fields.text(FULL_NAME)

    @property
    def other_names(self) -> list[str]:
        return self.fields.texts(OTHER_NAME)

    @property
    def personal_number(self) -> str | None:
        return self.fields.text(PERSONAL_NUMBER)

    @property
    def full_date_of_birth(self) -> str | None:
        """``YYYYMMDD`` as stored (some issuers use other forms; kept as text)."""
        return self.fields.text(FULL_DATE_OF_BIRTH)

    @property
    def place_of_birth(self) -> str | None:
        return self.fields.text(PLACE_OF_BIRTH)

    @property
    def permanent_address(self) -> str | None:
        return self.fields.text(PERMANENT_ADDRESS)

    @property
    def telephone(self) -> str | None:
        return self.fields.text(TELEPHONE)

    @property
    def profession(self) -> str | None:
        return self.fields.text(PROFESSION)


def parse_dg11(data: bytes) -> Dg11:
    return Dg11(parse_tagged_fields(data, TAG_DG11, "DG11"))


def build_dg11(fields: dict[int, str | list[str]]) -> bytes:
    return build_tagged_fields(TAG_DG11, fields)
