from django.urls import path

from complaints import public_views, views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list_view, name="list"),
    path("intake/", views.complaint_create_view, name="create"),
    path("<int:pk>/", views.complaint_detail_view, name="detail"),
    *[
        path(
            f"<int:pk>/{action.replace('_', '-')}/",
            views.complaint_step_view,
            {"action": action},
            name=action,
        )
        for action in views.STEPS
    ],
    path("badges/", views.badge_list_view, name="badges"),
    path("badges/<int:pk>/", views.badge_view, name="badge"),
    path("badges/<int:pk>/qr.png", views.badge_png_view, name="badge_png"),
    path("badges/<int:pk>/qr.svg", views.badge_svg_view, name="badge_svg"),
    path("badges/<int:pk>/rotate/", views.badge_rotate_view, name="badge_rotate"),
    path("throttle/", views.throttle_log_view, name="throttle_log"),
    # public: no login
    path("rate/<slug:token>/", public_views.rate_view, name="rate"),
    path("rate/<slug:token>/thanks/", public_views.rate_thanks_view, name="rate_thanks"),
    path("new/", public_views.complaint_public_view, name="public_new"),
    path("new/thanks/", public_views.complaint_public_thanks_view, name="public_thanks"),
]
