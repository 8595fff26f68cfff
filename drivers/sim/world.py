"""The simulated world in front of a simulated kiosk: the person, which sample card is under the camera (a clip of
the card sliding in, played at the camera's frame rate) and which is on the reader (an emulated chip behind the real
pcscd when its simulated reader is free, else in this process behind a timed contactless link).

A foreign guest's passport is a document prepared with ``prepare_document``: camera frames of its photo page
(``page_clip``, from ``drivers.sim.mrz_page``) and a chip of a card profile (``drivers.sim.card_profiles``, with
test faults such as ``wrong-key`` or ``unknown-csca``); ``present`` then shows it like a sample card.

The sample citizens come from the caller (``Citizens``): drivers know nothing of the kiosk's identities.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from drivers.emrtd.pki import TrustStore, make_test_pki
from drivers.pcsc import PcscTransport
from drivers.sim.card_image import CardImage
from drivers.sim.card_profiles import BY_NAME, build_profile_card
from drivers.sim.card_service import READER_RELEASE_S, CardService, put_back, simulated_reader_free
from drivers.sim.emulated_card import emulated_card_from_record
from drivers.sim.link import LinkModel, TimedTransport
from drivers.sim.mrz_page import Document, page_frame
from drivers.sim.presentation import EMPTY_FRAMES
from drivers.sim.virtual_camera import VirtualCamera
from drivers.transport import CardTransport, InProcessTransport

SIM_FRAME_SIZE = (960, 540)
SIM_FPS = 15.0
REALISTIC_HELD_FRAMES = 24


class Citizens(Protocol):
    """The simulated people: citizen ``n``'s printed card (for the camera) and chip contents."""

    def card(self, n: int) -> CardImage: ...

    def chip(self, n: int) -> tuple[dict[str, Any], list[str]]:
        """The chip's identity record (``Identity.to_dict()`` form) and the card's MRZ lines."""
        ...


