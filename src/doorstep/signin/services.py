"""Two-factor devices: enrolment, recovery codes, checking a code, and an administrator's reset.

Devices are django-otp's: a ``TOTPDevice`` (an authenticator app, RFC 6238, 30-second steps)
and a ``StaticDevice`` holding single-use recovery codes. A new TOTP secret is made for every
visit of the enrolment page and shown only there, until the code it produces confirms it.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger(__name__)

RECOVERY_CODES = 10
APP_DEVICE = "authenticator"
RECOVERY_DEVICE = "recovery"


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, as authenticator apps take it when typed in
    qr_svg: str


def has_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def _otpauth_url(device: TOTPDevice) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{device.user.get_username()}")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits=6&period=30"


@transaction.atomic
def enrolment_start(*, user: Any) -> Enrolment:
    """A fresh, unconfirmed authenticator secret for ``user`` (any earlier unconfirmed one goes:
    a secret once shown is never shown again)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    url = _otpauth_url(device)
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return Enrolment(device=device, secret=secret, qr_svg=svg)


@transaction.atomic
def enrolment_confirm(*, user: Any, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending secret with a code it produced; the device and fresh recovery codes,
    or None if the code is wrong (or nothing is pending)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or not device.verify_token(_clean(token)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user: Any) -> list[str]:
    """Replace ``user``'s recovery codes with new ones; the plain codes are returned once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(*, user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def _clean(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()


def code_check(*, request: HttpRequest | None, user: Any, token: str) -> Device | None:
    """The confirmed device ``token`` is a valid code of (a recovery code is used up), or None.

    A wrong code counts as a failed sign-in for the lockout, as a wrong password does."""
    cleaned = _clean(token)
    device = match_token(user, cleaned) if cleaned else None
    if device is None:
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=request,
        )
    return device


@transaction.atomic
def two_factor_reset(*, user: Any, actor: Any) -> int:
    """An administrator's reset: every device of ``user`` goes, so the next sign-in enrols anew.
    Returns how many devices were removed."""
    apps, recovery = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
    removed = apps.count() + recovery.count()
    apps.delete()
    recovery.delete()
    log.info(
        "two-factor reset for %s by %s", user.get_username(), getattr(actor, "username", actor)
    )
    return int(removed)
