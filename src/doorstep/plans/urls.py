from django.urls import path

from doorstep.plans import policy_views, views

app_name = "plans"
urlpatterns = [
    path("policies/", policy_views.policy_page_view, name="policies"),
    path("case/<int:pk>/", views.case_panel_view, name="case_panel"),
    path("case/<int:pk>/offer/", views.plan_offer_view, name="offer"),
    path("case/<int:pk>/promise/", views.promise_take_view, name="promise"),
    path("<int:pk>/accept/", views.plan_accept_view, name="accept"),
    path("<int:pk>/agreement/", views.plan_agreement_view, name="agreement"),
    path("<int:pk>/agreement.pdf", views.plan_agreement_pdf_view, name="agreement_pdf"),
    path("case/<int:pk>/letter/", views.letter_send_view, name="letter_send"),
    path("letters/<int:pk>/", views.letter_print_view, name="letter"),
    path("letters/<int:pk>.pdf", views.letter_pdf_view, name="letter_pdf"),
    path("letters/<int:pk>/outcome/", views.letter_outcome_view, name="letter_outcome"),
]