class SimulatedWorld:
    """The person in front of the simulated kiosk: which sample card is under the camera and on the reader.

    ``present(n)`` pre-renders the clip of card ``n`` sliding under the camera (the simulation's cost, before
    the card "appears"), starts playing it and, with ``chip``, puts the emulated card on the reader.
    ``card_shown_at`` is when the first frame showing the card is due.
    """

    def __init__(self, state_dir: Path, citizens: Citizens, *, bit_rate: int = 424_000, fps: float = SIM_FPS,
                 dg2_size: int = 20_000, behind_pcscd: bool | None = None, realistic: bool = False) -> None:
        self.citizens = citizens
        self.realistic = realistic  # realistic presentations (glare, defocus, phone screens...) for the camera
        pki_dir = state_dir / "sim-pki"
        self.pki = make_test_pki(pki_dir)
        self.trust = TrustStore.from_directory(pki_dir)
        self.reader = InProcessTransport()
        # The emulated card sits behind the real pcscd, in its own process, when the simulated reader is free;
        # otherwise in this process behind a timed link.
        if behind_pcscd is None:
            behind_pcscd = simulated_reader_free(READER_RELEASE_S)
        self.service: CardService | None = CardService(pki_dir, bit_rate=bit_rate) if behind_pcscd else None
        if self.service is not None:
            self.link: CardTransport = PcscTransport(self.service.reader)
        else:
            self.link = TimedTransport(self.reader, LinkModel(bit_rate), sleep=True)
        self._served: set[int] = set()
        self._bit_rate = bit_rate
        self.fps = fps
        self.dg2_size = dg2_size
        self._clips: dict[int, list[np.ndarray]] = {}
        self._cards: dict[int, Any] = {}
        self._documents: dict[int, dict[str, Any]] = {}  # chips of prepared documents (profile, faults, holder)
        self._empty: np.ndarray | None = None
        self._lock = threading.Lock()
        self.clip: list[np.ndarray] | None = None
        self.clip_started = 0.0
        self.card_shown_at: float | None = None
        self.empty_frames, self.slide_frames, self.held_frames = 2, 3, 6

    def _camera(self, card: Any, n: int = 0) -> VirtualCamera:
        if self.realistic and card is not None:
            return VirtualCamera.presenting(card, n, size=SIM_FRAME_SIZE, held_frames=REALISTIC_HELD_FRAMES)
        return VirtualCamera(card, size=SIM_FRAME_SIZE, empty_frames=self.empty_frames,
                             slide_frames=self.slide_frames, held_frames=self.held_frames)

    def empty_frame(self) -> np.ndarray:
        if self._empty is None:
            self._empty = self._camera(None).frame(0).image
        return self._empty

    def prepare(self, n: int, *, chip: bool = False) -> None:
        """Render card ``n``'s clip ahead of time and, with ``chip``, build its emulated chip (both cached)."""
        if n not in self._clips:
            camera = self._camera(self.citizens.card(n), n)
            self._clips[n] = [camera.frame(i).image for i in range(camera.clip_length)]
        if chip:
            self._chip(n)

    def prepare_document(self, n: int, frames: list[np.ndarray], record: dict[str, Any], mrz: list[str], *,
                         profile: str, faults: tuple[str, ...] = ()) -> None:
        """Document ``n`` (a passport): ``frames`` of its page under the camera (looped once shown) and a chip of
        card profile ``profile`` holding ``record`` and ``mrz``, with test ``faults``; built now, shown by
        ``present(n)``."""
        if len(frames) <= self.slide_frames:
            raise ValueError(f"a document clip needs more than {self.slide_frames} frames")
        self._clips[n] = [self.empty_frame()] * self.empty_frames + list(frames)
        self._documents[n] = {"record": record, "mrz": mrz, "profile": profile, "faults": faults}
        self._served.discard(n)
        self._cards.pop(n, None)
        self._chip(n)

    def _chip(self, n: int) -> Any:
        document = self._documents.get(n)
        if self.service is not None:
            if n not in self._served:
                if document is not None:
                    self.service.prepare(n, document["record"], document["mrz"], self.dg2_size,
                                         profile=document["profile"], faults=document["faults"])
                else:
                    record, mrz = self.citizens.chip(n)
                    self.service.prepare(n, record, mrz, self.dg2_size)
                self._served.add(n)
            return n
        if n not in self._cards:
            if document is not None:
                # Signed by the world's own PKI (the kiosk's trust anchor), as the card service does.
                profile = dataclasses.replace(BY_NAME[document["profile"]], sod_pss=False, dg2_size=self.dg2_size)
                self._cards[n] = build_profile_card(profile, document["record"], document["mrz"], self.pki,
                                                    faults=document["faults"])
            else:
                record, mrz = self.citizens.chip(n)
                self._cards[n] = emulated_card_from_record(record, self.pki, mrz, dg2_size=self.dg2_size)
        return self._cards[n]

    def use_card(self, n: int, card: Any) -> None:
        """Put ``card`` (built in this process) on the reader when card ``n`` is presented: an unusual chip for the
        same sample card. The world then keeps its cards in this process, behind the timed link."""
        if self.service is not None:
            self.service.close()
            self.service = None
            self.link = TimedTransport(self.reader, LinkModel(self._bit_rate), sleep=True)
        self._cards[n] = card

    def present(self, n: int, *, qr: bool = True, chip: bool = True) -> None:
        if qr:
            self.prepare(n)
        if chip:
            card = self._chip(n)
        with self._lock:
            now = time.monotonic()
            if qr:
                self.clip, self.clip_started = self._clips[n], now
                empty = EMPTY_FRAMES if self.realistic else self.empty_frames
                self.card_shown_at = now + empty / self.fps
            if chip:
                if self.service is not None:
                    self.service.insert(card)
                else:
                    put_back(card)
                    self.reader.insert(card)
                if not qr:
                    self.card_shown_at = now

    def take_away(self) -> None:
        with self._lock:
            self.clip, self.card_shown_at = None, None
            if self.service is not None:
                self.service.remove()
            else:
                self.reader.remove()

    def close(self) -> None:
        if self.service is not None:
            self.service.close()

    def frame(self) -> np.ndarray:
        with self._lock:
            clip, started = self.clip, self.clip_started
        if clip is None:
            return self.empty_frame()
        index = int((time.monotonic() - started) * self.fps)
        if index >= len(clip):  # the card stays under the camera: loop over the held frames
            held = REALISTIC_HELD_FRAMES if self.realistic else self.held_frames
            index = len(clip) - held + (index - len(clip)) % held
        return clip[index]


def page_clip(document: Document, *, frames: int = 8, seed: int = 0) -> list[np.ndarray]:
    """Camera frames of a document's page held under the simulated camera (the hand moving it a little between
    frames, a mild camera's blur, noise and JPEG): for ``SimulatedWorld.prepare_document``."""
    return [page_frame(document, seed=seed + i, size=SIM_FRAME_SIZE).image for i in range(frames)]


class SimulatedCamera:
    """``kiosk.scan.FrameSource`` of the simulated world, paced at the world's frame rate."""

    def __init__(self, world: SimulatedWorld) -> None:
        self.world = world
        self._next = 0.0

    def read(self) -> np.ndarray:
        wait = self._next - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next = time.monotonic() + 1 / self.world.fps
        return self.world.frame()

    def close(self) -> None:
        pass
