from django.contrib import admin
from django.urls import include, path

from doorstep.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("doorstep.core.urls")),
    path("account/", include("doorstep.signin.urls")),
    path("cases/", include("doorstep.cases.urls")),
    path("compliance/", include("doorstep.compliance.urls")),
    path("ledger/", include("doorstep.ledger.urls")),
    path("oversight/", include("doorstep.oversight.urls")),
    path("complaints/", include("doorstep.oversight.complaints.public_urls")),
    path("field/", include("doorstep.visits.urls")),
    path("plans/", include("doorstep.plans.urls")),
    path("assistant/", include("doorstep.assistant.urls")),
    path("planning/", include("doorstep.planning.urls")),
    path("scoring/", include("doorstep.scoring.urls")),
    path("reports/", include("doorstep.reports.urls")),
    path("remote/", include("doorstep.remote.urls")),
    path("legal/", include("doorstep.legal.urls")),
    path("bureau/", include("doorstep.bureau.urls")),
    path("privacy/", include("doorstep.privacy.urls")),
    path("agencies/", include("doorstep.agencies.urls")),
    path("access/", include("doorstep.access.urls")),
    path("", include("doorstep.core.health")),
]
