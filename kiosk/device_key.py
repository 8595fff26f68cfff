"""The kiosk's own signing key: created on first start, stored 0600 in the state directory, never logged.

The algorithms, JWK import and the key id are the contract's (``wire.keys``).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from joserfc.jwk import ECKey, OKPKey

from kiosk.errors import KioskError
from wire.keys import ALGORITHMS, DEFAULT_ALGORITHM, DeviceKey, KeyFormatError, SigningKey, key_from_jwk

__all__ = ["ALGORITHMS", "DeviceKey", "DeviceKeyError", "SigningKey", "key_from_jwk", "load_device_key",
           "load_or_create_device_key"]

FILE_NAME = "device-key.json"


class DeviceKeyError(KioskError):
    """The device key file is missing, unreadable, too widely readable or of an unsupported kind."""

    code = "device-key"


def generate_key(alg: str) -> SigningKey:
    if alg not in ALGORITHMS:
        raise DeviceKeyError(
            f"unsupported device key algorithm; choose one of {sorted(ALGORITHMS)}",
            field="alg",
            message_vi="Thuật toán khóa thiết bị không được hỗ trợ.",
        )
    if ALGORITHMS[alg][0] == "OKP":
        return OKPKey.generate_key("Ed25519")
    return ECKey.generate_key("P-256")


def _write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to a new 0600 file atomically; if another process won the race, keep its file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if the file already exists: never overwrite a key
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_device_key(directory: Path) -> DeviceKey:
    path = directory / FILE_NAME
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise DeviceKeyError("no device key yet", message_vi="Thiết bị chưa có khóa.") from exc
    if stat.S_IMODE(mode) & 0o077:
        raise DeviceKeyError(
            "device key file is readable by other users; expected mode 0600",
            message_vi="Tệp khóa thiết bị có quyền truy cập quá rộng.",
        )
    try:
        record = json.loads(path.read_text())
        alg = str(record["alg"])
        return DeviceKey(key_from_jwk(record["jwk"], alg), alg)
    except (ValueError, KeyError, TypeError, KeyFormatError) as exc:
        raise DeviceKeyError("device key file is corrupt", message_vi="Tệp khóa thiết bị bị hỏng.") from exc


def load_or_create_device_key(directory: Path, alg: str = DEFAULT_ALGORITHM) -> DeviceKey:
    """The device key in ``directory``, created on first use."""
    path = directory / FILE_NAME
    if not path.exists():
        key = generate_key(alg)
        _write_private_file(path, json.dumps({"alg": alg, "jwk": key.as_dict(private=True)}))
    return load_device_key(directory)
