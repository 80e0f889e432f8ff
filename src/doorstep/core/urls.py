from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from doorstep.signin.views import LoginView  # the password step of the two-factor sign-in

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:list", permanent=False), name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
