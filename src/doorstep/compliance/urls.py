from django.urls import URLPattern, URLResolver

app_name = "compliance"
urlpatterns: list[URLPattern | URLResolver] = []
