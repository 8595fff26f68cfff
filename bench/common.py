"""Shared helpers of the benchmarks: percentiles, enrolled devices, pre-made submissions, markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from typing import Any

from intake.db import Store
from kiosk.device_key import DeviceKey, generate_key
from kiosk.outbox import utc_iso
from kiosk.uuid7 import uuid7
from wire.envelope import seal

# The shape kiosk.workflows.submission.build_submission gives a lodging guest.
SAMPLE_DATA = {
    "procedure": "lodging-guest", "procedure_code": "2.001159", "form_id": "lodging-guest",
    "form": {"full_name": "Nguyễn Thị Thu Hà", "date_of_birth": "1990-05-17", "sex": "F", "document_type": "1",
             "document_number": "001190012345", "nationality": "VNM",
             "residence": "Số 5 ngõ 12 Lý Thường Kiệt, Phường Cửa Nam, Hà Nội", "room": "203",
             "arrival": "2026-11-23T21:30", "expected_departure": "2026-11-25", "reason": "1"},
}
SAMPLE_EVIDENCE = {
    "fields": {"full_name": "chip", "date_of_birth": "chip", "sex": "chip", "document_number": "chip",
               "residence": "chip", "room": "typed", "arrival": "typed"},
    "identity_source": "chip",
    "verification": {"access": "PACE-CAN", "passive": "ok", "chip_authentication": "ok"},
}


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
            f" load average {load} when the table was written (the CPUs are shared with other work)")


def device_keys(count: int) -> list[DeviceKey]:
    return [DeviceKey(generate_key("Ed25519"), "Ed25519") for _ in range(count)]


def enrol_devices(store: Store, keys: Sequence[DeviceKey]) -> None:
    """Enrol each key with a fresh one-time token, as ``kiosk device enroll`` would."""
    for key in keys:
        store.enrol(store.issue_token(), key.kid, key.alg, key.public_jwk())


def submissions(keys: Sequence[DeviceKey], intake_key: Any, count: int) -> list[str]:
    """``count`` distinct sealed submissions (JWE of JWS), spread over the device keys."""
    out = []
    for i in range(count):
        key = keys[i % len(keys)]
        payload = {"sid": str(uuid7()), "kind": "lodging", "device": key.kid, "created_at": utc_iso(1.8e9 + i),
                   "data": SAMPLE_DATA, "evidence": SAMPLE_EVIDENCE}
        out.append(seal(payload, key, intake_key)[0])
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
