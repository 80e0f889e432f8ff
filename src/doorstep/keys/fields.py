"""Model fields stored encrypted, and the blind-index column beside the ones looked up by value.

An encrypted field keeps its Python value (text, a Decimal, a date, JSON) on the model and a
ciphertext (``doorstep.core.crypto``) in a text column: encrypted on every write, decrypted on
every read, bound to its table and column. SQL cannot compare ciphertexts, so such a field
accepts no lookup but ``isnull``: a filter, an ordering or an aggregate on it fails loudly
instead of silently finding nothing. Look values up through a ``BlindIndexField``.

The empty string is stored as it is (an empty optional field), so "no value" stays visible.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.dateparse import parse_date

from doorstep.core import crypto
from doorstep.core.fields import MONEY_MAX_DIGITS, MONEY_PLACES
from doorstep.keys import keyring


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Free text, stored encrypted. ``max_length`` limits the plaintext."""

    description = "Text stored encrypted"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    @property
    def context(self) -> str:
        """The associated data: ``table.column``."""
        return f"{self.model._meta.db_table}.{self.column}"

    # Plaintext <-> Python value; the subclasses change these two.
    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, text: str) -> Any:
        return text

    def get_prep_value(self, value: Any) -> Any:
        return self.to_python(value)

    def from_clear(self, raw: Any) -> Any:
        """The Python value of what the column held before it was encrypted (a migration)."""
        return self.to_python(raw)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        text = self.encode(value)
        if text == "":
            return ""
        return keyring.encrypt_text(text, self.context)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        if value == "":
            return self.decode("")
        return self.decode(keyring.decrypt_text(value, self.context))

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def encrypt_column(self, values: Sequence[Any] | np.ndarray) -> list[str | None]:
        """A bulk writer's column of Python values (``demo.writer`` conventions) as stored."""
        texts = self.column_texts(values)
        key = keyring.active_key()
        context = self.context
        return [t if not t else crypto.encrypt(t.encode(), key, context) for t in texts]

    def column_texts(self, values: Sequence[Any] | np.ndarray) -> list[str | None]:
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        return [None if v is None else self.encode(v) for v in items]


class EncryptedCharField(EncryptedTextField):
    """A short text (one line in forms), stored encrypted."""

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {"form_class": forms.CharField, "max_length": self.max_length}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedDecimalField(EncryptedTextField):
    """A Decimal (money by default: 16 digits, 2 places), stored encrypted.

    A bulk writer gives it scaled integers (cents), like a plain DecimalField column."""

    # What django-stubs types the attribute as (TextField would make it str).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    description = "Decimal stored encrypted"

    def __init__(
        self,
        *args: Any,
        max_digits: int = MONEY_MAX_DIGITS,
        decimal_places: int = MONEY_PLACES,
        **kwargs: Any,
    ) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        super().__init__(*args, **kwargs)
        self.validators.append(validators.DecimalValidator(max_digits, decimal_places))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_digits"] = self.max_digits
        kwargs["decimal_places"] = self.decimal_places
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except ArithmeticError:
            raise ValidationError("Enter a number.", code="invalid") from None

    def encode(self, value: Any) -> str:
        quantum = Decimal(1).scaleb(-self.decimal_places)
        return format(Decimal(value).quantize(quantum), "f")

    def decode(self, text: str) -> Decimal | None:
        return Decimal(text) if text else None

    def column_texts(self, values: Sequence[Any] | np.ndarray) -> list[str | None]:
        scale = 10**self.decimal_places
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        return [None if v is None else self.encode(Decimal(int(v)) / scale) for v in items]

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {
            "form_class": forms.DecimalField,
            "max_digits": self.max_digits,
            "decimal_places": self.decimal_places,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedDateField(EncryptedTextField):
    """A date, stored encrypted (ISO text inside the ciphertext)."""

    description = "Date stored encrypted"
    # What django-stubs types the attribute as (TextField would make it str).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python(self, value: Any) -> datetime.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            raise ValidationError("Enter a valid date.", code="invalid")
        return parsed

    def encode(self, value: Any) -> str:
        return value.isoformat()  # type: ignore[no-any-return]

    def decode(self, text: str) -> datetime.date | None:
        return datetime.date.fromisoformat(text) if text else None

    def column_texts(self, values: Sequence[Any] | np.ndarray) -> list[str | None]:
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            days = values.astype("datetime64[D]")
            return [None if np.isnat(d) else str(d) for d in days]
        return super().column_texts(values)

    def formfield(self, **kwargs: Any) -> Any:
        return models.Field.formfield(self, **{"form_class": forms.DateField, **kwargs})


class EncryptedJSONField(EncryptedTextField):
    """JSON (a field record's content), stored encrypted as one value."""

    description = "JSON stored encrypted"
    # What django-stubs types the attribute as (it would otherwise say str, from TextField).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python(self, value: Any) -> Any:
        return value

    def encode(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)

    def from_clear(self, raw: Any) -> Any:
        return json.loads(raw) if isinstance(raw, str) else raw

    def decode(self, text: str) -> Any:
        return json.loads(text) if text else None

    def formfield(self, **kwargs: Any) -> Any:
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """The blind index (``keyring.blind``) of the field ``source``, kept in step on every save.

    Look up by value with ``Model.objects.filter(<this>=keyring.blind(domain, value))``.
    ``QuerySet.update()`` does not call ``save()``: set both fields there, or save instances.
    """

    def __init__(self, *args: Any, source: str = "", domain: str = "text", **kwargs: Any) -> None:
        self.source = source
        self.domain = domain
        kwargs.setdefault("max_length", 2 * crypto.INDEX_BYTES)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["domain"] = self.domain
        return name, path, args, kwargs

    def index_of(self, value: Any) -> str:
        return keyring.blind(self.domain, str(value)) if value else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def index_column(self, values: Sequence[Any] | np.ndarray) -> list[str]:
        key = keyring.index_key()
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        return [crypto.blind_index(key, self.domain, str(v)) if v else "" for v in items]


def encrypted_money(verbose_name: Any, **kwargs: Any) -> EncryptedDecimalField:
    """``core.fields.money``, stored encrypted (non-negative)."""
    return EncryptedDecimalField(
        verbose_name, validators=[validators.MinValueValidator(Decimal("0"))], **kwargs
    )


def prepare_columns(model: type[models.Model], columns: dict[str, Any]) -> dict[str, Any]:
    """A bulk writer's columns as stored: blind indexes added, encrypted fields encrypted."""
    out = dict(columns)
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, BlindIndexField)
            and field.attname not in out
            and field.source in columns
        ):
            out[field.attname] = field.index_column(columns[field.source])
    encrypted = {
        f.attname: f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
    }
    for name in columns:
        if name in encrypted:
            out[name] = encrypted[name].encrypt_column(columns[name])
    return out
