"""Which devices are connected: V4L2 capture cameras and PC/SC card readers (the simulated reader excluded)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SIMULATED_READER_PREFIX = "Virtual PCD"  # vsmartcard's vpcd: where the simulated card is reached


@dataclass(frozen=True)
class ConnectedDevices:
    camera: str | None  # a V4L2 device path such as /dev/video0
    reader: str | None  # the PC/SC reader name

    @property
    def any(self) -> bool:
        return self.camera is not None or self.reader is not None


def cameras(sysfs: Path = Path("/sys/class/video4linux")) -> list[str]:
    """V4L2 capture nodes: a UVC camera also registers a metadata node, whose ``index`` is not 0."""
    found = []
    for node in sorted(sysfs.glob("video*")):
        try:
            index = (node / "index").read_text().strip()
        except OSError:
            continue
        if index == "0":
            found.append(f"/dev/{node.name}")
    return found


def card_readers() -> list[str]:
    """PC/SC readers other than the simulated one; none when the PC/SC service is not running."""
    try:
        from smartcard.System import readers

        names = [str(r) for r in readers()]
    except Exception as exc:  # no pcscd, no libpcsclite: no reader
        log.info("no PC/SC readers: %s", type(exc).__name__)
        return []
    return [n for n in names if not n.startswith(SIMULATED_READER_PREFIX)]


def connected_devices() -> ConnectedDevices:
    found_cameras, found_readers = cameras(), card_readers()
    return ConnectedDevices(camera=found_cameras[0] if found_cameras else None,
                            reader=found_readers[0] if found_readers else None)
