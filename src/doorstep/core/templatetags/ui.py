"""Template filters that make money, dates and states look the same on every screen.

Amounts are yuan with two decimals and thousands separators (``¥1,234.56``) and dates are ISO
(``2026-06-30``) in both languages: that is how Chinese bank statements print them, and staff
compare the numbers across screens, exports and the API.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

EMPTY = "—"
_CENT = Decimal("0.01")


def format_money(value: Decimal | int | str | None) -> str:
    """``¥1,234.56``; a negative amount keeps its sign in front of the currency symbol."""
    if value is None or value == "":
        return EMPTY
    try:
        amount = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def format_day(value: date | datetime | None) -> str:
    """``2026-06-30``; a datetime is first turned into the local (Asia/Shanghai) date."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().isoformat()
    return value.isoformat()


def format_moment(value: datetime | None) -> str:
    """``2026-06-30 14:05`` in local time."""
    if value is None:
        return EMPTY
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.strftime("%Y-%m-%d %H:%M")


@register.filter
def money(value: Decimal | int | str | None) -> str:
    return format_money(value)


@register.filter
def day(value: date | datetime | None) -> str:
    return format_day(value)


@register.filter
def moment(value: datetime | None) -> str:
    return format_moment(value)


@register.filter
def percent(value: Decimal | None) -> str:
    """An annual rate stored as a fraction (``0.1800``) shown as ``18.00%``."""
    if value is None:
        return EMPTY
    return f"{Decimal(value) * 100:.2f}%"


@register.filter
def dash(value: Any) -> Any:
    """An empty value as an em dash, so a blank cell reads as "not known", not as a glitch."""
    return EMPTY if value in (None, "") else value


_CSS_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@register.simple_tag
def badge(kind: str, value: str, label: Any) -> SafeString:
    """A coloured label: ``{% badge "bucket" case.bucket case.get_bucket_display %}``.

    The CSS class is built from the stored value (``M6+`` becomes ``bucket-M6plus``) so the
    colour follows the state, not its translated label.
    """
    css = _CSS_UNSAFE.sub("", str(value).replace("+", "plus"))
    return format_html('<span class="badge {}-{}">{}</span>', kind, css, label)


@register.filter
def person(user: Any) -> str:
    """Who did something: their staff display name, else the username; no one is the system."""
    if user is None:
        return str(_("System"))
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else str(user.get_username())
