"""Sending the one-time code. The gateway is pluggable: ``settings.ASSISTANT_SMS_GATEWAY``
names a callable ``(phone, text) -> None``; the default writes the code to the server log,
which is how the demo shows it. The log line masks the phone number."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from doorstep.core.masking import mask_phone

logger = logging.getLogger("doorstep.assistant.sms")


def log_gateway(phone: str, text: str) -> None:
    logger.info("SMS to %s: %s", mask_phone(phone), text)


def gateway() -> Callable[[str, str], None]:
    path = getattr(settings, "ASSISTANT_SMS_GATEWAY", "")
    return import_string(path) if path else log_gateway
