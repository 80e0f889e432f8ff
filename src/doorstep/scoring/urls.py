from django.urls import path

from doorstep.scoring import views

app_name = "scoring"
urlpatterns = [
    path("experiments/", views.experiment_index_view, name="experiments"),
    path("experiments/<int:pk>/", views.experiment_detail_view, name="experiment"),
    path("experiments/<int:pk>/promote/", views.experiment_promote_view, name="promote"),
    path("experiments/<int:pk>/stop/", views.experiment_stop_view, name="stop"),
]
