from django.urls import path

from doorstep.bureau import views

app_name = "bureau"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("generate/", views.generate_view, name="generate"),
    path("files/<int:pk>/", views.download_view, name="download"),
    path("corrections/", views.correction_view, name="correction"),
    path("certificates/<int:pk>/", views.certificate_view, name="certificate"),
]
