"""The intake's encryption key set (X25519, for ``ECDH-ES+A256KW``): created on first use, stored 0600.

The first key encrypts new submissions (its public half goes to kiosks at enrolment); older keys stay in the file so
that submissions queued offline before a rotation can still be decrypted. Key files made before X25519 hold P-256
keys: they keep working, and the next rotation puts an X25519 key first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, OKPKey


def _new_key() -> OKPKey:
    key = OKPKey.generate_key("X25519")
    data = key.as_dict(private=True)
    data["kid"] = key.thumbprint()
    return OKPKey.import_key(data)


def _write_private(path: Path, document: dict[str, Any], *, replace: bool) -> None:
    """Write a 0600 file atomically; without ``replace``, an existing file wins (another worker was first)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, json.dumps(document).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def load_or_create_keys(path: Path) -> KeySet:
    if not path.exists():
        key = _new_key()
        _write_private(path, {"keys": [key.as_dict(private=True)]}, replace=False)
    return KeySet.import_key_set(json.loads(path.read_text()))


def rotate_keys(path: Path) -> dict[str, Any]:
    """Put a new key first (the one new enrolments receive) and keep the older ones, so that whatever kiosks
    queued before the rotation still decrypts. Running services load the file at start: restart them."""
    old = load_or_create_keys(path)
    new = _new_key()
    records = [new.as_dict(private=True)] + [key.as_dict(private=True) for key in old.keys]
    _write_private(path, {"keys": records}, replace=True)
    return dict(new.as_dict(private=False))


def public_keys(keys: KeySet) -> list[dict[str, Any]]:
    """Every public key, the current one first."""
    return [dict(key.as_dict(private=False)) for key in keys.keys]


def current_public_key(keys: KeySet) -> dict[str, Any]:
    """The public JWK kiosks encrypt to (the first key of the set)."""
    return dict(keys.keys[0].as_dict(private=False))
