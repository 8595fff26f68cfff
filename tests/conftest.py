"""What every test shares: one address index cache for the whole run, and the loaded address service."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kiosk.address.engines import CACHE_ENV
from kiosk.address.service import AddressService, default_service


@pytest.fixture(scope="session", autouse=True)
def address_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every kiosk a test starts gets a fresh state directory; the converter's index (≈ 14 s of CPU to build,
    kiosk.address.engines) depends only on the pinned package data, so the run builds it once and every kiosk and
    subprocess reads it back from one directory. A cache directory already set (e.g. kept between CI runs) is used."""
    if os.environ.get(CACHE_ENV):
        yield
        return
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("address-cache"))
    try:
        yield
    finally:
        os.environ.pop(CACHE_ENV, None)


@pytest.fixture(scope="session")
def address_service() -> AddressService:
    """The process's address service with its data loaded (once per run; later kiosks and subprocesses read the
    index back from the shared cache, as a kiosk does on every start after its first)."""
    loaded = default_service()
    loaded.load()
    assert loaded.load_error is None
    return loaded
