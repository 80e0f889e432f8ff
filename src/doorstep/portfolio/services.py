"""Writes about customers. Imports live in ``importing``; this module holds the rest."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.portfolio.models import Account, Customer, PersonalDataAccess
from doorstep.portfolio.selectors import CustomerProfile, customer_profile

REVEALED_FIELDS = ["national_id", "phones"]
MIN_REASON_LENGTH = 4


@transaction.atomic
def personal_data_reveal(
    *,
    user: Any,
    customer: Customer,
    accounts: list[Account],
    reason: str,
    remote_addr: str | None,
    channel: str,
) -> CustomerProfile:
    """Show the full ID number and phones, after logging who asked, why and from where.

    The caller has already checked, through ``cases.selectors.case_get(action=REVEAL)``, that
    this user may reveal this customer's data.
    """
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(
            "reason_required",
            _("Say why you need the full personal data (at least %(n)d characters).")
            % {"n": MIN_REASON_LENGTH},
            field="reason",
        )
    PersonalDataAccess.objects.create(
        user=user,
        customer=customer,
        fields=REVEALED_FIELDS,
        reason=reason[:200],
        remote_addr=remote_addr or None,
        channel=channel,
    )
    return customer_profile(customer=customer, accounts=accounts, revealed=True)
