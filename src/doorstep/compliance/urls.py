from django.urls import path

from doorstep.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("decisions/", views.decision_list_view, name="decisions"),
    path("decisions/<int:pk>/", views.decision_detail_view, name="decision"),
    path("decisions/<int:pk>/override/", views.decision_override_view, name="override"),
    path("parameters/", views.parameters_view, name="parameters"),
    path("parameters/<str:profile>/", views.parameters_view, name="parameters_profile"),
    path(
        "parameters/<str:profile>/propose/",
        views.parameters_propose_view,
        name="parameters_propose",
    ),
    path("calendars/", views.calendars_view, name="calendars"),
    path("calendars/upload/", views.calendar_upload_view, name="calendar_upload"),
    path("packs/", views.packs_view, name="packs"),
    path("cases/<int:pk>/holds/", views.hold_add_view, name="hold_add"),
    path(
        "cases/<int:pk>/holds/<int:hold_pk>/release/",
        views.hold_release_view,
        name="hold_release",
    ),
]
