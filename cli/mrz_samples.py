"""Synthetic travel documents with valid MRZs, and camera frames of them (tests, benchmark, demos)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from drivers.sim.mrz_page import ALNUM, DEGRADATIONS, KINDS, Document, PageFrame, page_frame
from kiosk.identity import Identity, Sex
from kiosk.mrz import check_digit, format_mrv, format_td1, format_td3

_SURNAMES = (
    "SMITH", "MUELLER", "GARCIA", "ROSSI", "DUBOIS", "KOWALSKI", "NGUYEN", "TRAN", "LE", "PHAM", "KIM", "PARK",
    "TANAKA", "SATO", "WANG", "ZHANG", "LI", "CHEN", "IVANOV", "PETROVA", "JOHANSSON", "VAN DER BERG",
    "O BRIEN", "MACDONALD", "FERNANDES DA SILVA", "OKONKWO", "AL HASHIMI", "SCHWARZENEGGER", "BJORKLUND",
    "QUISPE", "XU", "ZYGMUNT", "DE LA CRUZ", "HOANG", "VO", "DUONG", "ABDULRAHMAN", "WOJCIECHOWSKA", "YILMAZ",
    "SUZUKI", "JOHNSON", "WILLIAMS", "OYELARAN", "PAPADOPOULOS", "NOVAK", "HORVATH", "KUZNETSOV", "ERIKSSON",
)
_GIVEN = (
    "ANNA", "MARIA", "JOHN", "MICHAEL", "ZOE", "QUENTIN", "XAVIER", "YUKI", "HIROSHI", "MIN JUN", "SEO YEON",
    "WEI", "XIAO MING", "OLGA", "DMITRI", "PIERRE", "JEAN BAPTISTE", "LUCIA", "GIOVANNI", "KWAME", "CHIDI",
    "FATIMA", "MOHAMMED", "AYSE", "MEHMET", "SVEN", "INGRID", "BJORN", "VAN AN", "THI BICH NGOC", "MINH QUAN",
    "DUC", "OSCAR", "ZBIGNIEW", "KRZYSZTOF", "ELIZABETH ALEXANDRA", "JOSE", "MARIA DEL CARMEN", "PAVEL", "IGOR",
)
_STATES = (
    "USA", "GBR", "FRA", "DEU", "D", "ITA", "ESP", "NLD", "POL", "SWE", "NOR", "FIN", "RUS", "UKR", "CHN", "JPN",
    "KOR", "THA", "LAO", "KHM", "SGP", "MYS", "IDN", "PHL", "AUS", "NZL", "CAN", "BRA", "ARG", "ZAF", "NGA",
    "EGY", "TUR", "IND", "BGD", "PAK", "ARE", "SAU", "ISR", "CHE", "AUT", "BEL", "IRL", "PRT", "GRC", "CZE",
    "HUN", "UTO", "XXA", "UNO", "VNM",
)

def _document_number(rng: np.random.Generator) -> str:
    length = int(rng.integers(6, 10))
    head = "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ"), int(rng.integers(0, 3))))
    return (head + "".join(rng.choice(list(ALNUM), length - len(head))))[:9]


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(0, len(items)))]


def _name(rng: np.random.Generator) -> tuple[str, str]:
    surname = _pick(rng, _SURNAMES)
    given = " ".join(_pick(rng, _GIVEN) for _ in range(int(rng.integers(1, 3))))
    return surname, given


def random_document(rng: np.random.Generator, kind: str) -> Document:
    """A document of ``kind`` (one of ``KINDS``) with random holder data and valid check digits."""
    surname, given = _name(rng)
    birth = date(1940, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 66)))
    expiry = date(2026, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 10)))
    sex: Sex | None = ("M", "F", None)[int(rng.choice(3, p=[0.48, 0.48, 0.04]))]
    state = _pick(rng, _STATES)
    nationality = state if rng.random() < 0.85 else _pick(rng, _STATES)
    if kind == "cccd":
        state = nationality = "VNM"
        surname, given = _pick(rng, ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU", "DANG", "BUI")), \
            " ".join(_pick(rng, (*_GIVEN[28:32], "VAN", "THI", "HUU", "XUAN")) for _ in range(2))
        id_number = "0" + "".join(str(d) for d in rng.integers(0, 10, 11))
        no_expiry = rng.random() < 0.1
        identity = Identity(id_number=id_number, full_name=f"{surname} {given}", date_of_birth=birth,
                            sex=sex or "M", nationality="VNM", expiry_date=None if no_expiry else expiry,
                            no_expiry=no_expiry)
        lines = format_td1(identity)
        return Document(kind, tuple(lines), surname, given, state, birth, None if no_expiry else expiry)
    number = _document_number(rng)
    if kind == "td1":
        code = _pick(rng, ("I<", "ID", "AC", "IR"))
        optional = "".join(rng.choice(list(ALNUM + "<<<<"), int(rng.integers(0, 15))))
        num = (number + "<" * 9)[:9]
        line1 = code + state + num + check_digit(num) + (optional + "<" * 15)[:15]
        b, e = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
        opt2 = ("".join(rng.choice(list(ALNUM), int(rng.integers(0, 11)))) + "<" * 11)[:11]
        head = b + check_digit(b) + (sex or "<") + e + check_digit(e) + (nationality + "<<")[:3] + opt2
        composite = check_digit(line1[5:30] + head[0:7] + head[8:15] + head[18:29])
        zone = (surname + "<<" + given).replace(" ", "<")
        lines = [line1, head + composite, (zone + "<" * 30)[:30]]
    elif kind == "td3":
        optional = "".join(rng.choice(list(ALNUM), int(rng.integers(0, 15)))) if rng.random() < 0.5 else ""
        lines = format_td3(document_number=number, state=state, nationality=nationality,
                           full_name=f"{surname} {given}", birth=birth, sex=sex, expiry=expiry, optional=optional)
    else:
        width = 44 if kind == "mrv-a" else 36
        optional = "".join(rng.choice(list(ALNUM + "<"), int(rng.integers(0, 9)))) if rng.random() < 0.5 else ""
        lines = format_mrv(document_number=number, state=state, nationality=nationality,
                           full_name=f"{surname} {given}", birth=birth, sex=sex, expiry=expiry, optional=optional,
                           width=width)
    return Document(kind, tuple(lines), surname, given, state, birth, expiry)


def sample_frames(count: int, *, seed: int = 0, sizes: Sequence[tuple[int, int]] = ((1280, 720), (1920, 1080)),
                  kinds: Sequence[str] = KINDS, degradations: Sequence[str] = DEGRADATIONS) -> list[PageFrame]:
    """``count`` frames cycling through kinds, degradations and sizes; frame ``i`` depends only on ``seed + i``."""
    return [sample_frame(i, seed=seed, sizes=sizes, kinds=kinds, degradations=degradations) for i in range(count)]


def sample_frame(i: int, *, seed: int = 0, sizes: Sequence[tuple[int, int]] = ((1280, 720), (1920, 1080)),
                 kinds: Sequence[str] = KINDS, degradations: Sequence[str] = DEGRADATIONS, view: int = 0) -> PageFrame:
    """Frame ``i`` of ``sample_frames``; ``view`` > 0 gives another camera frame of the same document under the
    same degradation (the document held again: another pose, light and noise)."""
    doc = random_document(np.random.default_rng(seed + i), kinds[i % len(kinds)])
    return page_frame(doc, degradation=degradations[(i // len(kinds)) % len(degradations)],
                      seed=seed + i if view == 0 else (seed + i) * 7919 + view,
                      size=sizes[(i // (len(kinds) * len(degradations))) % len(sizes)])
