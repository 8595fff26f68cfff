"""The site configuration file of one kiosk (``/etc/cccd-kiosk/kiosk.toml``): which workflows, which intake, which
devices. Every key is documented in ``docs/configuration.md``; samples per kind of site are in ``config/sites/``.

The file is optional: ``kiosk run --config FILE`` or ``$KIOSK_CONFIG`` names it, command-line flags override it and
built-in defaults fill what neither gives. Unknown keys and wrong types raise ``SiteConfigError`` naming the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.heartbeat import ESTABLISHMENT_PATTERN
from kiosk.workflows.model import KINDS

ENV_VAR = "KIOSK_CONFIG"
DEPLOYED_PATH = Path("/etc/cccd-kiosk/kiosk.toml")
_PIN = re.compile(r"[0-9]{4,8}")
_STAFF_ID = re.compile(r"[0-9]{12}")


class SiteConfigError(KioskError):
    """The site configuration file is missing, malformed, or has an unknown key or a value of the wrong type."""

    code = "invalid-site-config"

    def __init__(self, key: str | None, problem: str, problem_vi: str) -> None:
        where = f" key {key!r}" if key else ""
        super().__init__(
            f"Site configuration{where}: {problem}",
            field=key,
            message_vi=f"Tệp cấu hình ki-ốt{f' (khoá «{key}»)' if key else ''}: {problem_vi}. "
                       "Hãy báo cho nhân viên kỹ thuật.",
        )


@dataclass(frozen=True)
class DeviceSettings:
    camera: str = "0"
    reader: str | None = None
    printer: str | None = None


@dataclass(frozen=True)
class HeartbeatSettings:
    interval_seconds: float = 60.0
    establishment: str | None = None  # groups kiosks of one lodging establishment on the operator page


@dataclass(frozen=True)
class ClinicSettings:
    """``[clinic]``: the clinic relay that checks BHYT cards, and the reception staff member named in each lookup
    (CV 1923/BHXH-CNTT requires ``hoTenCb`` and ``cccdCb``). The kiosk holds no BHXH credentials."""

    relay_url: str | None = None
    staff_name: str = ""
    staff_id_number: str = ""
    timeout_seconds: float = 8.0


@dataclass(frozen=True)
class SiteConfig:
    profile: str = "one-stop"
    intake_url: str | None = None
    fullscreen: bool = False
    idle_seconds: float = 60.0
    operator_pin: str | None = None
    state_dir: Path | None = None
    config_dir: Path | None = None
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    heartbeat: HeartbeatSettings = field(default_factory=HeartbeatSettings)
    clinic: ClinicSettings = field(default_factory=ClinicSettings)


# -- typed readers ------------------------------------------------------------------------------------------------

def _wrong(key: str, expected_en: str, expected_vi: str) -> SiteConfigError:
    return SiteConfigError(key, f"expected {expected_en}", f"cần {expected_vi}")


def _string(table: dict[str, Any], section: str, name: str, default: str | None) -> str | None:
    value = table.get(name, default)
    if value is not None and not isinstance(value, str):
        raise _wrong(f"{section}.{name}", "a string", "một chuỗi ký tự")
    return value or default


def _number(table: dict[str, Any], section: str, name: str, default: float) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _wrong(f"{section}.{name}", "a positive number", "một số dương")
    return float(value)


def _bool(table: dict[str, Any], section: str, name: str, default: bool) -> bool:
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise _wrong(f"{section}.{name}", "true or false", "true hoặc false")
    return value


def _table(data: dict[str, Any], section: str, known: set[str]) -> dict[str, Any]:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise _wrong(section, "a [section] table", "một bảng [mục]")
    for name in table:
        if name not in known:
            raise SiteConfigError(f"{section}.{name}", "unknown key; see docs/configuration.md",
                                  "khoá không được hỗ trợ; xem docs/configuration.md")
    return table


SECTIONS: dict[str, set[str]] = {
    "kiosk": {"profile", "intake_url", "fullscreen", "idle_seconds", "operator_pin", "state_dir", "config_dir"},
    "devices": {"camera", "reader", "printer"},
    # read by the fleet heartbeat: seconds between two heartbeats to the intake, the establishment code
    "heartbeat": {"interval_seconds", "establishment"},
    # the clinic relay for the BHYT card check and the staff member named in each lookup
    "clinic": {"relay_url", "staff_name", "staff_id_number", "timeout_seconds"},
}


def parse_site_config(data: dict[str, Any]) -> SiteConfig:
    """A ``SiteConfig`` from the parsed TOML document, checking every key and type."""
    for section in data:
        if section not in SECTIONS:
            raise SiteConfigError(section, "unknown section; see docs/configuration.md",
                                  "mục không được hỗ trợ; xem docs/configuration.md")
    kiosk = _table(data, "kiosk", SECTIONS["kiosk"])
    devices = _table(data, "devices", SECTIONS["devices"])
    heartbeat = _table(data, "heartbeat", SECTIONS["heartbeat"])
    clinic = _clinic(_table(data, "clinic", SECTIONS["clinic"]))
    defaults = SiteConfig()

    profile = _string(kiosk, "kiosk", "profile", defaults.profile)
    if profile not in KINDS:
        raise _wrong("kiosk.profile", f"one of {', '.join(KINDS)}", f"một trong {', '.join(KINDS)}")
    intake_url = _string(kiosk, "kiosk", "intake_url", None)
    if intake_url is not None and not intake_url.startswith(("https://", "http://")):
        raise _wrong("kiosk.intake_url", "an https:// URL", "một địa chỉ https://")
    pin = _string(kiosk, "kiosk", "operator_pin", None)
    if pin is not None and not _PIN.fullmatch(pin):
        raise _wrong("kiosk.operator_pin", "4 to 8 digits", "4 đến 8 chữ số")
    state = _string(kiosk, "kiosk", "state_dir", None)
    config_dir = _string(kiosk, "kiosk", "config_dir", None)
    establishment = _string(heartbeat, "heartbeat", "establishment", None)
    if establishment is not None and not ESTABLISHMENT_PATTERN.fullmatch(establishment):
        raise _wrong("heartbeat.establishment", "letters, digits, '.', '_' or '-' (at most 64)",
                     "chữ, số, '.', '_' hoặc '-' (tối đa 64 ký tự)")
    camera = devices.get("camera", defaults.devices.camera)
    if isinstance(camera, int) and not isinstance(camera, bool) and camera >= 0:
        camera = str(camera)
    if not isinstance(camera, str) or not camera:
        raise _wrong("devices.camera", "a camera index or a /dev/video path", "số thứ tự camera hoặc đường dẫn")
    return SiteConfig(
        profile=str(profile),
        intake_url=intake_url,
        fullscreen=_bool(kiosk, "kiosk", "fullscreen", defaults.fullscreen),
        idle_seconds=_number(kiosk, "kiosk", "idle_seconds", defaults.idle_seconds),
        operator_pin=pin,
        state_dir=Path(state) if state else None,
        config_dir=Path(config_dir) if config_dir else None,
        devices=DeviceSettings(camera=camera, reader=_string(devices, "devices", "reader", None),
                               printer=_string(devices, "devices", "printer", None)),
        heartbeat=HeartbeatSettings(
            interval_seconds=_number(heartbeat, "heartbeat", "interval_seconds",
                                     defaults.heartbeat.interval_seconds),
            establishment=establishment),
        clinic=clinic,
    )


def _clinic(table: dict[str, Any]) -> ClinicSettings:
    relay_url = _string(table, "clinic", "relay_url", None)
    if relay_url is not None and not relay_url.startswith(("https://", "http://")):
        raise _wrong("clinic.relay_url", "an https:// URL", "một địa chỉ https://")
    staff_id = _string(table, "clinic", "staff_id_number", "") or ""
    if staff_id and not _STAFF_ID.fullmatch(staff_id):
        raise _wrong("clinic.staff_id_number", "the staff member's 12-digit ID number",
                     "số định danh 12 chữ số của nhân viên")
    return ClinicSettings(
        relay_url=relay_url,
        staff_name=_string(table, "clinic", "staff_name", "") or "",
        staff_id_number=staff_id,
        timeout_seconds=_number(table, "clinic", "timeout_seconds", ClinicSettings.timeout_seconds),
    )


def shipped_site_file(profile: str) -> Path:
    """The sample site file of ``profile`` shipped with the software (``config/sites/<profile>.toml``)."""
    return Path(__file__).resolve().parents[1] / "config" / "sites" / f"{profile}.toml"


def development_operator_pin(profile: str) -> str | None:
    """The operator PIN of the shipped site file of ``profile``: for a run without a site file only (a deployed
    kiosk's site file holds the random PIN its installer wrote)."""
    path = shipped_site_file(profile)
    return load_site_config(path).operator_pin if path.exists() else None


def site_file_given(path: str | os.PathLike[str] | None = None) -> bool:
    return path is not None or bool(os.environ.get(ENV_VAR))


def load_site_config(path: str | os.PathLike[str] | None = None) -> SiteConfig:
    """The file at ``path``, else at ``$KIOSK_CONFIG``; the built-in defaults when neither is given."""
    chosen = path if path is not None else os.environ.get(ENV_VAR) or None
    if chosen is None:
        return SiteConfig()
    try:
        with Path(chosen).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SiteConfigError(None, f"file {chosen} not found", f"không tìm thấy tệp {chosen}") from None
    except OSError as exc:
        raise SiteConfigError(None, f"cannot read {chosen} ({type(exc).__name__})",
                              f"không đọc được tệp {chosen}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(None, f"{chosen} is not valid TOML ({exc})",
                              f"tệp {chosen} không đúng cú pháp TOML") from None
    return parse_site_config(data)
