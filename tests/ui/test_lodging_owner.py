"""The guesthouse owner's screens on the real app under Xvfb: the countdown list on the home screen, folded to a
count until the owner touches it (an overdue foreigner in red, a Vietnamese guest still in time), folded and wiped
on each wipe; the operator's export to a
removable drive found under a fake system root, and the clear error when no drive is plugged in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import kiosk.lodging.removable as removable
from kiosk.lodging.deadline import deadline, to_vietnam_time
from kiosk.lodging.guest import Guest
from kiosk.lodging.register import RegisterError
from screens.pending_guests import PendingGuestsPanel

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py


def add_guests(k: RunningKiosk, *, same_day: bool = False) -> None:
    """A foreigner who arrived 13 hours ago (the 12-hour deadline has passed) and a Vietnamese guest who has just
    arrived; ``same_day``: the foreigner arrived today in Vietnam time, 13 hours ago or at midnight if that is
    later (the day's export takes today's arrivals)."""
    now = k.controller.now()
    ago = timedelta(hours=13)
    if same_day:
        local = to_vietnam_time(now)
        ago = min(ago, local - local.replace(hour=0, minute=0, second=0, microsecond=0))
    k.services.register.add(Guest(
        full_name="SØREN MÜLLER", date_of_birth="1985-07-03", sex="M", document_type="4", document_number="C01X00T47",
        room="301", arrival=(now - ago).isoformat(),
        expected_departure=(now + timedelta(days=2)).isoformat(), reason="1", nationality="DEU"))
    k.services.register.add(Guest(  # a Vietnamese guest who has just arrived
        full_name="Nguyễn Thị Hồng Nhung", date_of_birth="1990-01-01", sex="F", document_type="1",
        document_number="001090123456", room="203", arrival=now.isoformat(),
        expected_departure=(now + timedelta(days=1)).isoformat(), reason="1", nationality="VNM"))


def expected_counts(k: RunningKiosk) -> dict[str, int]:
    """The board's counts for ``add_guests`` at the time the test runs: the guest who has just arrived is due soon
    between 22:00 and 23:00 (Vietnam time), when the same-day 23:00 deadline is less than an hour away."""
    now = k.controller.now()
    soon = deadline(now).status(now) == "due-soon"
    return {"waiting": 2, "due_soon": int(soon), "overdue": 1}


def _panel(k: RunningKiosk) -> PendingGuestsPanel:
    panel = k.app.screens["home"].pending
    assert isinstance(panel, PendingGuestsPanel)
    return panel


def _key(k: RunningKiosk, key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "key", None) == key and w.get_root_window() is not None)


def _unlock_operator(k: RunningKiosk) -> None:
    k.driver.tap(k.app.screens["home"].hotspot, hold=2.3)
    for key in "2468↵":
        k.driver.tap(_key(k, key))
    assert k.app.screens["operator"].unlocked


def _export_button(k: RunningKiosk) -> Any:
    return k.driver.find(lambda w: getattr(w, "text_key", None) == "operator.export"
                         and w.get_root_window() is not None)


def test_home_lists_the_guests_to_declare_with_their_countdown(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("lodging", idle_seconds=60)
    add_guests(k)
    home = k.app.screens["home"]
    home.refresh()
    k.driver.pump(frames=3)
    panel = _panel(k)
    assert [r.room for r in panel.rows] == ["301", "203"] and panel.opacity == 1
    # At a glance: how many, how many due soon and overdue (red), the nearest deadline; nothing about who (the
    # next guest sees this screen).
    assert panel.counts == expected_counts(k)
    assert tuple(panel.tiles["overdue"].number.color) == tuple(k.app.theme.danger)
    assert "quá hạn 1 giờ" in panel.nearest.text and "Hạn gần nhất " in panel.nearest.text
    assert tuple(panel.nearest.color) == tuple(k.app.theme.danger)
    assert "Xem danh sách" in panel.summary.text and "Show list" in panel.summary.text
    assert not any(hasattr(w, "guest_id") for w in panel.children)
    assert not any("Nguyễn" in t or "N. T. H. N." in t for t in k.driver.texts())
    k.shot("home-lodging-folded")
    k.driver.tap(panel.summary)  # the owner opens the list
    assert panel.expanded
    overdue, in_time = (w for w in reversed(panel.children) if hasattr(w, "guest_id"))
    assert overdue.overdue and "quá hạn 1 giờ" in overdue.text and "Khách nước ngoài" in overdue.text
    assert tuple(overdue.color) == tuple(k.app.theme.danger)
    assert re.search(r"còn (\d+ giờ )?\d+ phút|còn \d+ giờ", in_time.text) and "nước ngoài" not in in_time.text
    assert "Nguyễn" not in " ".join(k.driver.texts())  # initials only on the home screen
    k.shot("home-lodging-pending")
    # Each wipe folds it and forgets the rows; the next minute's refresh shows the folded count again.
    k.app.screens["home"].clear()
    assert panel.rows == [] and panel.opacity == 0 and not panel.children and not panel.expanded
    home.refresh()
    assert panel.counts["waiting"] == 2 and not panel.expanded
    # A register that cannot be read (wrong key) leaves the home screen working, without the list.
    k.controller.devices.pending_guests = lambda: (_ for _ in ()).throw(RegisterError("unreadable"))
    home.refresh()
    assert panel.rows == [] and panel.opacity == 0 and home.procedure_button("lodging-guest") is not None
    assert home.board.width == 0  # the services take the whole width
    # Every guest declared: the board says so, in green, with no list to open.
    k.controller.devices.pending_guests = lambda: []
    home.refresh()
    assert panel.opacity == 1 and panel.counts == {"waiting": 0, "due_soon": 0, "overdue": 0}
    assert panel.nearest.text.startswith("Đã khai báo hết") and panel.summary.parent is None


def test_operator_exports_to_a_drive_and_says_when_there_is_none(
    kiosk: Callable[..., RunningKiosk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "system"
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("/dev/sda2 / ext4 rw 0 0\n")
    (root / "sys" / "block" / "sdb").mkdir(parents=True)
    (root / "sys" / "block" / "sdb" / "removable").write_text("1\n")
    monkeypatch.setattr(removable, "SYSTEM_ROOT", root)
    k = kiosk("lodging", idle_seconds=60)
    add_guests(k, same_day=True)  # the export is of today's arrivals: both guests, whatever the hour
    _unlock_operator(k)
    operator = k.app.screens["operator"]
    k.driver.tap(_export_button(k))
    k.driver.wait_until(lambda: not operator.exporting, what="the export to finish")
    assert operator.message_failed and operator.message.startswith("Không thấy ổ USB")
    assert any(t.startswith("Không thấy ổ USB") for t in k.driver.texts())
    k.shot("operator-export-no-drive")
    # The operator plugs in a USB stick.
    (root / "media" / "kiosk" / "USB").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("/dev/sda2 / ext4 rw 0 0\n/dev/sdb1 /media/kiosk/USB vfat rw 0 0\n")
    k.driver.tap(_export_button(k))
    k.driver.wait_until(lambda: not operator.exporting, what="the export to finish")
    assert not operator.message_failed and "1 khách Việt Nam, 1 khách nước ngoài" in operator.message
    folder = root / "media" / "kiosk" / "USB" / "cccd-kiosk"
    files = sorted(folder.iterdir())
    assert [p.suffix for p in files] == [".xlsx", ".xml"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    sheet = load_workbook(files[0])["DS_KHACH_VIET_NAM_LUU_TRU"]
    assert sheet["B5"].value == "Nguyễn Thị Hồng Nhung"
    assert b"<ho_ten>SOREN MULLER</ho_ten>" in files[1].read_bytes()
    k.shot("operator-export")
