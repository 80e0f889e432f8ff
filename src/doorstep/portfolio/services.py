"""Writes about customers. Imports live in ``importing``; this module holds the rest."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.access.matrix import REVEALED_CATEGORIES
from doorstep.access.services import reveal_record
from doorstep.core.errors import DomainError
from doorstep.ledger.services import ledger_append
from doorstep.portfolio.models import Account, Customer, Phone
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
    # The one log of reveals, after the permission matrix allowed them (docs/permissions.md).
    reveal_record(
        user=user,
        customer=customer,
        fields=REVEALED_FIELDS,
        reason=reason,
        remote_addr=remote_addr,
        channel=channel,
        categories=REVEALED_CATEGORIES,
    )
    return customer_profile(customer=customer, accounts=accounts, revealed=True)


def phone_verification_set(
    *, phone: Phone, status: str, actor: Any, subject: dict[str, str | int], source: dict[str, Any]
) -> bool:
    """Record what a contact taught about a number (verified, wrong number, disconnected): the
    one place it changes, ledgered with where it was learnt (``source``, e.g. the call). Returns
    whether anything changed."""
    if status not in Phone.Verification.values:
        raise DomainError(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Phone.Verification.values)},
            field="verification",
        )
    if phone.verification == status:
        return False
    previous = phone.verification
    Phone.objects.filter(pk=phone.pk).update(verification=status)
    phone.verification = status
    ledger_append(
        kind="phone.verification_changed",
        actor=actor,
        subject={**subject, "phone": phone.pk},
        record={"from": previous, "to": status, **source},
    )
    return True
