"""The training screens: who is due (each person's mandatory courses and their state), record
a completion (htmx swaps the person's row), courses and assignment by role for administrators.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight.training import services
from doorstep.oversight.training.forms import AssignForm, CompletionForm, CourseForm
from doorstep.oversight.training.selectors import (
    TRAINING_ADMINS,
    StaffTraining,
    course_list,
    course_title,
    may_record,
    staff_in_scope,
    training_overview,
    training_status,
)
from doorstep.staff.selectors import staff_for


def _is_admin(request: HttpRequest) -> bool:
    staff = staff_for(request.user)
    return staff is not None and staff.role in TRAINING_ADMINS


def _row(
    request: HttpRequest, row: StaffTraining, form: CompletionForm | None = None
) -> dict[str, Any]:
    return {
        "row": row,
        "courses": [(course_title(item.course), item) for item in row.courses],
        "can_record": may_record(user=request.user, staff=row.staff),
        "form": form or CompletionForm(),
    }


@login_required
@require_GET
def training_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due_only = request.GET.get("due") == "1"
    rows = training_overview(user=request.user, on_date=today, due_only=due_only)
    context = {
        "rows": [_row(request, row) for row in rows],
        "due_only": due_only,
        "today": today,
        "admin": _is_admin(request),
        "courses": [(course, course_title(course)) for course in course_list()],
        "course_form": CourseForm(),
        "assign_form": AssignForm(),
    }
    return render(request, "oversight/training/overview.html", context)


@login_required
@require_POST
def completion_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a completion for staff member ``pk``; htmx gets their row back."""
    staff = staff_in_scope(user=request.user).filter(pk=pk).first()
    if staff is None:
        raise Http404
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            services.training_complete(actor=request.user, staff=staff, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = CompletionForm()
    if not getattr(request, "htmx", False):
        for problems in form.errors.values():
            messages.error(request, "; ".join(str(problem) for problem in problems))
        return HttpResponseRedirect(reverse("oversight:training"))
    row = StaffTraining(staff, training_status(staff, timezone.localdate()))
    return render(request, "oversight/training/_row.html", _row(request, row, form))


@login_required
@require_POST
def course_create_view(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST)
    if form.is_valid():
        try:
            services.course_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Course added."))
    else:
        messages.error(request, _("Some fields are not valid."))
    return HttpResponseRedirect(reverse("oversight:training"))


@login_required
@require_POST
def assign_view(request: HttpRequest) -> HttpResponse:
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            count = services.training_assign_by_role(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Assigned to %(n)d people.") % {"n": count})
    else:
        messages.error(request, _("Some fields are not valid."))
    return HttpResponseRedirect(reverse("oversight:training"))
