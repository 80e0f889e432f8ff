from django.urls import path

from doorstep.agencies import views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_index_view, name="index"),
    path("<int:pk>/", views.agency_detail_view, name="detail"),
    path("<int:pk>/place/", views.agency_place_view, name="place"),
    path("batches/<str:reference>/", views.batch_detail_view, name="batch"),
    path("batches/<str:reference>/recall/", views.batch_recall_view, name="recall"),
    path("write-offs/", views.writeoff_index_view, name="writeoffs"),
]
