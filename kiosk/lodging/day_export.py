"""The day's police files (XLSX for Vietnamese guests, XML for foreigners), written privately to a folder or to a
removable drive, and the police API run when the establishment has enabled it.

- ``export_day(register, registry, day, directory)`` writes ``luu-tru-<day>.xlsx`` and ``luu-tru-nuoc-ngoai-<day>.xml``
  (only the files that have guests), each with mode 0600, written to a temporary name, flushed to the device and
  renamed, so a drive pulled out early never holds half a file.
- ``export_to_drive(register, registry, day, root=…)`` does the same into ``cccd-kiosk/`` on the first removable drive
  (``kiosk.lodging.removable``); no drive → ``NoRemovableDriveError``, a failed write → ``DriveWriteError``.
- ``declare_pending(register, client, day, now)`` sends the day's undeclared guests through the police API (the
  establishments REST API, off unless enabled) and marks each one declared; it is what ``kiosk lodging notify`` and
  the operator screen's export button run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.errors import KioskError
from kiosk.lodging.deadline import api_window_open, to_vietnam_time
from kiosk.lodging.guest import Guest
from kiosk.lodging.register import Entry
from kiosk.lodging.removable import find_removable_drive
from kiosk.lodging.xlsx_export import export_xlsx
from kiosk.lodging.xml_export import export_xml
from kiosk.workflows.registry import Registry

DRIVE_FOLDER = "cccd-kiosk"


class DriveWriteError(KioskError):
    code = "export-write-failed"

    def __init__(self, where: Path, reason: str) -> None:
        super().__init__(
            f"Cannot write the export to {where} ({reason}); check that the drive is not full or write-protected",
            field=None,
            message_vi="Không ghi được tệp vào ổ USB (ổ đầy hoặc bị khoá ghi). Hãy thử ổ khác.",
        )


class DayRegister(Protocol):
    def arrivals(self, day: date) -> list[Entry]: ...

    def mark_notified(self, gid: str, when: datetime, ref: str) -> Entry: ...


@dataclass(frozen=True)
class DayExport:
    day: date
    files: list[Path]
    vietnamese: int
    foreign: int
    declared: list[dict[str, Any]] = field(default_factory=list)  # police API results, when it is enabled
    where: str = ""  # how the operator knows the place: "USB/cccd-kiosk" on a drive, else the folder

    def message(self) -> tuple[str, str]:
        """What the operator screen shows, Vietnamese then English."""
        where = self.where or (str(self.files[0].parent) if self.files else "—")
        vi = (f"Đã xuất {self.vietnamese} khách Việt Nam, {self.foreign} khách nước ngoài "
              f"ngày {self.day.strftime('%d/%m/%Y')} vào {where}")
        en = f"Exported {self.vietnamese} Vietnamese and {self.foreign} foreign guests to {where}"
        if self.declared:
            sent = sum(1 for r in self.declared if r.get("sent"))
            vi += f"; đã khai báo qua hệ thống công an {sent}/{len(self.declared)}"
            en += f"; declared through the police API {sent}/{len(self.declared)}"
        return vi, en

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "files": [str(p) for p in self.files], "vietnamese": self.vietnamese,
                "foreign": self.foreign, "declared": self.declared}


def write_private(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/name`` with mode 0600 (where the file system keeps modes), atomically."""
    path = directory / name
    temporary = directory / f".{name}.part"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
        with contextlib.suppress(PermissionError):  # FAT drives have no modes to set
            os.chmod(path, 0o600)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise DriveWriteError(directory, exc.strerror or type(exc).__name__) from None
    return path


def day_files(entries: Sequence[Entry], registry: Registry, day: date) -> list[tuple[str, bytes]]:
    """The file names and bytes for ``day``: the XLSX if it has Vietnamese guests, the XML if it has foreigners."""
    files = []
    if any(not e.guest.foreign for e in entries):
        files.append((f"luu-tru-{day.isoformat()}.xlsx", export_xlsx(entries, registry, day=day)))
    if any(e.guest.foreign for e in entries):
        files.append((f"luu-tru-nuoc-ngoai-{day.isoformat()}.xml", export_xml(entries)))
    return files


def export_day(register: DayRegister, registry: Registry, day: date, directory: Path) -> DayExport:
    entries = register.arrivals(day)
    written = [write_private(directory, name, data) for name, data in day_files(entries, registry, day)]
    foreign = sum(1 for e in entries if e.guest.foreign)
    return DayExport(day, written, len(entries) - foreign, foreign)


def export_to_drive(register: DayRegister, registry: Registry, day: date, *, root: Path | None = None) -> DayExport:
    """The day's files into ``cccd-kiosk/`` on the first removable drive."""
    drive = find_removable_drive(root)
    result = export_day(register, registry, day, drive.path / DRIVE_FOLDER)
    return replace(result, where=f"{drive.label}/{DRIVE_FOLDER}")


class PoliceClient(Protocol):
    """The establishments API client (``kiosk.lodging.cslt_client.CsltClient``)."""

    def declare_vietnamese(self, guests: list[Guest]) -> Any: ...

    def declare_foreign(self, guests: list[Guest]) -> Any: ...


def declare_pending(register: DayRegister, client: PoliceClient, day: date, now: datetime) -> list[dict[str, Any]]:
    """Send each guest of ``day`` not yet declared; the API takes only arrivals of today or yesterday, older ones are
    reported for manual filing. Returns one result per guest (id, room, ``sent`` and the reason or error)."""
    results = []
    for entry in register.arrivals(day):
        if entry.notified_at:
            continue
        item: dict[str, Any] = {"id": entry.id, "room": entry.guest.room}
        if not api_window_open(entry.guest.arrival_at, now):
            item.update(sent=False, reason="outside the API window (today or yesterday): file manually")
        else:
            try:
                send = client.declare_foreign if entry.guest.foreign else client.declare_vietnamese
                reply = send([entry.guest])
                register.mark_notified(entry.id, now, f"cslt:{reply.code}")
                item.update(sent=True)
            except KioskError as exc:
                item.update(sent=False, error=exc.to_dict())
        results.append(item)
    return results


def operator_export(register: DayRegister, registry: Registry, now: datetime, *, client: PoliceClient | None = None,
                    root: Path | None = None) -> DayExport:
    """The operator screen's export button: today's files onto the removable drive, then, when the police API is
    enabled (``client``), today's undeclared guests sent through it. No drive raises ``NoRemovableDriveError``
    before anything is sent."""
    day = to_vietnam_time(now).date()
    result = export_to_drive(register, registry, day, root=root)
    if client is None:
        return result
    return replace(result, declared=declare_pending(register, client, day, now))
