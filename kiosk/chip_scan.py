"""The chip half of a scan: wait for the card, read it with the key the scan provides, report progress, the text
identity as soon as DG1/DG13 are verified, the portrait last; device errors become messages a person can act on."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from typing import Any

from drivers.emrtd.chip_errors import AccessDeniedError, ChipError, ReadCancelledError, UnsupportedDocumentError
from drivers.emrtd.dg2 import parse_dg2
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.reader import ChipReader, ReadEvent
from drivers.transport import CardRemovedError, CardTransport, NoCardError, NoReaderError, TransportError
from kiosk.chip_identity import identity_from_chip
from kiosk.chip_keys import access_keys
from kiosk.errors import KioskError
from kiosk.scan import AccessKey, ChipEvent

log = logging.getLogger(__name__)

# Rough share of the whole read that is done when each stage ends (the face is most of the bytes).
_TEXT_READY = 0.45
_SETTLE_ATTEMPTS, _SETTLE_S = 3, 0.3
_FACE_START = 0.55


def wrong_key() -> KioskError:
    return KioskError("The chip did not open. Rescan the QR code or type the details printed on the card.",
                      code="chip-wrong-key",
                      message_vi="Không mở được chip. Vui lòng quét lại mã QR hoặc nhập thông tin in trên thẻ.")


def card_removed() -> KioskError:
    return KioskError("The card was lifted. Please place it on the reader again.", code="chip-card-removed",
                      message_vi="Thẻ vừa bị nhấc ra — vui lòng đặt lại")


def unstable() -> KioskError:
    return KioskError("Keep the card still on the reader.", code="chip-unstable",
                      message_vi="Giữ yên thẻ trên đầu đọc")


def no_reader() -> KioskError:
    return KioskError("No chip reader is connected. Please use the QR code.", code="chip-no-reader",
                      message_vi="Không có đầu đọc chip. Vui lòng dùng mã QR.")


def unsupported() -> KioskError:
    return KioskError("This card's chip cannot be read. Please use the QR code.", code="chip-unsupported",
                      message_vi="Không đọc được chip của thẻ này. Vui lòng dùng mã QR.")


def json_safe(value: Any) -> Any:
    """Verification results as JSON allows them (text keys), as the outbox and the intake require."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class ChipScan:
    """``ChipReading`` over a card transport (PC/SC or simulated) with an optional trust store."""

    def __init__(self, transport: Callable[[], CardTransport], *, trust: Any = None,
                 poll_seconds: float = 0.25) -> None:
        self._transport = transport
        self._trust = trust
        self._poll = poll_seconds

    def __call__(self, key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None:
        try:
            transport = self._transport()
            bac = ((key.document_number, key.date_of_birth, key.date_of_expiry)
                   if key.document_number and key.date_of_birth and key.date_of_expiry else None)
            keys = access_keys(can=key.can, bac=bac, qr_identity=key.qr_identity)
            for attempt in range(_SETTLE_ATTEMPTS):
                while not transport.wait_for_card(self._poll):
                    if cancel.is_set():
                        return
                try:
                    self._read(transport, keys, emit, cancel)
                    return
                except NoCardError:
                    # A card being placed is seen before it can be powered: give it a moment, then try again.
                    if attempt == _SETTLE_ATTEMPTS - 1:
                        raise
                    if cancel.wait(_SETTLE_S):
                        return
        except ReadCancelledError:
            return
        except AccessDeniedError:
            raise wrong_key() from None
        except CardRemovedError:
            raise card_removed() from None
        except NoReaderError:
            raise no_reader() from None
        except NoCardError:
            raise card_removed() from None
        except UnsupportedDocumentError:
            raise unsupported() from None
        except (ChipError, TransportError, EmrtdError) as exc:
            log.info("chip read failed: %s", getattr(exc, "code", type(exc).__name__))
            raise unstable() from None

    def _read(self, transport: CardTransport, keys: list[Any], emit: Callable[[ChipEvent], None],
              cancel: threading.Event) -> None:
        reader: ChipReader | None = None
        state = {"text": False}

        def on_event(event: ReadEvent) -> None:
            assert reader is not None
            if event.kind == "file" and event.total:
                fraction = min(1.0, event.done / event.total)
                if event.file == "DG2":
                    emit(ChipEvent("progress", _FACE_START + (1 - _FACE_START) * fraction * 0.98))
                elif not state["text"]:
                    emit(ChipEvent("progress", 0.1 + 0.3 * fraction))
            elif event.kind == "access":
                emit(ChipEvent("progress", 0.1))
            elif event.kind == "text-ready":
                state["text"] = True
                read = reader.result.data_groups
                groups: dict[int, bytes] = {n: read[n] for n in (1, 13) if n in read}
                verification = json_safe({"access": reader.result.access, "passive": event.info.get("passive", {})})
                emit(ChipEvent("text", _TEXT_READY, identity=identity_from_chip(groups, verification)))

        reader = ChipReader(transport, keys, trust=self._trust, on_event=on_event, cancel=cancel)
        result = reader.read()
        dg2 = result.data_groups.get(2)
        if dg2 is not None:
            try:
                png = io.BytesIO()
                parse_dg2(dg2).face.to_pil().save(png, format="PNG")
                emit(ChipEvent("portrait", 1.0, portrait=png.getvalue()))
            except (EmrtdError, OSError, ValueError):
                log.info("the chip portrait could not be decoded")
        emit(ChipEvent("text", 1.0, identity=identity_from_chip(result.data_groups, json_safe(result.verification))))
        emit(ChipEvent("done", 1.0))
