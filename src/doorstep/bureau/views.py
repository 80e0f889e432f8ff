"""The credit-reporting page: monthly files (generate, download), corrections after upheld
disputes; settlement certificates as PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.bureau import selectors, services
from doorstep.bureau.forms import CorrectionForm, GenerateForm
from doorstep.bureau.models import Certificate
from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight.models import Complaint


def _page(request: HttpRequest, **forms: Any) -> HttpResponse:
    selectors.require(request.user, selectors.PAGE_ROLES)
    may_file = selectors.can(request.user, selectors.FILE_ROLES)
    today = timezone.localdate()
    context = {
        "files": selectors.files(user=request.user)[:36] if may_file else [],
        "may_file": may_file,
        "may_correct": selectors.can(request.user, selectors.CORRECTION_ROLES),
        "corrections": selectors.corrections(user=request.user)[:50],
        "generate_form": forms.get("generate_form")
        or GenerateForm(initial={"month": f"{today:%Y-%m}"}),
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "certificates": Certificate.objects.defer("pdf_base64", "facts").select_related("case")[:20]
        if may_file
        else [],
    }
    return render(request, "bureau/index.html", context, status=422 if forms else 200)


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def generate_view(request: HttpRequest) -> HttpResponse:
    selectors.require(request.user, selectors.FILE_ROLES)
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            services.report_generate(month=form.cleaned_data["month"], actor=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("bureau:index")
    return _page(request, generate_form=form)


@login_required
@require_GET
def download_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.file_get(user=request.user, pk=pk)
    services.report_downloaded(
        report=report,
        actor=request.user,
        channel="web",
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(report.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["X-Content-SHA256"] = report.sha256
    return response


@login_required
@require_POST
def correction_view(request: HttpRequest) -> HttpResponse:
    selectors.require(request.user, selectors.CORRECTION_ROLES)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        complaint = Complaint.objects.filter(reference=data["complaint"].strip()).first()
        account = selectors.account_by_number(data["account"].strip())
        if complaint is None:
            form.add_error("complaint", _("No complaint with that reference."))
        elif account is None:
            form.add_error("account", _("No account with that number."))
        else:
            try:
                services.correction_record(
                    complaint=complaint,
                    account=account,
                    month=data["month"],
                    changes=[(data["column"], data["value"].strip())],
                    reason=data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect(reverse("bureau:index") + "#corrections")
    return _page(request, correction_form=form)


@login_required
@require_GET
def certificate_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    response["X-Content-SHA256"] = certificate.pdf_sha256
    return response
