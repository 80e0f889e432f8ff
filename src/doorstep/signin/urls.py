from django.contrib.auth.decorators import login_required
from django.urls import path

from doorstep.signin import views

app_name = "signin"
urlpatterns = [
    path("sign-in-code/", views.code, name="code"),
    path("two-factor/", views.enrol, name="enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("password/", login_required(views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "password/done/",
        login_required(views.PasswordChangeDoneView.as_view()),
        name="password_done",
    ),
]
