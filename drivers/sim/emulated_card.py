"""An emulated CCCD (or passport) chip: the card side of every command the reader sends.

LDS1 application ``A0 00 00 02 47 10 01``; SELECT by AID or FID; READ BINARY by SFI, by offset and
with odd INS (DO'54' offset); access control (only EF.CardAccess before BAC/PACE; DG3 needs EAC → ``6982``;
absent files → ``6A82``); BAC and PACE (CAN or MRZ) card side; secure messaging; INTERNAL AUTHENTICATE
(Active Authentication) and Chip Authentication. How the chip departs from the conforming behaviour is data:
the names in ``PROTOCOL_FAULTS`` (behaviours seen on real documents and faults for tests), combined into whole
card profiles in ``drivers/sim/card_profiles.py``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.emrtd import lds, tlv
from drivers.emrtd.apdu import (
    SW_CONDITIONS_NOT_SATISFIED,
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_REFERENCE_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_SM_INCORRECT,
    SW_SM_MISSING,
    SW_WRONG_DATA,
    SW_WRONG_KEY,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    CommandApdu,
    join_response,
)
from drivers.emrtd.bac import BacCard
from drivers.emrtd.card_access import parse_security_infos
from drivers.emrtd.chip_auth import ChipAuthCard, ChipAuthSuite
from drivers.emrtd.chip_errors import AccessDeniedError, ChipError, ProtocolError, SecureMessagingError
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.kdf import CipherName
from drivers.emrtd.mrz import parse_mrz_fields
from drivers.emrtd.pace import PaceCard, PaceSuite
from drivers.emrtd.pki import TestPki
from drivers.emrtd.sm import SecureMessaging
from drivers.sim.link import LinkModel
from drivers.transport import CardRemovedError

AID = lds.AID_LDS1
FID_DG3 = 0x0103
SM_SHORT_MAX_READ = 0xDF  # largest plain block whose protected response fits a short APDU

PROTOCOL_FAULTS = (
    "wrong-key",          # the chip holds other access keys than the ones printed on it
    "corrupted-mac",      # every protected response carries a wrong MAC
    "truncated-response",  # responses lose their second half
    "malformed-response",  # responses carry an impossible TLV length
    "removed-at",         # removed-at=N: the card leaves the field at command N (1-based)
    "no-extended",        # extended-length APDUs → 6700, and the ATR does not offer them
    "small-max-read",     # small-max-read=N (default 128): reads above N bytes → 6Cxx / 6700
    "slow-link",          # slow-link=BITRATE:LATENCY_MS: each exchange sleeps for that link's time
    "bac-only",           # no EF.CardAccess, no PACE
    "pace-only",          # MUTUAL AUTHENTICATE → 6A88
    "aa-failure",         # INTERNAL AUTHENTICATE signs something else
    "plain-errors",       # file errors under SM come back unprotected and end the session (seen on real cards)
    "hide-dg15",          # DG15 answers 6A82 although EF.SOD signs it (a clone dodging Active Authentication)
    "hide-dg14",          # DG14 answers 6A82 although EF.SOD signs it (a clone dodging Chip Authentication)
    "no-sfi",             # READ BINARY by short file identifier → 6A82: files must be selected by FID
    "plain-missing",      # 6A82/6982 under SM come back unprotected; the session and its counter carry on
    "bare-over-read",     # a read past the end under SM → the data and 6282 unprotected; the session carries on
    "wrong-key-6988",     # a wrong BAC key → 6988 on MUTUAL AUTHENTICATE (instead of 6300)
    "no-com",             # no EF.COM (LDS 1.8 deprecates it: EF.SOD lists the data groups)
)
DATA_FAULTS = ("tampered-dg", "bad-sod-signature", "unknown-csca", "expired-dsc")


@dataclass(frozen=True)
class CardFaults:
    names: frozenset[str] = frozenset()
    removed_at: int | None = None
    max_read: int | None = None
    link: LinkModel | None = None

    @classmethod
    def parse(cls, specs: Iterable[str]) -> CardFaults:
        """From ``NAME`` or ``NAME=VALUE`` strings; ``ValueError`` for an unknown fault."""
        names: set[str] = set()
        removed_at = max_read = None
        link = None
        for spec in specs:
            name, _, value = spec.partition("=")
            if name not in PROTOCOL_FAULTS and name not in DATA_FAULTS:
                raise ValueError(f"unknown fault {name!r}")
            names.add(name)
            if name == "removed-at":
                removed_at = int(value or "1")
            elif name == "small-max-read":
                max_read = int(value or "128")
            elif name == "slow-link":
                link = LinkModel.parse(value) if value else LinkModel(106_000, 0.02)
        return cls(frozenset(names), removed_at, max_read, link)

    def __contains__(self, name: str) -> bool:
        return name in self.names


def build_atr(extended: bool) -> bytes:
    """Contactless ATR as PC/SC builds it: historical bytes 80 73 xx xx yy (card capabilities, bit 0x40 of
    the third byte = extended Lc/Le)."""
    historical = bytes([0x80, 0x73, 0x00, 0x00, 0x40 if extended else 0x00])
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes([tck])


@dataclass
class CardKeys:
    """What the chip needs besides its files."""

    can: str | None = None
    mrz_information: str | None = None
    aa_signer: Callable[[bytes], bytes] | None = None
    ca_private_key: ec.EllipticCurvePrivateKey | None = None


@dataclass
class _State:
    app_selected: bool = False
    current: int | None = None
    sm: SecureMessaging | None = None
    next_sm: SecureMessaging | None = None
    pace: PaceCard | None = None
    bac: BacCard | None = None
    ca: ChipAuthCard | None = None
    commands: int = 0


class EmulatedCard:
    """A simulated eMRTD chip built from its files (FID → bytes) and keys."""

    def __init__(self, files: dict[int, bytes], keys: CardKeys, faults: CardFaults | None = None,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        self.faults = faults or CardFaults()
        self.files = dict(files)
        if "bac-only" in self.faults:
            self.files.pop(lds.FID_CARD_ACCESS, None)
        if "no-com" in self.faults:
            self.files.pop(lds.FID_COM, None)
        for number in (14, 15):
            if f"hide-dg{number}" in self.faults:
                self.files.pop(lds.dg_fid(number), None)
        self.keys = keys
        self._rng = rng
        self.removed = False
        self.atr = build_atr("no-extended" not in self.faults)
        self._passwords = self._card_passwords()
        self._suites = self._pace_suites()
        self._ca_cipher, self._ca_bits = self._chip_auth_suite()
        self.state = _State()

    def _card_passwords(self) -> dict[str, str]:
        passwords = {}
        if self.keys.can:
            passwords["can"] = self.keys.can
        if self.keys.mrz_information:
            passwords["mrz"] = self.keys.mrz_information
        if "wrong-key" in self.faults:
            passwords = {k: v[:-1] + ("0" if v[-1] != "0" else "1") for k, v in passwords.items()}
        return passwords

    def _pace_suites(self) -> list[PaceSuite]:
        raw = self.files.get(lds.FID_CARD_ACCESS)
        if raw is None:
            return []
        suites = []
        for info in parse_security_infos(raw).pace:
            try:
                suites.append(PaceSuite.from_info(info))
            except ChipError:
                continue
        return suites

    def _chip_auth_suite(self) -> tuple[CipherName, int]:
        raw = self.files.get(lds.dg_fid(14))
        if raw is None:
            return "aes", 128
        try:
            suite = ChipAuthSuite.from_dg14(parse_dg14(raw))
        except (ChipError, EmrtdError):
            return "aes", 128
        return suite.cipher, suite.key_bits

    def present_again(self) -> None:
        """Put a removed card back (the removal fault is used up)."""
        self.removed = False
        self.faults = dataclasses.replace(self.faults, removed_at=None)

    # Power and dispatch

    def power_on(self) -> bytes:
        if self.removed:
            raise CardRemovedError("the emulated card was removed")
        self.state = _State(commands=self.state.commands)
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        if self.removed:
            raise CardRemovedError("the emulated card was removed")
        self.state.commands += 1
        if self.faults.removed_at is not None and self.state.commands >= self.faults.removed_at:
            self.removed = True
            raise CardRemovedError("the emulated card left the field")
        response = self._faulty(self._dispatch(apdu))
        if self.faults.link is not None:
            time.sleep(self.faults.link.cost(len(apdu), len(response)))
        return response

    def _faulty(self, response: bytes) -> bytes:
        data, sw = response[:-2], response[-2:]
        if "truncated-response" in self.faults and len(data) >= 2:
            data = data[: len(data) // 2]
        if "malformed-response" in self.faults and len(data) >= 2:
            data = data[:1] + b"\xff" + data[2:]
        return data + sw

    def _dispatch(self, raw: bytes) -> bytes:
        st = self.state
        try:
            cmd, extended = CommandApdu.parse(raw)
        except ProtocolError:
            return join_response(b"", SW_WRONG_LENGTH)
        if extended and "no-extended" in self.faults:
            return join_response(b"", SW_WRONG_LENGTH)
        if cmd.cla & 0x0C == 0x0C:
            sm = st.sm
            if sm is None:
                return join_response(b"", SW_SM_MISSING)
            try:
                plain, _ = sm.unprotect_command(raw)
            except (SecureMessagingError, ProtocolError):
                self._drop_session()
                return join_response(b"", SW_SM_INCORRECT)
            data, sw = self._execute(plain, extended, protected=True)
            if "plain-errors" in self.faults and sw in (SW_FILE_NOT_FOUND, SW_SECURITY_NOT_SATISFIED):
                self._drop_session()
                return join_response(b"", sw)
            if "plain-missing" in self.faults and sw in (SW_FILE_NOT_FOUND, SW_SECURITY_NOT_SATISFIED):
                return join_response(b"", sw)  # the SSC counted the command, not this answer
            if "bare-over-read" in self.faults and sw == SW_END_OF_FILE:
                return join_response(data, sw)
            response = sm.protect_response(data, sw, odd_ins=bool(plain.ins & 1))
            if "corrupted-mac" in self.faults:
                response = response[:-3] + bytes([response[-3] ^ 0x01]) + response[-2:]
            if st.next_sm is not None:
                st.sm, st.next_sm = st.next_sm, None
            return response
        if st.sm is not None and cmd.ins not in (0xA4, 0xB0, 0x22, 0x86, 0x84):
            self._drop_session()
            return join_response(b"", SW_SM_MISSING)
        if st.sm is not None:
            self._drop_session()
        data, sw = self._execute(cmd, extended, protected=False)
        return join_response(data, sw)

    def _drop_session(self) -> None:
        st = self.state
        st.sm = st.next_sm = None
        st.ca = None

    def _execute(self, cmd: CommandApdu, extended: bool, *, protected: bool) -> tuple[bytes, int]:
        handlers = {
            0xA4: self._select, 0xB0: self._read_binary, 0xB1: self._read_binary, 0x84: self._get_challenge,
            0x82: self._mutual_authenticate, 0x22: self._manage_security_environment,
            0x86: self._general_authenticate, 0x88: self._internal_authenticate,
        }
        handler = handlers.get(cmd.ins)
        if handler is None:
            return b"", SW_INS_NOT_SUPPORTED
        try:
            return handler(cmd, extended, protected)
        except (ProtocolError, EmrtdError):
            return b"", SW_WRONG_DATA

    # File system

    def _readable(self, fid: int, protected: bool) -> int:
        if fid == FID_DG3 and fid in self.files:
            return SW_SECURITY_NOT_SATISFIED
        if fid not in self.files:
            return SW_FILE_NOT_FOUND
        if fid != lds.FID_CARD_ACCESS and not protected:
            return SW_SECURITY_NOT_SATISFIED
        return SW_OK

    def _select(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        st = self.state
        if cmd.p1 == 0x04:
            if cmd.data != AID:
                return b"", SW_FILE_NOT_FOUND
            st.app_selected, st.current = True, None
            return b"", SW_OK
        if cmd.p1 in (0x00, 0x02) and len(cmd.data) == 2:
            fid = int.from_bytes(cmd.data, "big")
            if fid not in (lds.FID_CARD_ACCESS,) and not st.app_selected:
                return b"", SW_FILE_NOT_FOUND
            sw = self._readable(fid, protected)
            if sw == SW_FILE_NOT_FOUND:
                return b"", sw
            st.current = fid
            return b"", SW_OK
        return b"", SW_WRONG_P1P2

    def _read_binary(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        st = self.state
        fid: int | None
        if cmd.ins == 0xB1:
            offset_do = tlv.decode(cmd.data, expected_tag=0x54)
            offset = int.from_bytes(offset_do.value, "big")
            fid = st.current if cmd.p1 == 0 and cmd.p2 == 0 else (cmd.p1 << 8) | cmd.p2
        elif cmd.p1 & 0x80:
            if "no-sfi" in self.faults:
                return b"", SW_FILE_NOT_FOUND
            ef = lds.file_for_sfi(cmd.p1 & 0x1F)
            fid, offset = (ef.fid if ef else None), cmd.p2
        else:
            fid, offset = st.current, ((cmd.p1 << 8) | cmd.p2) & 0x7FFF
        if fid is None:
            return b"", SW_CONDITIONS_NOT_SATISFIED
        if fid != lds.FID_CARD_ACCESS and not st.app_selected:
            return b"", SW_FILE_NOT_FOUND
        sw = self._readable(fid, protected)
        if sw != SW_OK:
            return b"", sw
        st.current = fid
        content = self.files[fid]
        le = cmd.le or 256
        wildcard = le in (256, 65536)
        limit = 65536 if extended else 256
        if protected and not extended:
            limit = SM_SHORT_MAX_READ
        if self.faults.max_read is not None and le > self.faults.max_read:
            if not extended and not wildcard:
                return b"", 0x6C00 | self.faults.max_read
            return b"", SW_WRONG_LENGTH
        if le > limit:
            if not wildcard:
                return b"", SW_WRONG_LENGTH
            le = limit
        if offset > len(content):
            return b"", SW_WRONG_P1P2
        chunk = content[offset:offset + le]
        if cmd.ins == 0xB1:
            chunk = tlv.encode(0x53, chunk)
        return chunk, SW_OK if wildcard or offset + le <= len(content) else SW_END_OF_FILE

    # Access control protocols

    def _get_challenge(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        if self.keys.mrz_information is None:
            return b"", SW_REFERENCE_NOT_FOUND
        self.state.bac = BacCard(self._passwords.get("mrz", ""), self._rng)
        return self.state.bac.get_challenge(), SW_OK

    def _mutual_authenticate(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        st = self.state
        if "pace-only" in self.faults:
            return b"", SW_REFERENCE_NOT_FOUND
        if st.bac is None:
            return b"", SW_CONDITIONS_NOT_SATISFIED
        try:
            data, st.sm = st.bac.mutual_authenticate(cmd.data)
        except AccessDeniedError:
            return b"", SW_SM_INCORRECT if "wrong-key-6988" in self.faults else SW_WRONG_KEY
        finally:
            st.bac = None
        return data, SW_OK

    def _manage_security_environment(self, cmd: CommandApdu, extended: bool,
                                     protected: bool) -> tuple[bytes, int]:
        st = self.state
        if (cmd.p1, cmd.p2) == (0xC1, 0xA4) and not protected:
            if not self._suites:
                return b"", SW_INS_NOT_SUPPORTED if "bac-only" in self.faults else SW_REFERENCE_NOT_FOUND
            st.pace = PaceCard(self._suites, self._passwords, self._rng)
            return b"", st.pace.set_at(cmd.data)
        if protected and self.keys.ca_private_key is not None:
            st.ca = ChipAuthCard(self.keys.ca_private_key, self._ca_cipher, self._ca_bits)
            if (cmd.p1, cmd.p2) == (0x41, 0xA4):
                return b"", st.ca.set_at(cmd.data)
            if (cmd.p1, cmd.p2) == (0x41, 0xA6):
                st.next_sm = st.ca.set_kat(cmd.data)
                return b"", SW_OK
        return b"", SW_REFERENCE_NOT_FOUND

    def _general_authenticate(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        st = self.state
        if protected:
            if st.ca is None:
                return b"", SW_CONDITIONS_NOT_SATISFIED
            data, st.next_sm = st.ca.general_authenticate(cmd.data)
            return data, SW_OK
        if st.pace is None:
            return b"", SW_CONDITIONS_NOT_SATISFIED
        data, sw, sm = st.pace.general_authenticate(cmd.data)
        if sm is not None:
            st.sm, st.pace = sm, None
            st.app_selected, st.current = False, None
        return data, sw

    def _internal_authenticate(self, cmd: CommandApdu, extended: bool, protected: bool) -> tuple[bytes, int]:
        if not protected or self.keys.aa_signer is None:
            return b"", SW_SECURITY_NOT_SATISFIED
        if len(cmd.data) != 8:
            return b"", SW_WRONG_DATA
        challenge = cmd.data
        if "aa-failure" in self.faults:
            challenge = bytes([challenge[0] ^ 0x01]) + challenge[1:]
        signature = self.keys.aa_signer(challenge)
        if len(signature) > SM_SHORT_MAX_READ and not extended and "no-extended" not in self.faults:
            return b"", SW_WRONG_LENGTH  # the protected answer does not fit a short response
        return signature, SW_OK


def mrz_information_from_lines(lines: list[str] | tuple[str, ...]) -> str:
    """MRZ_information (document number ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd) of TD1, TD2 or TD3 lines; ``MrzError``
    (an ``EmrtdError``) for lines that are no valid zone."""
    return parse_mrz_fields(lines).mrz_information


def emulated_card_from_record(record: dict[str, Any], pki: TestPki, mrz_lines: list[str], *,
                              faults: Iterable[str] = (), variant: str = "cccd-2021",
                              dg2_size: int = 20000, aa_private_key: Any = None,
                              **file_options: Any) -> EmulatedCard:
    """An emulated card for an identity record (identity-model JSON) signed by a test PKI.

    ``aa_private_key``: the Active Authentication key (default RSA-2048; an EC key gives ECDSA AA).
    ``file_options`` go to ``build_card_files`` (``pace``, ``chip_auth``, ``active_auth``, ``dg7``, ``sod_pss``).
    """
    from drivers.emrtd.active_auth import aa_sign
    from drivers.sim.card_files import build_card_files

    card_faults = CardFaults.parse(faults)
    data_faults = frozenset(card_faults.names & set(DATA_FAULTS))
    built = build_card_files(record, pki, mrz_lines=mrz_lines, variant=variant, dg2_size=dg2_size,
                             faults=data_faults, aa_private_key=aa_private_key, **file_options)
    aa_key = built.aa_private_key
    signer = None
    if aa_key is not None:
        def signer(challenge: bytes) -> bytes:
            return aa_sign(aa_key, challenge)

    keys = CardKeys(can=built.can, mrz_information=mrz_information_from_lines(mrz_lines),
                    aa_signer=signer, ca_private_key=built.ca_private_key)
    return EmulatedCard(built.files, keys, card_faults)
