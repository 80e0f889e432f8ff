from __future__ import annotations

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def sign_in_security(settings):  # type: ignore[no-untyped-def]
    """The production posture of sign-in (the root conftest turns it off for other tests)."""
    settings.LANGUAGE_CODE = "en"
    settings.DOORSTEP_REQUIRE_2FA = True
    settings.DOORSTEP_RATE_LIMITS_ENABLED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    cache.clear()
    yield
    cache.clear()


def enrol(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"
