"""PC/SC transport through pyscard: reader selection by name, waiting for a card, reconnecting, removal.

pyscard errors are turned into the typed transport errors (``NoReaderError``, ``NoCardError``,
``CardRemovedError``); nothing from pyscard leaks to callers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from smartcard import scard
from smartcard.CardConnection import CardConnection
from smartcard.Exceptions import CardConnectionException, NoCardException, SmartcardException
from smartcard.System import readers as list_readers

from drivers.transport import CardRemovedError, NoCardError, NoReaderError

log = logging.getLogger(__name__)

_POLL_S = 0.1


def reader_names() -> list[str]:
    try:
        return [str(r) for r in list_readers()]
    except SmartcardException as exc:
        raise NoReaderError("the PC/SC service is not available") from exc


class PcscTransport:
    """One PC/SC reader, chosen by a substring of its name (default: the first reader)."""

    def __init__(self, reader: str | None = None) -> None:
        self.reader_filter = reader
        self._connection: Any = None
        self._atr = b""

    def _reader(self) -> Any:
        try:
            available = list_readers()
        except SmartcardException as exc:
            raise NoReaderError("the PC/SC service is not available") from exc
        for r in available:
            if self.reader_filter is None or self.reader_filter.lower() in str(r).lower():
                return r
        raise NoReaderError("no smart card reader matches" if self.reader_filter else "no smart card reader")

    @property
    def atr(self) -> bytes:
        return self._atr

    def _state(self) -> int:
        name = str(self._reader())
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise NoReaderError("the PC/SC service is not available")
        try:
            hresult, states = scard.SCardGetStatusChange(context, 0, [(name, scard.SCARD_STATE_UNAWARE)])
            if hresult != scard.SCARD_S_SUCCESS or not states:
                raise NoReaderError("the reader cannot be queried")
            return int(states[0][1])
        finally:
            scard.SCardReleaseContext(context)

    def card_present(self) -> bool:
        return bool(self._state() & scard.SCARD_STATE_PRESENT)

    def _wait(self, present: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.card_present() == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_S)

    def wait_for_card(self, timeout: float) -> bool:
        return self._wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self._wait(False, timeout)

    def connect(self) -> None:
        """Connect to the card in the reader (reconnecting if a connection was open)."""
        self.disconnect()
        connection = self._reader().createConnection()
        try:
            connection.connect(CardConnection.T1_protocol | CardConnection.T0_protocol)
            atr = bytes(connection.getATR())  # fails too when the card is reset or lifted right then
        except NoCardException as exc:
            raise NoCardError("no card in the reader") from exc
        except CardConnectionException as exc:
            raise NoCardError("the card could not be powered") from exc
        self._connection = connection
        self._atr = atr

    def disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.disconnect()
            except SmartcardException:
                log.debug("disconnect failed; the card is probably gone")

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self._connection is None:
            raise CardRemovedError("not connected to a card")
        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except SmartcardException as exc:
            self._connection = None
            raise CardRemovedError("the card left the reader") from exc
        return bytes(data), (sw1 << 8) | sw2
