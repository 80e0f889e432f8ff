"""The repayment-policy page: the versions on file, the policy in force for a product and
bucket, and the form to propose a change (approved by a head-office administrator in oversight;
nobody approves their own)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.plans import services
from doorstep.plans.policy import DEFAULT_RULES
from doorstep.plans.policy_forms import PolicyForm
from doorstep.plans.selectors import policies, policy_in_force
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

READERS = services.POLICY_ROLES | {Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR}


def policy_reader(user: Any) -> bool:
    staff = staff_for(user)
    return staff is not None and staff.role in READERS


@login_required
@require_http_methods(["GET", "POST"])
def policy_page_view(request: HttpRequest) -> HttpResponse:
    if not policy_reader(request.user):
        raise Http404
    staff = staff_for(request.user)
    may_propose = staff is not None and staff.role in services.POLICY_ROLES
    product = request.GET.get("product", "")
    bucket = request.GET.get("bucket", "")
    row, _policy = policy_in_force(product=product, bucket=bucket, on=timezone.localdate())
    in_force = row.rules if row is not None else DEFAULT_RULES
    status = 200
    if request.method == "POST":
        if not may_propose:
            raise Http404
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                proposed = services.policy_propose(
                    product=form.cleaned_data["product"],
                    bucket=form.cleaned_data["bucket"],
                    effective_from=form.cleaned_data["effective_from"],
                    rules=form.rules(),
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(form.field_for_rule(error.field or ""), error.message)
            else:
                return redirect(reverse("plans:policies") + f"?proposed={proposed.pk}")
        status = 400
    else:
        form = PolicyForm(
            initial={**PolicyForm.initial_from(in_force), "product": product, "bucket": bucket}
        )
    context = {
        "form": form,
        "rows": policies().order_by("product", "bucket", "-version"),
        "in_force": row,
        "may_propose": may_propose,
        "proposed": request.GET.get("proposed", ""),
        "product": product,
        "bucket": bucket,
    }
    return render(request, "plans/policies.html", context, status=status)
