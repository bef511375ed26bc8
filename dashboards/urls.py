from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("me/", views.my_standing_view, name="me"),
    path("me/records/<int:pk>/", views.my_record_view, name="me_record"),
    path("me/records/<int:pk>/photo/", views.my_record_photo_view, name="me_record_photo"),
    path("me/<slug:code>/", views.my_scheme_view, name="me_scheme"),
    path("leaderboard/", views.leaderboard_view, name="leaderboard"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/inspectors/", views.inspectors_view, name="inspectors"),
]
