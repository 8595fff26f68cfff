"""Reading an eMRTD (CCCD or passport) end to end: access control, files, document authentication.

Order: EF.CardAccess; PACE with each key in turn (CAN, then MRZ keys), BAC with MRZ keys when PACE is not
offered or fails; EF.COM, EF.SOD, DG1, DG11 and DG13 (when listed), whose hashes are checked before the
``text-ready`` event; then DG12 and DG7 when listed, DG14, DG15, Active Authentication, Chip Authentication, and
DG2 (the face) last. The list is EF.COM's, or EF.SOD's on a card without EF.COM (LDS 1.8).

How the card wants its files read (SFI or SELECT, block size, reads past the end) is learned by
``ReadStrategy`` and kept for the card. A bare status word in answer to a protected command is the status it
says; the session is re-established only when the next protected exchange fails.

Absent (``6A82``) and protected (``6982``) files are recorded, not fatal. Events go to ``on_event`` (called in
the reading thread); setting ``cancel`` stops the read before the next command with ``ReadCancelledError``.
No personal data is logged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from drivers.emrtd import lds
from drivers.emrtd.active_auth import verify_active
from drivers.emrtd.apdu import (
    SW_CONDITIONS_NOT_SATISFIED,
    SW_FILE_NOT_FOUND,
    SW_OK,
    SW_SECURITY_NOT_SATISFIED,
    SW_SM_INCORRECT,
    SW_SM_MISSING,
    SW_WRONG_LENGTH,
    CommandApdu,
    join_response,
)
from drivers.emrtd.bac import bac_authenticate
from drivers.emrtd.card_access import SecurityInfos, parse_security_infos
from drivers.emrtd.chip_auth import ChipAuthSuite, chip_authenticate
from drivers.emrtd.chip_errors import (
    AccessDeniedError,
    ChipError,
    ProtocolError,
    ReadCancelledError,
    SecureMessagingError,
    StatusWordError,
    UnsupportedDocumentError,
)
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.dg15 import parse_dg15
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.lds_files import LdsFiles, parse_lds_files
from drivers.emrtd.pace import PaceSuite, pace_authenticate
from drivers.emrtd.passive_auth import verify_passive
from drivers.emrtd.read_strategy import FileError, ReadStrategy, extended_length_offered
from drivers.emrtd.sm import PlainStatusError, SecureMessaging
from drivers.emrtd.sod import parse_sod
from drivers.transport import CardTransport

log = logging.getLogger(__name__)

KeyKind = Literal["can", "mrz"]
TEXT_GROUPS = (1, 11, 13)  # MRZ, passport additional personal details, Vietnamese data
_MAX_REAUTH = 3
_SM_LOST = frozenset({SW_SM_MISSING, SW_SM_INCORRECT})  # the card no longer has the session
_SM_REFUSED = frozenset({SW_SECURITY_NOT_SATISFIED, SW_CONDITIONS_NOT_SATISFIED})


@dataclass(frozen=True)
class AccessKey:
    """An access key: ``can`` (6 digits) or ``mrz`` (MRZ_information: doc no ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd).

    ``source`` says where it came from (``"qr"``, ``"typed"``, ``"dg1"``, ``"derived"``) for the record.
    """

    kind: KeyKind
    value: str
    source: str = "typed"


@dataclass(frozen=True)
class ReadEvent:
    """``kind``: connected, access, file, file-missing, text-ready, active-auth, chip-auth, done."""

    kind: str
    file: str | None = None
    done: int = 0
    total: int | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadStats:
    commands: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    ms_total: float = 0.0
    ms_text_ready: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"commands": self.commands, "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
                "ms_total": round(self.ms_total, 1),
                "ms_text_ready": None if self.ms_text_ready is None else round(self.ms_text_ready, 1)}


@dataclass
class ChipReadResult:
    data_groups: dict[int, bytes] = field(default_factory=dict)
    sod: bytes | None = None
    card_access: bytes | None = None
    com_groups: tuple[int, ...] = ()
    com_read: bool = False
    missing: dict[str, str] = field(default_factory=dict)  # file name → "absent" | "protected" | "SW xxxx"
    access: str | None = None
    key_source: str | None = None
    verification: dict[str, Any] = field(default_factory=dict)
    stats: ReadStats = field(default_factory=ReadStats)

    @property
    def files(self) -> LdsFiles:
        """The data groups and EF.SOD read, as typed LDS files (each parses its own content)."""
        return parse_lds_files(self.data_groups, self.sod)


@dataclass
class ReadOptions:
    read_face: bool = True
    active_auth: bool = True
    chip_auth: bool = True
    extra_groups: tuple[int, ...] = ()  # e.g. (3,) to try DG3 as well
    strategy: ReadStrategy | None = None  # default: adaptive, from the ATR


class ChipReader:
    def __init__(self, transport: CardTransport, keys: list[AccessKey], *, trust: Any = None,
                 on_event: Callable[[ReadEvent], None] | None = None, cancel: threading.Event | None = None,
                 options: ReadOptions | None = None, clock: Callable[[], float] = time.perf_counter,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        if not keys:
            raise AccessDeniedError("no access key (CAN or MRZ) was given")
        self.transport = transport
        self.keys = keys
        self.trust = trust
        self.on_event = on_event
        self.cancel = cancel or threading.Event()
        self.options = options or ReadOptions()
        self.clock = clock
        self.rng = rng
        self.result = ChipReadResult()
        self._sm: SecureMessaging | None = None
        self._key: AccessKey | None = None
        self._pace: PaceSuite | None = None
        self._strategy = self.options.strategy
        self._reauth = 0
        self._ca_pending = False
        self._bare_before = False
        self._current: lds.ElementaryFile | None = None
        self._active_result: dict[str, Any] | None = None
        self._extended_offered = False
        self._t0 = 0.0

    # Low level

    def _emit(self, kind: str, **kwargs: Any) -> None:
        if self.on_event is not None:
            self.on_event(ReadEvent(kind, **kwargs))

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self.cancel.is_set():
            raise ReadCancelledError("read cancelled")
        data, sw = self.transport.transmit(apdu)
        stats = self.result.stats
        stats.commands += 1
        stats.bytes_out += len(apdu)
        stats.bytes_in += len(data) + 2
        return data, sw

    def _command(self, cmd: CommandApdu) -> tuple[bytes, int]:
        """Send a command, protected when a session is in force.

        A bare error status is the status it says (``PlainStatusError`` for the caller); only when a protected
        exchange then fails (``6987``/``6988``, or a second bare refusal in a row) is the session re-established
        and the command sent again.
        """
        sm = self._sm
        if sm is None:
            return self._transmit(cmd.encode())
        try:
            answer = sm.unprotect(join_response(*self._transmit(sm.protect(cmd))))
        except PlainStatusError as exc:
            lost = exc.sw in _SM_LOST or (self._bare_before and exc.sw in _SM_REFUSED)
            if not lost or self._ca_pending:
                self._bare_before = True
                raise
            self._reauthenticate()
            self._reselect_for(cmd)
            return self._command(cmd)
        self._bare_before = False
        return answer

    def _reselect_for(self, cmd: CommandApdu) -> None:
        """After a new session, a READ BINARY by offset needs its file selected again."""
        by_offset = cmd.ins == 0xB1 or (cmd.ins == 0xB0 and not cmd.p1 & 0x80)
        if by_offset and self._current is not None:
            self._command(CommandApdu(0x00, 0xA4, 0x02, 0x0C, self._current.fid.to_bytes(2, "big")))

    # Access control

    def _card_access(self) -> SecurityInfos | None:
        try:
            raw = self._read_plain_card_access()
        except FileError:
            return None
        if not raw:
            return None
        self.result.card_access = raw
        try:
            return parse_security_infos(raw)
        except EmrtdError as exc:
            raise ProtocolError("EF.CardAccess is malformed") from exc

    def _read_plain_card_access(self) -> bytes:
        assert self._strategy is not None
        return self._strategy.read(self._command, lds.CARD_ACCESS, protected=False)

    def _select_application(self) -> None:
        _, sw = self._command(CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1))
        if sw != SW_OK:
            raise UnsupportedDocumentError("the card has no ICAO 9303 application", sw=sw)

    def _pace_suites(self, infos: SecurityInfos | None) -> list[PaceSuite]:
        suites = []
        for info in infos.pace if infos else []:
            try:
                suites.append(PaceSuite.from_info(info))
            except ChipError:
                continue
        return suites

    def _authenticate(self, infos: SecurityInfos | None) -> None:
        suites = self._pace_suites(infos)
        denied: list[str] = []
        bac_tried = False
        for key in self.keys:
            pace_denied = False
            for suite in suites:
                try:
                    self._sm = None
                    self._sm = pace_authenticate(self._transmit, suite, key.kind, key.value, self.rng)
                    self._select_application()
                    self._granted("pace", key, suite)
                    return
                except AccessDeniedError:
                    denied.append(key.kind)
                    pace_denied = True
                    break
                except StatusWordError:
                    continue
            if key.kind == "mrz" and not pace_denied:
                try:
                    if not bac_tried:
                        self._select_application()
                    bac_tried = True
                    self._sm = None
                    self._sm = bac_authenticate(self._transmit, key.value, self.rng)
                    self._granted("bac", key, None)
                    return
                except AccessDeniedError:
                    denied.append(key.kind)
                except StatusWordError as exc:
                    log.info("BAC not available (%s)", exc.message)
        self._sm = None
        if denied:
            raise AccessDeniedError("the card refused every access key")
        if not suites and not any(k.kind == "mrz" for k in self.keys):
            raise AccessDeniedError("the card does not offer PACE, and BAC needs the MRZ key")
        raise UnsupportedDocumentError("the card supports neither PACE nor BAC with the keys given")

    def _granted(self, method: str, key: AccessKey, suite: PaceSuite | None) -> None:
        self._key, self._pace = key, suite
        self.result.access = method
        self.result.key_source = key.source
        self._emit("access", info={"method": method, "key": key.kind, "source": key.source})

    def _reauthenticate(self) -> None:
        """Re-establish secure messaging with the key that worked (after the card dropped it)."""
        self._reauth += 1
        if self._reauth > _MAX_REAUTH or self._key is None:
            raise ProtocolError("secure messaging lost repeatedly")
        self._sm = None
        if self._pace is not None:
            key = self._key
            self._sm = pace_authenticate(self._transmit, self._pace, key.kind, key.value, self.rng)
            self._select_application()
        else:
            self._select_application()
            self._sm = bac_authenticate(self._transmit, self._key.value, self.rng)

    # Files

    def _read_file(self, ef: lds.ElementaryFile) -> bytes | None:
        assert self._strategy is not None
        strategy = self._strategy

        def progress(done: int, total: int | None) -> None:
            self._emit("file", file=ef.name, done=done, total=total)

        self._current = ef
        try:
            return strategy.read(self._command, ef, progress)
        except FileError as exc:
            self._record_missing(ef.name, exc.sw)
            return None

    def _record_missing(self, name: str, sw: int | None) -> None:
        status = {SW_FILE_NOT_FOUND: "absent", SW_SECURITY_NOT_SATISFIED: "protected"}.get(sw or 0)
        self.result.missing[name] = status or f"SW {sw or 0:04X}"
        self._emit("file-missing", file=name, info={"status": self.result.missing[name]})

    def _read_dg(self, number: int) -> bytes | None:
        if number in self.result.data_groups or f"DG{number}" in self.result.missing:
            return self.result.data_groups.get(number)  # read before the card was removed
        data = self._read_file(lds.dg_file(number))
        if data is not None:
            self.result.data_groups[number] = data
        return data

    # Document authentication

    def _passive(self, groups: dict[int, bytes]) -> dict[str, Any]:
        if self.result.sod is None:
            return {"status": "not-available", "reason": "EF.SOD missing"}
        res = verify_passive(self.result.sod, groups, self.trust)
        return {"status": res.status, "reason": res.reason, **dict(res.details or {})}

    def _signed_groups(self) -> set[int]:
        """Data groups EF.SOD has hashes for: a chip that hides DG14/DG15 must not dodge CA/AA."""
        if self.result.sod is None:
            return set()
        try:
            return set(parse_sod(self.result.sod).data_group_hashes)
        except EmrtdError:
            return set()  # passive authentication reports the malformed SOD

    def _listed_groups(self) -> set[int]:
        """The data groups the card says it has: EF.COM's list, else (LDS 1.8, no EF.COM) EF.SOD's."""
        return set(self.result.com_groups) or self._signed_groups()

    def _active(self) -> dict[str, Any]:
        dg15 = self.result.data_groups.get(15)
        if dg15 is None and 15 in self._signed_groups():
            return {"status": "failed", "reason": "DG15 is signed in EF.SOD but could not be read"}
        if dg15 is None or not self.options.active_auth:
            return {"status": "not-available" if dg15 is None else "not-checked"}
        challenge = self.rng(8)
        lengths = self._aa_lengths(dg15)
        try:
            for le in lengths:
                signature, sw = self._command(CommandApdu(0x00, 0x88, 0x00, 0x00, challenge, le=le))
                if (sw == SW_OK and signature) or not (sw == SW_WRONG_LENGTH or (sw & 0xFF00) == 0x6C00):
                    break
        except PlainStatusError as exc:
            return {"status": "failed", "reason": f"card answered {exc.sw or 0:04X}"}
        if sw != SW_OK:
            return {"status": "failed", "reason": f"card answered {sw:04X}"}
        res = verify_active(dg15, challenge, signature, self.result.data_groups.get(14))
        return {"status": res.status, "reason": res.reason}

    def _aa_lengths(self, dg15: bytes) -> list[int]:
        """Le values to try for INTERNAL AUTHENTICATE: short first (some chips answer nothing to extended Le)
        unless the DG15 RSA key is too long for a protected short response (over 1848 bits)."""
        if not self._extended_offered:
            return [256]
        try:
            key = parse_dg15(dg15).public_key
        except EmrtdError:
            return [256, 65536]
        if isinstance(key, rsa.RSAPublicKey) and key.key_size > 1848:
            return [65536, 256]
        return [256, 65536]

    def _chip_authentication(self) -> dict[str, Any]:
        """Run CA; the result is provisional until the chip answers under the new keys (``_confirm_ca``)."""
        dg14 = self.result.data_groups.get(14)
        if dg14 is None and 14 in self._signed_groups():
            return {"status": "failed", "reason": "DG14 is signed in EF.SOD but could not be read"}
        if dg14 is None or not self.options.chip_auth or self._sm is None:
            return {"status": "not-available" if dg14 is None else "not-checked"}
        try:
            suite = ChipAuthSuite.from_dg14(parse_dg14(dg14))
        except (EmrtdError, UnsupportedDocumentError) as exc:
            return {"status": "not-supported", "reason": str(exc)}
        try:
            new_sm = chip_authenticate(self._sm, self._transmit, suite)
        except StatusWordError as exc:
            return {"status": "failed", "reason": exc.message}
        self._sm = new_sm
        self._ca_pending = True
        return {"status": "pending", "reason": None, "cipher": suite.cipher, "key_bits": suite.key_bits}

    def _confirm_ca(self, chip: dict[str, Any], face_read: bool) -> dict[str, Any]:
        """The chip proves its CA key by answering under the new session keys (DG2 read, else a SELECT)."""
        if chip.get("status") != "pending":
            return chip
        if not face_read:
            try:
                _, sw = self._command(CommandApdu(0x00, 0xA4, 0x02, 0x0C, lds.COM.fid.to_bytes(2, "big")))
            except SecureMessagingError:
                return {**chip, "status": "invalid", "reason": "the chip did not answer under the new keys"}
            if sw != SW_OK:
                return {**chip, "status": "failed", "reason": f"card answered {sw:04X} after chip authentication"}
        return {**chip, "status": "valid"}

    def _check_same_card(self) -> None:
        """On resuming, start again from scratch if another card was presented."""
        assert self._strategy is not None
        dg1 = self._strategy.read(self._command, lds.dg_file(1))
        if dg1 != self.result.data_groups.get(1):
            self._strategy.partial.clear()
            stats = self.result.stats
            self.result = ChipReadResult(access=self.result.access, key_source=self.result.key_source,
                                         card_access=self.result.card_access, stats=stats)
            self._active_result = None
            self._t0 = self.clock()
            self._emit("card-changed")
            self.result.data_groups[1] = dg1

    # The whole read

    def read(self) -> ChipReadResult:
        """Read the card; raises typed errors (``ChipError``, ``TransportError``) only for fatal outcomes.

        After ``CardRemovedError`` the same reader can ``read()`` again once the card is back: it
        re-authenticates, checks that DG1 is the same card's, and reads only the files still missing.
        """
        resuming = 1 in self.result.data_groups
        if not resuming:
            self._t0 = self.clock()
        self._sm, self._reauth, self._ca_pending, self._bare_before = None, 0, False, False
        self.transport.connect()
        self._extended_offered = extended_length_offered(self.transport.atr)
        if self._strategy is None:
            self._strategy = ReadStrategy.adaptive(self._extended_offered)
        self._emit("connected", info={"extended_length": self._strategy.extended, "resuming": resuming})
        if not resuming:
            self._strategy.partial.clear()
        self._authenticate(self._card_access())
        if resuming:
            self._check_same_card()
        res = self.result

        if not res.com_read:
            com = self._read_file(lds.COM)
            res.com_read = True
            if com is not None:
                try:
                    res.com_groups = lds.parse_ef_com(com).data_groups
                except EmrtdError as exc:
                    raise ProtocolError("EF.COM is malformed") from exc
        if res.sod is None and "EF.SOD" not in res.missing:
            res.sod = self._read_file(lds.SOD)
        listed = self._listed_groups()
        for number in TEXT_GROUPS:
            if number == 1 or not listed or number in listed:
                self._read_dg(number)
        if 1 not in res.data_groups:
            raise UnsupportedDocumentError("the chip has no readable DG1")
        text = {n: res.data_groups[n] for n in TEXT_GROUPS if n in res.data_groups}
        passive_text = self._passive(text)
        if res.stats.ms_text_ready is None:
            res.stats.ms_text_ready = (self.clock() - self._t0) * 1000
            self._emit("text-ready", info={"passive": passive_text, "groups": sorted(text)})

        later = [n for n in (12, 7) if n in listed] + [n for n in (14, 15) if not listed or n in listed]
        for number in (*later, *self.options.extra_groups):
            self._read_dg(number)
        active = self._active_result or self._active()
        self._active_result = active
        self._emit("active-auth", info=active)
        chip = self._chip_authentication()
        face = self.options.read_face and (not listed or 2 in listed)
        if face:
            try:
                self._read_dg(2)
            except SecureMessagingError:
                if chip.get("status") != "pending":
                    raise
                chip = {**chip, "status": "invalid", "reason": "the chip did not answer under the new keys"}
                face = True
        chip = self._confirm_ca(chip, face)
        self._ca_pending = False
        self._emit("chip-auth", info=chip)
        res.verification = {"access": res.access, "passive": self._passive(dict(res.data_groups)),
                            "active": active, "chip_authentication": chip}
        res.stats.ms_total = (self.clock() - self._t0) * 1000
        self._emit("done", info={"verification": res.verification})
        return res
