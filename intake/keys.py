"""The intake's encryption key set (P-256, for ``ECDH-ES+A256KW``): created on first use, stored 0600.

The first key encrypts new submissions (its public half goes to kiosks at enrolment); older keys stay in
the file
so that submissions queued offline before a rotation can still be decrypted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet


def _key_with_kid(key: ECKey) -> ECKey:
    data = key.as_dict(private=True)
    data["kid"] = key.thumbprint()
    return ECKey.import_key(data)


def load_or_create_keys(path: Path) -> KeySet:
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = _key_with_kid(ECKey.generate_key("P-256"))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps({"keys": [key.as_dict(private=True)]}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # never overwrite an existing key file (another worker may have won)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return KeySet.import_key_set(json.loads(path.read_text()))


def current_public_key(keys: KeySet) -> dict[str, Any]:
    """The public JWK kiosks encrypt to (the first key of the set)."""
    return dict(keys.keys[0].as_dict(private=False))
