from django.urls import path

from doorstep.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("notices/", views.notice_publish_view, name="notice_publish"),
    path("customers/", views.customer_lookup_view, name="customer_lookup"),
    path("customers/<int:pk>/", views.customer_view, name="customer"),
    path("customers/<int:pk>/consents/", views.consent_view, name="consent"),
    path("customers/<int:pk>/notices-shown/", views.notice_shown_view, name="notice_shown"),
    path("retention/", views.retention_view, name="retention"),
    path("retention/<int:pk>/", views.retention_run_view, name="retention_run"),
]
