"""The emulated CCCD in its own process, behind the real pcscd (vsmartcard's vpcd reader).

The simulated kiosk reaches this card exactly as it reaches a real one (pyscard → pcscd → reader driver), and the
card's own cryptography runs in another process, not next to the kiosk's UI thread. The parent drives it with one
JSON command per line on the child's standard input:

    {"prepare": N, "record": {...}, "mrz": [...], "dg2_size": BYTES}   build card N ahead of time (cached)
    {"prepare": N, ..., "profile": NAME}   card N as a card profile (drivers/sim/card_profiles.py), e.g. a passport
    {"prepare": N, ..., "faults": [...]}   with test faults (``EmulatedCard``: wrong-key, unknown-csca, removed-at=N…)
    {"insert": N}      put card N on the reader (connect it to vpcd)
    {"remove": true}   take it off (close the connection: pcscd sees the card leave)

Every exchange takes the time of the modelled contactless link (``LinkModel``), on top of the PC/SC stack's own.
The child answers nothing and exits when its standard input closes (the kiosk stopped or died).

    python -m drivers.sim.card_service --pki DIR --port 35963 --bit-rate 424000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from drivers.sim.link import LinkModel
from drivers.sim.vpcd import DEFAULT_PORT, VpcdCard
from drivers.transport import SimulatedCard

log = logging.getLogger(__name__)

SIMULATED_READER = "Virtual PCD 00 00"  # the vpcd reader answering on DEFAULT_PORT
REINSERT_GAP_S = 1.0  # at least two of pcscd's card-presence polls (400 ms apart)
READER_RELEASE_S = 3.0  # how long a new simulated world waits for the card of an emulator just stopped to leave


class LinkTimedCard:
    """A simulated card whose every response takes the link's time."""

    def __init__(self, card: SimulatedCard, link: LinkModel) -> None:
        self.card, self.link = card, link

    @property
    def atr(self) -> bytes:
        atr = getattr(self.card, "atr", None)
        return atr if isinstance(atr, bytes) else self.card.power_on()

    def power_on(self) -> bytes:
        return self.card.power_on()

    def process(self, apdu: bytes) -> bytes:
        response = self.card.process(apdu)
        time.sleep(self.link.cost(len(apdu), len(response)))
        return response


def put_back(card: object) -> None:
    """A card that left the field mid-read (its removal fault) placed on the reader again."""
    again = getattr(card, "present_again", None)
    if getattr(card, "removed", False) and callable(again):
        again()


class _Slot:
    """The card currently on the reader, served to vpcd by a thread until removed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._removed_at = 0.0

    def insert(self, card: SimulatedCard) -> None:
        self.remove()
        # pcscd must see the reader empty before the next card arrives (as with a person swapping cards):
        # a connection made right after the previous one closed can be taken by the driver without a card event.
        time.sleep(max(0.0, self._removed_at + REINSERT_GAP_S - time.monotonic()))
        stop = threading.Event()
        server = VpcdCard(card, port=self.port)
        self._stop, self._thread = stop, threading.Thread(target=server.serve, args=(stop,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        if self._stop is not None and self._thread is not None:
            self._stop.set()
            self._thread.join(5)
            self._removed_at = time.monotonic()
        self._stop = self._thread = None


def serve(commands: IO[str], pki_dir: Path, port: int, link: LinkModel) -> None:
    from drivers.emrtd.pki import make_test_pki
    from drivers.sim.card_profiles import BY_NAME, build_profile_card
    from drivers.sim.emulated_card import emulated_card_from_record

    pki = make_test_pki(pki_dir)
    cards: dict[int, dict[str, Any]] = {}
    built: dict[int, LinkTimedCard] = {}
    slot = _Slot(port)

    def card(n: int) -> LinkTimedCard:
        if n not in built:
            spec = cards[n]
            profile = BY_NAME.get(spec.get("profile") or "")
            if profile is not None:
                # Every card is signed by the service's own PKI (the kiosk's trust anchor): no RSA-PSS on its key.
                profile = dataclasses.replace(profile, sod_pss=False, dg2_size=spec["dg2_size"])
                emulated = build_profile_card(profile, spec["record"], spec["mrz"], pki,
                                              faults=tuple(spec.get("faults") or ()))
            else:
                emulated = emulated_card_from_record(spec["record"], pki, spec["mrz"], dg2_size=spec["dg2_size"],
                                                     faults=tuple(spec.get("faults") or ()))
            built[n] = LinkTimedCard(emulated, link)
        return built[n]

    for line in commands:
        try:
            command = json.loads(line)
            if "prepare" in command:
                cards[int(command["prepare"])] = command
                card(int(command["prepare"]))
            elif "insert" in command:
                inserted = card(int(command["insert"]))
                put_back(inserted.card)
                slot.insert(inserted)
            elif "remove" in command:
                slot.remove()
        except Exception as exc:  # a bad command must not take the simulated card down
            log.warning("card service command failed: %s", type(exc).__name__)
    slot.remove()


class CardService:
    """Parent side: starts the child and sends it commands. ``reader`` is the PC/SC reader name to read from."""

    reader = SIMULATED_READER

    def __init__(self, pki_dir: Path, *, bit_rate: int = 424_000, port: int = DEFAULT_PORT) -> None:
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "drivers.sim.card_service", "--pki", str(pki_dir), "--port", str(port),
             "--bit-rate", str(bit_rate)],
            stdin=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])

    def _send(self, command: dict[str, Any]) -> None:
        with self._lock:
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
            self._process.stdin.flush()

    def prepare(self, n: int, record: dict[str, Any], mrz: list[str], dg2_size: int,
                profile: str | None = None, faults: tuple[str, ...] = ()) -> None:
        """Build card ``n`` in the child; ``profile`` names a card profile (default: the emulated CCCD), ``faults``
        the emulated card's test faults."""
        self._send({"prepare": n, "record": record, "mrz": mrz, "dg2_size": dg2_size, "profile": profile,
                    "faults": list(faults)})

    def insert(self, n: int) -> None:
        self._send({"insert": n})

    def remove(self) -> None:
        self._send({"remove": True})

    def close(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def simulated_reader_free(wait: float = 0.0) -> bool:
    """pcscd runs with the vpcd reader and no card is on it (so another emulator is not using the slot), or the
    card on it leaves within ``wait`` seconds (an emulator that has just stopped: pcscd sees its card leave at its
    next presence poll, 400 ms apart, later on a busy machine)."""
    try:
        from drivers.pcsc import PcscTransport

        return PcscTransport(SIMULATED_READER).wait_for_removal(wait)
    except Exception as exc:  # no pcscd, no vpcd driver, no pyscard: no simulated reader
        log.info("the simulated reader is not available: %s", type(exc).__name__)
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pki", type=Path, required=True)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--bit-rate", type=int, default=424_000)
    args = parser.parse_args()
    serve(sys.stdin, args.pki, args.port, LinkModel(args.bit_rate))


if __name__ == "__main__":
    main()
