from django.urls import path

from doorstep.oversight import views

app_name = "oversight"
urlpatterns = [
    path("approvals/", views.approval_list_view, name="approvals"),
    path("approvals/<int:pk>/", views.approval_detail_view, name="approval"),
    path("approvals/<int:pk>/decide/", views.approval_decide_view, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw_view, name="approval_withdraw"),
]
