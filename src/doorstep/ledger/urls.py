from django.urls import path

from doorstep.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.ledger_index_view, name="index"),
    path("verify/", views.ledger_verify_view, name="verify"),
    path("entries/", views.ledger_entries_view, name="entries"),
    path("cases/<int:pk>/", views.ledger_case_view, name="case"),
]
