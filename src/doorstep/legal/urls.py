from django.urls import path

from doorstep.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.desk_view, name="desk"),
    path("case/<int:pk>/", views.case_panel_view, name="case_panel"),
    path("case/<int:pk>/propose/", views.propose_view, name="propose"),
    path("case/<int:pk>/guarantees/", views.contract_view, name="contract"),
    path("case/<int:pk>/guarantees/<int:contract>/demand/", views.demand_view, name="demand"),
    path("matters/<int:pk>/", views.matter_view, name="matter"),
    path("matters/<int:pk>/<str:action>/", views.matter_action_view, name="action"),
    path("documents/<int:pk>/", views.document_view, name="document"),
]
