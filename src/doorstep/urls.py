from django.contrib import admin
from django.urls import include, path

from doorstep.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("doorstep.core.urls")),
    path("cases/", include("doorstep.cases.urls")),
    path("compliance/", include("doorstep.compliance.urls")),
    path("ledger/", include("doorstep.ledger.urls")),
    path("oversight/", include("doorstep.oversight.urls")),
]
