"""Shared fixtures of the chip tests: test PKIs generated once per test session."""

from __future__ import annotations

import pytest

from drivers.emrtd.pki import TestPki, make_test_pki


@pytest.fixture(scope="session")
def ec_pki() -> TestPki:
    return make_test_pki(key_type="ec")


@pytest.fixture(scope="session")
def rsa_pki() -> TestPki:
    return make_test_pki(key_type="rsa", label="RSA")
