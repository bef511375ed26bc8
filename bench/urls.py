from django.urls import path

from bench import views
from starservice.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    *app_urlpatterns,
]
