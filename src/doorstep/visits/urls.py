from django.urls import path

from doorstep.visits import views

app_name = "visits"

urlpatterns = [
    path("", views.field_app, name="field"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("board/", views.board_page, name="board"),
    path("visits/<int:pk>/briefing/", views.briefing_page, name="briefing"),
    path("visits/<int:pk>/report/", views.report_page, name="report"),
    path("visits/<int:pk>/report.pdf", views.report_pdf_page, name="report_pdf"),
    path("visits/<int:pk>/evidence/<uuid:record>/", views.evidence_file_page, name="evidence_file"),
]
