from __future__ import annotations

import pytest
from django.utils import translation


def pytest_configure() -> None:
    from django.conf import settings

    # Real hashing costs ~0.3 s a password; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests sign in users of every name with the password alone; the sign-in security tests
    # (src/doorstep/signin/tests) switch two-factor sign-in and the rate limits back on.
    settings.DOORSTEP_REQUIRE_2FA = False
    settings.DOORSTEP_RATE_LIMITS_ENABLED = False


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from doorstep.core.testing import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Service messages are asserted in their English source form, whatever the default
    language; requests still get the language the middleware picks for them."""
    with translation.override("en"):
        yield
