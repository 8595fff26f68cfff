"""Reconciling a batch with what the police system really holds.

The police import reports "import thành công" even when it imported zero records, so a batch is marked
delivered only once the declared guests are found again (re-queried), never on the import message alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kiosk.lodging.guest import Guest

Status = Literal["confirmed", "partial", "zero-imported", "unverified"]


@dataclass(frozen=True)
class Reconciliation:
    status: Status
    expected: int
    found: int
    missing: list[int] = field(default_factory=list)  # positions (1-based) of the guests not found

    @property
    def delivered(self) -> bool:
        return self.status == "confirmed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "delivered": self.delivered,
            "expected": self.expected,
            "found": self.found,
            "missing": self.missing,
        }


def reconcile(
    guests: Sequence[Guest], reported_count: int | None, declared: Iterable[tuple[str, str]] | None
) -> Reconciliation:
    """Compare what was sent with the reported count and with the re-queried ``(type, number)`` pairs.

    ``declared`` None means the police side could not be re-queried: the batch stays ``unverified`` (or
    ``zero-imported`` when the import itself said it took no record).
    """
    expected = len(guests)
    if reported_count == 0 and expected:
        return Reconciliation("zero-imported", expected, 0, list(range(1, expected + 1)))
    if declared is None:
        return Reconciliation("unverified", expected, reported_count or 0)
    seen = {(str(t), str(n)) for t, n in declared}
    missing = [i for i, g in enumerate(guests, start=1) if (g.document_type, g.document_number) not in seen]
    found = expected - len(missing)
    if not missing:
        return Reconciliation("confirmed", expected, found)
    return Reconciliation("zero-imported" if found == 0 else "partial", expected, found, missing)
