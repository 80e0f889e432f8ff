"""Encrypted fields: ciphertext in the database, plaintext on the model, no SQL on them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from doorstep.core import crypto
from doorstep.core.testing import make_customer
from doorstep.keys.keyring import blind
from doorstep.portfolio.models import Customer, Phone

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: int) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_the_database_holds_ciphertext_and_the_model_plaintext() -> None:
    customer = make_customer("王芳", national_id="330106198804120523", phone="13805710001")
    customer.birth_date = date(1988, 4, 12)
    customer.assets_description = "一辆车"
    customer.save()
    stored = raw("portfolio_customer", "national_id", customer.pk)
    assert isinstance(stored, str)
    assert crypto.is_ciphertext(stored)
    assert "330106198804120523" not in stored
    assert crypto.is_ciphertext(raw("portfolio_customer", "monthly_income", customer.pk))
    again = Customer.objects.get(pk=customer.pk)
    assert again.national_id == "330106198804120523"
    assert again.monthly_income == Decimal("8000.00")
    assert again.birth_date == date(1988, 4, 12)
    assert again.assets_description == "一辆车"
    assert Customer.objects.values_list("national_id", flat=True).get(pk=customer.pk) == (
        "330106198804120523"
    )


def test_empty_and_missing_values_stay_empty() -> None:
    customer = make_customer("李强", national_id="330106197909231815", phone="13905710002")
    customer.employer = ""
    customer.assets_value = None
    customer.save()
    assert raw("portfolio_customer", "employer", customer.pk) == ""
    assert raw("portfolio_customer", "assets_value", customer.pk) is None
    again = Customer.objects.get(pk=customer.pk)
    assert again.employer == ""
    assert again.assets_value is None


def test_filtering_on_an_encrypted_field_fails_loudly() -> None:
    with pytest.raises(FieldError):
        list(Customer.objects.filter(national_id="330106198804120523"))
    with pytest.raises(FieldError):
        list(Phone.objects.filter(number__endswith="0001"))
    assert Customer.objects.filter(assets_value__isnull=True).count() == 0


def test_a_phone_is_found_by_its_blind_index_however_the_number_is_written() -> None:
    customer = make_customer("王芳", national_id="330106198804120523", phone="13805710001")
    make_customer("李强", national_id="330106197909231815", phone="13905710002")
    found = Phone.objects.get(number_index=blind("phone", "+86 138-0571-0001"))
    assert found.customer == customer
    assert found.number == "13805710001"
    by_id = Customer.objects.get(national_id_index=blind("national_id", "330106198804120523"))
    assert by_id == customer


def test_a_changed_number_gets_a_new_index_on_save() -> None:
    customer = make_customer("王芳", national_id="330106198804120523", phone="13805710001")
    phone = customer.phones.get()
    phone.number = "13805719999"
    phone.save()
    assert not Phone.objects.filter(number_index=blind("phone", "13805710001")).exists()
    assert Phone.objects.get(number_index=blind("phone", "13805719999")) == phone


def test_the_same_number_twice_for_one_customer_is_refused_through_its_index() -> None:
    from django.db import IntegrityError, transaction

    customer = make_customer("王芳", national_id="330106198804120523", phone="13805710001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Phone.objects.create(customer=customer, number="+86 13805710001")


def test_a_value_copied_into_another_column_does_not_decrypt() -> None:
    customer = make_customer("王芳", national_id="330106198804120523", phone="13805710001")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portfolio_customer SET employer = national_id WHERE id = %s", [customer.pk]
        )
    with pytest.raises(crypto.CryptoError):
        Customer.objects.get(pk=customer.pk)
