"""The loaded address service for the address tests (its data takes seconds to load: once per run)."""

from __future__ import annotations

import pytest

from kiosk.address.service import AddressService


@pytest.fixture(scope="session")
def service(address_service: AddressService) -> AddressService:
    return address_service
