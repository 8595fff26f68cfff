"""Finding a removable drive (USB stick, SD card) the operator has plugged in, to export the day's police files to.

A drive counts when it is mounted read-write under ``/media``, ``/run/media`` or ``/mnt`` (where udisks, the desktop
automounter or the operator mounts it) and its block device is removable (``/sys/block/<disk>/removable`` is 1) or
sits on a USB bus (many USB disks report 0). Mount points come from ``/proc/mounts``. Every path is read under an
injectable ``root`` so tests build a fake ``/proc`` and ``/sys`` in a temporary directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError

MOUNT_PARENTS = ("/media/", "/run/media/", "/mnt/")
SYSTEM_ROOT = Path("/")  # where /proc and /sys are read; tests point it at a fake tree
_PARTITION = re.compile(r"^(?P<disk>(?:nvme\d+n\d+|mmcblk\d+))p\d+$|^(?P<plain>[a-z]+)\d+$")


class NoRemovableDriveError(KioskError):
    code = "no-removable-drive"

    def __init__(self) -> None:
        super().__init__(
            "No removable drive is mounted (looked under /media, /run/media and /mnt); plug in a USB drive and retry",
            field=None,
            message_vi="Không thấy ổ USB. Hãy cắm ổ USB vào ki-ốt, chờ vài giây rồi thử lại.",
        )


@dataclass(frozen=True)
class RemovableDrive:
    device: str  # e.g. /dev/sdb1
    mount_point: Path  # as the system sees it, e.g. /media/kiosk/USB
    path: Path  # where to write (the mount point under ``root``)

    @property
    def label(self) -> str:
        return self.mount_point.name


def _unescape(field: str) -> str:
    """``/proc/mounts`` writes space, tab, newline and backslash as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _disk(device: str) -> str | None:
    name = Path(device).name
    match = _PARTITION.match(name)
    if match:
        return match.group("disk") or match.group("plain")
    return name if name else None


def _is_removable(root: Path, device: str) -> bool:
    disk = _disk(device)
    if disk is None:
        return False
    block = root / "sys" / "block" / disk
    try:
        if (block / "removable").read_text().strip() == "1":
            return True
        return "/usb" in os.path.realpath(block)
    except OSError:
        return False


def removable_drives(root: Path | None = None) -> list[RemovableDrive]:
    """Every writable removable drive mounted now, in ``/proc/mounts`` order."""
    root = root if root is not None else SYSTEM_ROOT
    try:
        lines = (root / "proc" / "mounts").read_text().splitlines()
    except OSError:
        return []
    drives = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or not fields[0].startswith("/dev/"):
            continue
        device, mount_point, options = fields[0], _unescape(fields[1]), fields[3].split(",")
        if not mount_point.startswith(MOUNT_PARENTS) or "ro" in options:
            continue
        path = root / mount_point.lstrip("/")
        if _is_removable(root, device) and path.is_dir() and os.access(path, os.W_OK):
            drives.append(RemovableDrive(device, Path(mount_point), path))
    return drives


def find_removable_drive(root: Path | None = None) -> RemovableDrive:
    """The first removable drive, or ``NoRemovableDriveError`` with what to do."""
    drives = removable_drives(root)
    if not drives:
        raise NoRemovableDriveError()
    return drives[0]
