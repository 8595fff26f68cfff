"""Synthetic CCCD card images and camera frames built from the sample citizens (tests, benchmark, demos)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drivers.sim.card_image import DEGRADATIONS, CardImage, Frame, card_frame, render_card
from drivers.sim.realistic_frames import CATEGORIES, realistic_frame
from kiosk.identity import Identity
from kiosk.mrz import format_td1
from kiosk.qr_payload import MIN_FIELDS_2024, format_qr_payload
from kiosk.samples import sample_identity

CARD_TITLES = {"can-cuoc-2024": "CĂN CƯỚC"}


def card_fields(identity: Identity) -> list[tuple[str, str]]:
    """The (label, value) lines printed on the card front."""
    dob = identity.date_of_birth.strftime("%d/%m/%Y") if identity.date_of_birth else ""
    return [
        ("Số định danh cá nhân / Personal ID", identity.id_number or ""),
        ("Họ và tên / Full name", (identity.full_name or "").upper()),
        ("Ngày sinh / Date of birth", dob),
        ("Giới tính / Sex", {"M": "Nam", "F": "Nữ"}.get(identity.sex or "", "")),
        ("Quốc tịch / Nationality", identity.nationality or "Việt Nam"),
        ("Nơi thường trú / Place of residence", identity.residence or ""),
    ]


def sample_card(n: int) -> CardImage:
    """The card of synthetic citizen ``n``, with the QR payload its card type carries."""
    identity = sample_identity(n)
    fields = MIN_FIELDS_2024 + 1 if identity.card_type == "can-cuoc-2024" else 7
    payload = format_qr_payload(identity, fields=fields)
    return render_card(payload, card_fields(identity), title=CARD_TITLES.get(identity.card_type, "CĂN CƯỚC CÔNG DÂN"))


class SampleCitizens:
    """``drivers.sim.world.Citizens``: the synthetic sample citizens, numbered from 1."""

    def card(self, n: int) -> CardImage:
        return sample_card(n)

    def chip(self, n: int) -> tuple[dict[str, Any], list[str]]:
        identity = sample_identity(n)
        return identity.to_dict(), format_td1(identity)


def sample_frames(count: int, *, size: tuple[int, int] = (1280, 720), seed: int = 0,
                  cards: int = 16) -> Iterator[Frame]:
    """``count`` degraded frames cycling through every degradation and ``cards`` sample citizens."""
    rendered = [sample_card(seed + k) for k in range(min(cards, count))]
    for i in range(count):
        yield card_frame(rendered[i % len(rendered)], degradation=DEGRADATIONS[i % len(DEGRADATIONS)],
                         seed=seed * 100_003 + i, size=size)


SPLITS = {"dev": (0, 0), "held-out": (1000, 1_000_000)}  # first citizen, first seed


def realistic_sample_frames(per_category: int, *, split: str = "dev", size: tuple[int, int] = (1280, 720),
                            categories: tuple[str, ...] = CATEGORIES, cards: int = 16) -> Iterator[Frame]:
    """The QR dev set (``split="dev"``) or its held-out twin: ``per_category`` frames of every category of
    ``drivers.sim.realistic_frames``, other citizens and seeds in each split."""
    first_citizen, first_seed = SPLITS[split]
    rendered = [sample_card(first_citizen + k) for k in range(cards)]
    for c, category in enumerate(categories):
        for i in range(per_category):
            yield realistic_frame(rendered[(c + i) % cards], category, seed=first_seed + 1009 * c + 7 * i, size=size)
