from django.urls import path

from doorstep.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.plan_index_view, name="index"),
    path("<int:pk>/", views.plan_detail_view, name="detail"),
    path("<int:pk>/reoptimise/", views.plan_reoptimise_view, name="reoptimise"),
    path("<int:pk>/publish/", views.plan_publish_view, name="publish"),
]
