"""The debtor-facing complaint pages: no sign-in."""

from django.urls import path

from doorstep.oversight.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.public_file_view, name="file"),
    path("status/", views.public_status_view, name="status"),
]
