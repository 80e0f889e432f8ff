"""Field factories shared by every app, so money and coordinates look the same everywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

MONEY_MAX_DIGITS = 16
MONEY_PLACES = 2


def money(
    verbose_name: Any, *, signed: bool = False, **kwargs: Any
) -> models.DecimalField[Any, Decimal]:
    """A CNY amount with two decimal places; non-negative unless ``signed``."""
    validators = [] if signed else [MinValueValidator(Decimal("0"))]
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_PLACES,
        validators=validators,
        **kwargs,
    )


def latitude_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField[Any, Decimal]:
    """Degrees north, six places (about 0.1 m)."""
    return _degrees(verbose_name, 90, **kwargs)


def longitude_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField[Any, Decimal]:
    """Degrees east, six places."""
    return _degrees(verbose_name, 180, **kwargs)


def _degrees(verbose_name: Any, bound: int, **kwargs: Any) -> models.DecimalField[Any, Decimal]:
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-bound)), MaxValueValidator(Decimal(bound))],
        **kwargs,
    )
