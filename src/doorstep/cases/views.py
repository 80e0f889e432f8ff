from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from doorstep.cases.selectors import CaseFilters, case_get, case_list


@login_required
def case_list_view(request: HttpRequest) -> HttpResponse:
    cases = case_list(user=request.user, filters=CaseFilters())
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page})


@login_required
def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    return render(request, "cases/detail.html", {"case": case})
