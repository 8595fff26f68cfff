"""DG12 (tag 6C): additional document details (passports; absent on the CCCD)."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.emrtd import lds
from drivers.emrtd.tagged_fields import TaggedFields, build_tagged_fields, parse_tagged_fields

TAG_DG12 = lds.dg_tag(12)

ISSUING_AUTHORITY = 0x5F19
OTHER_PERSON = 0x5F1A
ENDORSEMENTS = 0x5F1B
TAX_EXIT_REQUIREMENTS = 0x5F1C
IMAGE_FRONT = 0x5F1D
IMAGE_REAR = 0x5F1E
DATE_OF_ISSUE = 0x5F26
PERSONALIZATION_TIME = 0x5F55
PERSONALIZATION_DEVICE = 0x5F56


@dataclass(frozen=True)
class Dg12:
    fields: TaggedFields

    @property
    def issuing_authority(self) -> str | None:
        return self.fields.text(ISSUING_AUTHORITY)

    @property
    def date_of_issue(self) -> str | None:
        """``YYYYMMDD`` as stored."""
        return self.fields.text(DATE_OF_ISSUE)

    @property
    def other_persons(self) -> list[str]:
        return self.fields.texts(OTHER_PERSON)

    @property
    def endorsements(self) -> str | None:
        return self.fields.text(ENDORSEMENTS)


def parse_dg12(data: bytes) -> Dg12:
    return Dg12(parse_tagged_fields(data, TAG_DG12, "DG12"))


def build_dg12(fields: dict[int, str | list[str]]) -> bytes:
    return build_tagged_fields(TAG_DG12, fields)
