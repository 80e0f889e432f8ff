from django.urls import path

from doorstep.remote import views

app_name = "remote"
urlpatterns = [
    path("queue/", views.queue_view, name="queue"),
    path("queue/next/", views.queue_next_view, name="next"),
    path("calls/<int:pk>/wrap-up/", views.call_wrap_up_view, name="wrap_up"),
]
