"""Timings of the eMRTD data layer: parsing, building the simulated chip's files, passive and active authentication.

Run: .venv/bin/python bench/chip_data.py [--repeat N]. Prints one JSON object per measurement (median milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.emrtd.active_auth import aa_sign, verify_active
from drivers.emrtd.dg2 import parse_dg2
from drivers.emrtd.dg13 import parse_dg13
from drivers.emrtd.passive_auth import verify_passive
from drivers.emrtd.pki import make_test_pki
from drivers.sim.card_files import build_card_files
from kiosk.mrz import format_td1
from kiosk.samples import sample_identity


def measure(name: str, action: Callable[[], object], repeat: int, **extra: object) -> None:
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"measure": name, "median_ms": round(statistics.median(times), 3),
                      "max_ms": round(max(times), 3), "repeat": repeat, **extra}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat

    identity = sample_identity(1)
    record, lines = identity.to_dict(), format_td1(identity)
    for key_type in ("ec", "rsa"):
        pki = make_test_pki(key_type=key_type)
        card = build_card_files(record, pki, mrz_lines=lines)
        trust = pki.trust_store()
        sod = card.files[0x011D]
        measure("build_card_files", lambda pki=pki: build_card_files(record, pki, mrz_lines=lines), repeat,
                pki=key_type, dg2_bytes=len(card.files[0x0102]))
        measure("verify_passive", lambda sod=sod, card=card, trust=trust: verify_passive(sod, card.data_groups, trust),
                repeat, pki=key_type, sod_bytes=len(sod))

    dg13 = card.files[0x010D]
    measure("parse_dg13", lambda: parse_dg13(dg13), repeat, dg13_bytes=len(dg13))
    challenge = os.urandom(8)
    response = aa_sign(card.aa_private_key, challenge)
    measure("aa_sign_rsa2048", lambda: aa_sign(card.aa_private_key, challenge), repeat)
    measure("verify_active_rsa2048", lambda: verify_active(card.files[0x010F], challenge, response), repeat)
    for fmt in ("jpeg", "jp2"):
        dg2 = build_card_files(record, pki, mrz_lines=lines, dg2_format=fmt).files[0x0102]
        measure("dg2_decode_to_png", lambda dg2=dg2: parse_dg2(dg2).face.to_png(), repeat, format=fmt,
                dg2_bytes=len(dg2))


if __name__ == "__main__":
    main()
