from django.urls import path

from doorstep.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard_view, name="index"),
    path("<slug:section>/", views.dashboard_view, name="section"),
    path("charts/<slug:slug>.xlsx", views.chart_export_view, name="export"),
]
