from django.urls import path

from doorstep.access import views

app_name = "access"
urlpatterns = [
    path("", views.access_log_view, name="log"),
    path("alerts/", views.alerts_view, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="acknowledge"),
]
