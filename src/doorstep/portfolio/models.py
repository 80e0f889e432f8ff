"""Customers, their accounts, what the bank billed them and what they paid."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doorstep.core.fields import latitude_field, longitude_field, money
from doorstep.keys.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    encrypted_money,
)
from doorstep.staff.models import Branch, Language


class Customer(models.Model):
    """A customer. Personal fields are stored encrypted (``keys.fields``, docs/encryption.md);
    the name stays in clear, to be searchable, and is masked in lists as before."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        UNKNOWN = "U", _("Not stated")

    external_id = models.CharField(_("customer number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60, db_index=True)
    national_id = EncryptedCharField(_("national ID number"), max_length=18)
    national_id_index = BlindIndexField(source="national_id", domain="national_id")
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_date = EncryptedDateField(_("date of birth"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=Language.choices,
        default=Language.MANDARIN,
    )
    email = EncryptedCharField(_("e-mail address"), max_length=254, blank=True)
    employer = EncryptedCharField(_("employer"), max_length=100, blank=True)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    monthly_income = encrypted_money(_("monthly income"), null=True, blank=True)
    assets_value = encrypted_money(_("declared assets"), null=True, blank=True)
    assets_description = EncryptedCharField(_("assets"), max_length=200, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    dependants = models.PositiveSmallIntegerField(_("dependants"), null=True, blank=True)
    other_debts_declared = encrypted_money(_("other debts declared"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"


class Phone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        # A context: a bare "Home" is also the admin's breadcrumb (首页), this one is 住宅.
        HOME = "home", pgettext_lazy("place", "Home")
        WORK = "work", _("Work")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        VERIFIED = "verified", _("Verified")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        DISCONNECTED = "disconnected", _("Disconnected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = EncryptedCharField(_("number"), max_length=20)
    number_index = BlindIndexField(source="number", domain="phone")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    verification = models.CharField(
        _("verification"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number_index"], name="phone_unique_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Address(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", pgettext_lazy("place", "Home")
        WORK = "work", _("Work")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOME)
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30, blank=True)
    line = EncryptedCharField(_("street address"), max_length=200)
    postcode = EncryptedCharField(_("postcode"), max_length=10, blank=True)
    latitude = latitude_field(_("latitude"), null=True, blank=True)
    longitude = longitude_field(_("longitude"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind"], name="address_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.line}"


class Account(models.Model):
    class Product(models.TextChoices):
        CREDIT_CARD = "credit_card", _("Credit card")
        PERSONAL_LOAN = "personal_loan", _("Personal loan")
        CONSUMER_LOAN = "consumer_loan", _("Consumer loan")
        BUSINESS_LOAN = "business_loan", _("Business loan")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CHARGED_OFF = "charged_off", _("Charged off")
        SOLD = "sold", _("Sold")  # transferred to a buyer in a debt sale

    external_id = models.CharField(_("account number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="accounts")
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    credit_limit = money(_("credit limit"), null=True, blank=True)
    principal = money(_("principal"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))
    interest_rate = models.DecimalField(
        _("annual interest rate"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    due_day = models.PositiveSmallIntegerField(
        _("due day"), validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__isnull=False) | models.Q(principal__isnull=False),
                name="account_has_limit_or_principal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.get_product_display()}"


class Statement(models.Model):
    """One billed due: a card's minimum payment or a loan's instalment, with its parts."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="statements")
    statement_date = models.DateField(_("statement date"))
    due_date = models.DateField(_("due date"))
    principal_due = money(_("principal due"))
    interest_due = money(_("interest due"))
    fee_due = money(_("fees and penalties due"))
    closing_balance = money(_("closing balance"))

    class Meta:
        ordering = ["account_id", "due_date"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["account", "due_date"], name="statement_one_per_due")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.due_date}"

    @property
    def amount_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fee_due


class Payment(models.Model):
    class Channel(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        AUTO_DEBIT = "auto_debit", _("Automatic debit")
        COUNTER = "counter", _("Branch counter")
        MOBILE = "mobile", _("Mobile banking")
        THIRD_PARTY = "third_party", _("Third-party payment")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payments")
    external_id = models.CharField(_("transaction id"), max_length=40, unique=True)
    paid_on = models.DateField(_("value date"))
    amount = money(_("amount"))
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.TRANSFER
    )
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["account", "paid_on"], name="payment_account_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.amount}"


class Guarantor(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="guarantors")
    guarantor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="guarantees")
    relationship = models.CharField(_("relationship"), max_length=40, blank=True)
    guaranteed_amount = money(_("guaranteed amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [
            models.UniqueConstraint(fields=["account", "guarantor"], name="guarantor_once")
        ]

    def __str__(self) -> str:
        return f"{self.guarantor_id} → {self.account_id}"


class PersonalDataAccess(models.Model):
    """Append-only record of every read of unmasked personal data (PIPL, CN-PI-02)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(_("fields"))
    reason = models.CharField(_("reason"), max_length=200)
    remote_addr = models.GenericIPAddressField(_("from"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return f"{self.user_id} {self.customer_id} {self.at:%Y-%m-%d %H:%M}"
