from django.urls import path

from doorstep.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("<int:pk>/", views.case_detail_view, name="detail"),
    path("<int:pk>/status/", views.case_status_view, name="status"),
    path("<int:pk>/assign/", views.case_assign_view, name="assign"),
    path("<int:pk>/transfer/", views.case_transfer_view, name="transfer"),
    path("<int:pk>/attach/", views.case_attach_view, name="attach"),
    path("<int:pk>/reveal/", views.case_reveal_view, name="reveal"),
    path("<int:pk>/notes/", views.case_entry_view, {"kind": "note"}, name="note"),
    path("<int:pk>/thread/", views.case_entry_view, {"kind": "message"}, name="message"),
]
