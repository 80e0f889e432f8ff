from django.urls import path

from doorstep.plans import views

app_name = "plans"
urlpatterns = [
    path("case/<int:pk>/", views.case_panel_view, name="case_panel"),
    path("case/<int:pk>/offer/", views.plan_offer_view, name="offer"),
    path("case/<int:pk>/promise/", views.promise_take_view, name="promise"),
    path("<int:pk>/accept/", views.plan_accept_view, name="accept"),
    path("<int:pk>/agreement/", views.plan_agreement_view, name="agreement"),
    path("case/<int:pk>/letter/", views.letter_send_view, name="letter_send"),
    path("letters/<int:pk>/", views.letter_print_view, name="letter"),
    path("letters/<int:pk>/outcome/", views.letter_outcome_view, name="letter_outcome"),
]
