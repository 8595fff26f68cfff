"""DG14 (tag 6E): the SecurityInfos for Chip Authentication and, with ECDSA, Active Authentication.

Hash DG14 exactly as read: re-encoding would reorder its SET and break passive authentication.
"""

from __future__ import annotations

from drivers.emrtd import lds, tlv
from drivers.emrtd.card_access import SecurityInfos, build_security_infos, parse_security_infos
from drivers.emrtd.errors import LdsError

TAG_DG14 = lds.dg_tag(14)


def parse_dg14(data: bytes) -> SecurityInfos:
    if not data or data[0] != TAG_DG14:
        raise LdsError("DG14 must start with tag 6E")
    return parse_security_infos(data)


def build_dg14(infos: list[bytes]) -> bytes:
    """DG14 from encoded SecurityInfo elements (see the ``encode_*`` builders of ``card_access``)."""
    return tlv.encode(TAG_DG14, build_security_infos(infos))
