"""One loaded address service for the address tests (its data takes seconds to load)."""

from __future__ import annotations

import pytest

from kiosk.address.service import AddressService, default_service


@pytest.fixture(scope="session")
def service() -> AddressService:
    loaded = default_service()
    loaded.load()
    assert loaded.load_error is None
    return loaded
