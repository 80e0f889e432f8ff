from django.urls import path

from doorstep.oversight import hub, views
from doorstep.oversight.audit import views as audit_views
from doorstep.oversight.complaints import views as complaint_views
from doorstep.oversight.regulator import views as regulator_views
from doorstep.oversight.training import views as training_views

app_name = "oversight"
urlpatterns = [
    path("", hub.hub_view, name="hub"),
    path("approvals/", views.approval_list_view, name="approvals"),
    path("approvals/<int:pk>/", views.approval_detail_view, name="approval"),
    path("approvals/<int:pk>/decide/", views.approval_decide_view, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw_view, name="approval_withdraw"),
    path("complaints/", complaint_views.complaint_list_view, name="complaints"),
    path("complaints/new/", complaint_views.complaint_intake_view, name="complaint_intake"),
    path("complaints/stats/", complaint_views.complaint_stats_view, name="complaint_stats"),
    path("complaints/<slug:reference>/", complaint_views.complaint_detail_view, name="complaint"),
    path(
        "complaints/<slug:reference>/reveal/",
        complaint_views.complaint_reveal_view,
        name="complaint_reveal",
    ),
    path(
        "complaints/<slug:reference>/<slug:action>/",
        complaint_views.complaint_action_view,
        name="complaint_action",
    ),
    path("audit/", audit_views.campaign_list_view, name="audit"),
    path("audit/<int:pk>/", audit_views.campaign_detail_view, name="audit_campaign"),
    path("audit/<int:pk>/close/", audit_views.campaign_close_view, name="audit_close"),
    path("audit/items/<int:pk>/", audit_views.item_view, name="audit_item"),
    path("audit/items/<int:pk>/review/", audit_views.item_review_view, name="audit_review"),
    path("audit/items/<int:pk>/findings/", audit_views.item_finding_view, name="audit_finding"),
    path(
        "audit/items/<int:pk>/remediation/",
        audit_views.item_remediation_view,
        name="audit_remediation",
    ),
    path("remediation/", audit_views.remediation_list_view, name="remediation"),
    path("remediation/<int:pk>/", audit_views.remediation_update_view, name="remediation_update"),
    path("regulator/", regulator_views.regulator_report_view, name="regulator"),
    path(
        "regulator/<str:quarter>.<slug:format>",
        regulator_views.regulator_report_download_view,
        name="regulator_download",
    ),
    path("training/", training_views.training_view, name="training"),
    path("training/staff/<int:pk>/", training_views.completion_view, name="training_complete"),
    path("training/courses/", training_views.course_create_view, name="training_course"),
    path("training/assign/", training_views.assign_view, name="training_assign"),
]
